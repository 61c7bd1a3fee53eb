package neutron

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func nameservers(n int) []any {
	var out []any
	for i := range n {
		out = append(out, fmt.Sprintf("192.0.2.%d", i+1))
	}
	return out
}

func hostRoutes(n int, nexthop string) []any {
	var out []any
	for i := range n {
		out = append(out, map[string]any{"destination": fmt.Sprintf("198.51.%d.0/24", i), "nexthop": nexthop})
	}
	return out
}

func TestListsBeyondNeutronsLimitsAreRefusedWith400(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	_, body := raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	netID := body["network"].(map[string]any)["id"].(string)
	subnet := func(extra map[string]any) map[string]any {
		s := map[string]any{"network_id": netID, "ip_version": 4, "cidr": "10.0.0.0/24"}
		for k, v := range extra {
			s[k] = v
		}
		return map[string]any{"subnet": s}
	}
	before := snapshotJSON(t, lb)
	code, body := raw(t, lb, demo, "POST", "/v2.0/subnets", subnet(map[string]any{"dns_nameservers": nameservers(6)}))
	wantNeutronError(t, "6 nameservers", code, body, 400, "DNSNameServersExhausted",
		"Unable to complete operation for new subnet. The number of DNS nameservers exceeds the limit 5.")
	code, body = raw(t, lb, demo, "POST", "/v2.0/subnets", subnet(map[string]any{"host_routes": hostRoutes(21, "10.0.0.254")}))
	wantNeutronError(t, "21 host routes", code, body, 400, "HostRoutesExhausted",
		"Unable to complete operation for new subnet. The number of host routes exceeds the limit 20.")
	if snapshotJSON(t, lb) != before {
		t.Error("a refused subnet changed the region")
	}

	code, body = raw(t, lb, demo, "POST", "/v2.0/subnets", subnet(map[string]any{"dns_nameservers": nameservers(5), "host_routes": hostRoutes(20, "10.0.0.254")}))
	if code != 201 {
		t.Fatalf("subnet at the limits: %d %v", code, body)
	}
	sn := body["subnet"].(map[string]any)
	snID := sn["id"].(string)
	if len(sn["dns_nameservers"].([]any)) != 5 || len(sn["host_routes"].([]any)) != 20 {
		t.Errorf("subnet at the limits: %v", sn)
	}
	code, body = raw(t, lb, demo, "PUT", "/v2.0/subnets/"+snID, map[string]any{"subnet": map[string]any{"dns_nameservers": nameservers(6)}})
	wantNeutronError(t, "update to 6 nameservers", code, body, 400, "DNSNameServersExhausted",
		"Unable to complete operation for "+snID+". The number of DNS nameservers exceeds the limit 5.")
	code, body = raw(t, lb, demo, "PUT", "/v2.0/subnets/"+snID, map[string]any{"subnet": map[string]any{"host_routes": hostRoutes(21, "10.0.0.254")}})
	wantNeutronError(t, "update to 21 host routes", code, body, 400, "HostRoutesExhausted",
		"Unable to complete operation for "+snID+". The number of host routes exceeds the limit 20.")

	var fixed []any
	for i := range 6 {
		fixed = append(fixed, map[string]any{"subnet_id": snID, "ip_address": fmt.Sprintf("10.0.0.%d", 10+i)})
	}
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "fixed_ips": fixed}})
	wantNeutronError(t, "6 fixed IPs", code, body, 400, "InvalidInput", "Invalid input for operation: Exceeded maximum amount of fixed ips per port..")
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "fixed_ips": fixed[:5]}})
	if code != 201 {
		t.Fatalf("port with 5 fixed IPs: %d %v", code, body)
	}
	portID := body["port"].(map[string]any)["id"].(string)
	code, body = raw(t, lb, demo, "PUT", "/v2.0/ports/"+portID, map[string]any{"port": map[string]any{"fixed_ips": fixed}})
	wantNeutronError(t, "update to 6 fixed IPs", code, body, 400, "InvalidInput", "Invalid input for operation: Exceeded maximum amount of fixed ips per port..")

	_, body = raw(t, lb, demo, "POST", "/v2.0/routers", map[string]any{"router": map[string]any{"name": "r"}})
	rtID := body["router"].(map[string]any)["id"].(string)
	if code, body := raw(t, lb, demo, "PUT", "/v2.0/routers/"+rtID+"/add_router_interface", map[string]any{"subnet_id": snID}); code != 200 {
		t.Fatalf("router interface: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "PUT", "/v2.0/routers/"+rtID, map[string]any{"router": map[string]any{"routes": hostRoutes(31, "10.0.0.254")}})
	wantNeutronError(t, "31 extra routes", code, body, 400, "RoutesExhausted",
		"Unable to complete operation for "+rtID+". The number of routes exceeds the maximum 30.")
	if code, body := raw(t, lb, demo, "PUT", "/v2.0/routers/"+rtID, map[string]any{"router": map[string]any{"routes": hostRoutes(30, "10.0.0.254")}}); code != 200 {
		t.Errorf("30 extra routes: %d %v", code, body)
	}
}

func TestBodyLargerThanMaxRequestBodySizeIsRefusedWith413(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	before := snapshotJSON(t, lb)
	// A well-formed create one byte over the limit.
	head, tail := `{"network": {"name": "big", "description": "`, `"}}`
	big := head + strings.Repeat("x", maxBody+1-len(head)-len(tail)) + tail
	code, body := raw(t, lb, demo, "POST", "/v2.0/networks", big)
	wantNeutronError(t, "declared body over the limit", code, body, 413, "HTTPRequestEntityTooLarge",
		"Request is too large. Larger than max_request_body_size (114688).")

	// The same without a Content-Length (chunked): found while reading.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", lb.URL+"/cloud1/network/v2.0/networks", io.MultiReader(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", demo.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if req.ContentLength != 0 || resp.StatusCode != 413 || !strings.Contains(string(data), `"Request is too large. Larger than 114688."`) {
		t.Errorf("chunked body over the limit: %d %s", resp.StatusCode, data)
	}
	if snapshotJSON(t, lb) != before {
		t.Error("a refused body changed the region")
	}
	// At the limit the body is read and judged on its content (the
	// description is too long).
	atLimit := head + strings.Repeat("x", maxBody-len(head)-len(tail)) + tail
	code, body = raw(t, lb, demo, "POST", "/v2.0/networks", atLimit)
	if code != 400 {
		t.Errorf("body at the limit: %d %v", code, body)
	}
}
