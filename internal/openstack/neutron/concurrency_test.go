package neutron

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/ostest"
	"github.com/intercloud/intercloud/internal/store"
)

// TestConcurrentPortCreatesAllSucceed: 128 clients each create ports on
// one network over HTTP at the same time, and each of the cloud's two
// regions (two Services on one store) takes writes meanwhile. Every
// create answers 201 (contention waits, it never fails with a 500
// "database is locked"), and afterwards the network has exactly the
// ports created, with distinct addresses and MACs. SQLite's busy timeout
// is a millisecond here: the process's writers must queue for the
// store's writer lock, not poll for SQLite's, however long they wait.
func TestConcurrentPortCreatesAllSucceed(t *testing.T) {
	lb := startLabWith(t, store.Options{BusyTimeout: time.Millisecond})
	admin := lb.admin(t)
	code, body := raw(t, lb, admin, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "busy"}})
	if code != 201 {
		t.Fatalf("create network: %d %v", code, body)
	}
	netID := body["network"].(map[string]any)["id"].(string)
	if code, body := raw(t, lb, admin, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"network_id": netID, "ip_version": 4, "cidr": "10.9.0.0/20"}}); code != 201 {
		t.Fatalf("create subnet: %d %v", code, body)
	}
	const clients, each = 128, 2
	token := admin.Token()
	liftQuotas(t, lb, token) // more networks than Neutron's default 100
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	post := func(url, body string) (int, string) {
		req, err := http.NewRequest("POST", url, bytes.NewReader([]byte(body)))
		if err != nil {
			return 0, err.Error()
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", token)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	var wg sync.WaitGroup
	failures := make(chan string, clients*each+clients)
	start := make(chan struct{})
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for j := range each {
				if code, msg := post(lb.URL+"/cloud1/network/v2.0/ports",
					fmt.Sprintf(`{"port": {"network_id": %q, "name": "p%d-%d"}}`, netID, i, j)); code != 201 {
					failures <- fmt.Sprintf("port p%d-%d: %d %.200s", i, j, code, msg)
				}
			}
			// The other region writes to the same store at the same time.
			if code, msg := post(lb.URL+"/cloud2/network/v2.0/networks",
				fmt.Sprintf(`{"network": {"name": "n%d"}}`, i)); code != 201 {
				failures <- fmt.Sprintf("cloud2 network n%d: %d %.200s", i, code, msg)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(failures)
	n := 0
	for f := range failures {
		if n < 5 {
			t.Error(f)
		}
		n++
	}
	if n > 0 {
		t.Fatalf("%d of %d requests did not succeed", n, clients*each+clients)
	}
	code, body = raw(t, lb, admin, "GET", "/v2.0/ports?network_id="+netID, nil)
	ports, _ := body["ports"].([]any)
	if code != 200 || len(ports) != clients*each {
		t.Fatalf("list ports: %d, %d ports, want %d", code, len(ports), clients*each)
	}
	ips, macs := map[string]bool{}, map[string]bool{}
	for _, x := range ports {
		p := x.(map[string]any)
		macs[p["mac_address"].(string)] = true
		for _, f := range p["fixed_ips"].([]any) {
			ips[f.(map[string]any)["ip_address"].(string)] = true
		}
	}
	if len(ips) != clients*each || len(macs) != clients*each {
		t.Errorf("%d distinct addresses and %d distinct MACs for %d ports", len(ips), len(macs), clients*each)
	}
	// Lowest first: the addresses are exactly .1 (the gateway's) + 1 up.
	for i := range clients * each {
		if a := addr(mustAddr("10.9.0.2") + uint32(i)).String(); !ips[a] {
			t.Fatalf("address %s not allocated: allocation is not lowest-first", a)
		}
	}
	code, _, body2 := ostest.Call(t, "GET", lb.URL+"/cloud2/network/v2.0/networks", map[string]string{"X-Auth-Token": token}, nil)
	if nets, _ := body2["networks"].([]any); code != 200 || len(nets) != clients {
		t.Errorf("cloud2 networks: %d, %d, want %d", code, len(nets), clients)
	}
}

// TestFreedAddressIsAllocatedAgainLowestFirst: an address freed below
// others in use goes to the next port that asks for none, then
// allocation carries on above the highest in use.
func TestFreedAddressIsAllocatedAgainLowestFirst(t *testing.T) {
	lb := startLab(t)
	admin := lb.admin(t)
	_, body := raw(t, lb, admin, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	netID := body["network"].(map[string]any)["id"].(string)
	if code, body := raw(t, lb, admin, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"network_id": netID, "ip_version": 4, "cidr": "10.1.0.0/24"}}); code != 201 {
		t.Fatalf("create subnet: %d %v", code, body)
	}
	create := func() (string, string) {
		t.Helper()
		code, body := raw(t, lb, admin, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID}})
		if code != 201 {
			t.Fatalf("create port: %d %v", code, body)
		}
		p := body["port"].(map[string]any)
		return p["id"].(string), p["fixed_ips"].([]any)[0].(map[string]any)["ip_address"].(string)
	}
	var ids []string
	for i, want := range []string{"10.1.0.2", "10.1.0.3", "10.1.0.4"} {
		id, ip := create()
		if ip != want {
			t.Fatalf("port %d got %s, want %s", i, ip, want)
		}
		ids = append(ids, id)
	}
	if code, _ := raw(t, lb, admin, "DELETE", "/v2.0/ports/"+ids[1], nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	for _, want := range []string{"10.1.0.3", "10.1.0.5"} {
		if _, ip := create(); ip != want {
			t.Fatalf("got %s, want %s", ip, want)
		}
	}
	// An address named explicitly is refused while held, as Neutron does.
	code, body := raw(t, lb, admin, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{
		"network_id": netID, "fixed_ips": []any{map[string]any{"ip_address": "10.1.0.4"}}}})
	wantNeutronError(t, "held address", code, body, 409, "IpAddressAlreadyAllocated", "IP address 10.1.0.4 already allocated in subnet *")
	// Moving a port to another address frees its old one for the next.
	if code, body := raw(t, lb, admin, "PUT", "/v2.0/ports/"+ids[0], map[string]any{"port": map[string]any{
		"fixed_ips": []any{map[string]any{"ip_address": "10.1.0.200"}}}}); code != 200 {
		t.Fatalf("move port: %d %v", code, body)
	}
	if _, ip := create(); ip != "10.1.0.2" {
		t.Fatalf("after moving a port off 10.1.0.2, got %s", ip)
	}
}

// TestCacheEqualsTheDatabaseAfterRefusedWrites: after writes that
// succeed and writes refused half-way (a bulk create whose last item is
// bad, a duplicate MAC, a held address), the state a Service answers from
// is exactly what a Service reading the database afresh sees.
func TestCacheEqualsTheDatabaseAfterRefusedWrites(t *testing.T) {
	lb := startLab(t)
	admin := lb.admin(t)
	_, body := raw(t, lb, admin, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	netID := body["network"].(map[string]any)["id"].(string)
	raw(t, lb, admin, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"network_id": netID, "ip_version": 4, "cidr": "10.2.0.0/24"}})
	code, body := raw(t, lb, admin, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{
		"network_id": netID, "mac_address": "fa:16:3e:00:00:01", "name": "first"}})
	if code != 201 {
		t.Fatalf("create port: %d %v", code, body)
	}
	first := body["port"].(map[string]any)["id"].(string)
	refused := []struct {
		method, path string
		body         map[string]any
		want         int
	}{
		{"POST", "/v2.0/ports", map[string]any{"ports": []any{
			map[string]any{"network_id": netID, "name": "a"}, map[string]any{"network_id": netID, "name": "b"},
			map[string]any{"network_id": netID, "mac_address": "fa:16:3e:00:00:01"}}}, 409},
		{"POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID,
			"fixed_ips": []any{map[string]any{"ip_address": "10.2.0.2"}}}}, 409},
		{"PUT", "/v2.0/ports/" + first, map[string]any{"port": map[string]any{"name": "renamed",
			"fixed_ips": []any{map[string]any{"ip_address": "10.2.0.1"}, map[string]any{"ip_address": "10.9.9.9"}}}}, 400},
	}
	for _, r := range refused {
		if code, body := raw(t, lb, admin, r.method, r.path, r.body); code != r.want {
			t.Fatalf("%s %s: %d %v, want %d", r.method, r.path, code, body, r.want)
		}
	}
	if code, body := raw(t, lb, admin, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID}}); code != 201 {
		t.Fatalf("create after refusals: %d %v", code, body)
	} else if ip := body["port"].(map[string]any)["fixed_ips"].([]any)[0].(map[string]any)["ip_address"]; ip != "10.2.0.3" {
		t.Errorf("port after refusals got %v, want 10.2.0.3 (nothing refused kept an address)", ip)
	}
	ctx := context.Background()
	cached, err := lb.neutron["cloud1"].Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := New(ctx, lb.st, lb.ks, Config{Region: "cloud1"})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := fresh.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(cached)
	b, _ := json.Marshal(loaded)
	if !reflect.DeepEqual(cached, loaded) {
		t.Errorf("cached state differs from the database's:\n%s\n%s", a, b)
	}
	if len(cached.Ports) != 2 || cached.Ports[0].Name != "first" {
		t.Errorf("ports after refused writes: %s", a)
	}
}
