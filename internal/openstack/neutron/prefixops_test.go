package neutron

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"testing"
)

func TestSubnetPoolPrefixesAreAddedMergedAndRemovedUnlessInUse(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	code, out := raw(t, lb, demo, "POST", "/v2.0/subnetpools", map[string]any{"subnetpool": map[string]any{
		"name": "p", "prefixes": []string{"10.0.0.0/24"}, "default_prefixlen": 26}})
	if code != http.StatusCreated {
		t.Fatalf("create pool: %d %v", code, out)
	}
	pool := out["subnetpool"].(map[string]any)
	id, rev := pool["id"].(string), pool["revision_number"].(float64)
	base := "/v2.0/subnetpools/" + id

	prefixes := func(what string, code int, out map[string]any, want ...string) {
		t.Helper()
		got, _ := out["prefixes"].([]any)
		var gs []string
		for _, g := range got {
			gs = append(gs, fmt.Sprint(g))
		}
		if code != http.StatusOK || len(out) != 1 || !slices.Equal(gs, want) {
			t.Errorf("%s: %d %v, want prefixes %v", what, code, out, want)
		}
	}
	code, out = raw(t, lb, demo, "PUT", base+"/add_prefixes", map[string]any{"prefixes": []string{"10.0.1.0/24", "192.168.0.0/16"}})
	prefixes("add adjacent and apart", code, out, "10.0.0.0/23", "192.168.0.0/16")
	code, out = raw(t, lb, demo, "GET", base, nil)
	if sp := out["subnetpool"].(map[string]any); sp["revision_number"] != rev+1 {
		t.Errorf("revision after add_prefixes: %v, want %v", sp["revision_number"], rev+1)
	}

	// A subnet from the pool keeps its prefix in the pool.
	code, out = raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	if code != http.StatusCreated {
		t.Fatal(code, out)
	}
	code, out = raw(t, lb, demo, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"network_id": out["network"].(map[string]any)["id"], "ip_version": 4, "subnetpool_id": id}})
	if code != http.StatusCreated || out["subnet"].(map[string]any)["cidr"] != "10.0.0.0/26" {
		t.Fatalf("subnet from the pool: %d %v", code, out)
	}
	code, out = raw(t, lb, demo, "PUT", base+"/remove_prefixes", map[string]any{"prefixes": []string{"10.0.0.0/25"}})
	wantNeutronError(t, "remove a prefix in use", code, out, http.StatusBadRequest, "IllegalSubnetPoolPrefixUpdate",
		"Illegal update to prefixes: One or more the prefixes to be removed is in use by a subnet..")
	code, out = raw(t, lb, demo, "PUT", base+"/remove_prefixes", map[string]any{"prefixes": []string{"10.0.1.0/25", "172.16.0.0/12"}})
	prefixes("remove part of a prefix, and one the pool lacks", code, out, "10.0.0.0/24", "10.0.1.128/25", "192.168.0.0/16")
	code, out = raw(t, lb, demo, "PUT", base+"/remove_prefixes", map[string]any{"prefixes": []string{"172.16.0.0/12"}})
	prefixes("remove only what the pool lacks", code, out, "10.0.0.0/24", "10.0.1.128/25", "192.168.0.0/16")

	for _, bad := range []any{map[string]any{"prefixes": []string{}}, map[string]any{"prefix": []string{"10.9.0.0/16"}}, []string{"10.9.0.0/16"}} {
		code, out = raw(t, lb, demo, "PUT", base+"/add_prefixes", bad)
		wantNeutronError(t, fmt.Sprintf("add %v", bad), code, out, http.StatusBadRequest, "HTTPBadRequest", "Request body contains invalid data")
	}
	code, out = raw(t, lb, demo, "PUT", base+"/add_prefixes", map[string]any{"prefixes": []string{"10.9.0.1/16"}})
	wantNeutronError(t, "add a prefix with host bits", code, out, http.StatusBadRequest, "HTTPBadRequest",
		"Invalid input for prefixes. Reason: '10.9.0.1/16' isn't a recognized IP subnet cidr, '10.9.0.0/16' is recommended.")
	missing := "00000000-0000-0000-0000-000000000000"
	code, out = raw(t, lb, demo, "PUT", "/v2.0/subnetpools/"+missing+"/add_prefixes", map[string]any{"prefixes": []string{"10.9.0.0/16"}})
	wantNeutronError(t, "a missing pool", code, out, http.StatusNotFound, "SubnetPoolNotFound", "Subnet pool "+missing+" could not be found.")
}

func TestPrefixSetsCompactAndSubtractAsNetaddrDoes(t *testing.T) {
	ps := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	for _, c := range []struct {
		have, gone []netip.Prefix
		want       []string
	}{
		{ps("10.0.1.0/24", "10.0.0.0/24"), nil, []string{"10.0.0.0/23"}},
		{ps("10.0.0.0/8", "10.1.0.0/16"), nil, []string{"10.0.0.0/8"}},
		{ps("0.0.0.0/0"), nil, []string{"0.0.0.0/0"}},
		{ps("0.0.0.0/0"), ps("0.0.0.0/1"), []string{"128.0.0.0/1"}},
		{ps("10.0.0.0/24"), ps("10.0.0.0/26"), []string{"10.0.0.64/26", "10.0.0.128/25"}},
		{ps("10.0.0.0/24"), ps("10.0.0.0/24"), []string{}},
		{ps("255.255.255.255/32", "255.255.255.254/32"), nil, []string{"255.255.255.254/31"}},
	} {
		got := prefixStrings(subtractPrefixes(c.have, c.gone))
		if !slices.Equal(got, c.want) {
			t.Errorf("%v - %v = %v, want %v", c.have, c.gone, got, c.want)
		}
	}
}
