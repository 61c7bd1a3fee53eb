package neutron

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/intercloud/intercloud/internal/store"
)

// TestRegionsAndDurability checks that regions sharing the database do
// not see each other's resources, and that what the API answered is in
// the database for a new process to read.
func TestRegionsAndDurability(t *testing.T) {
	lb := startLab(t)
	adm := lb.admin(t)
	code, body := raw(t, lb, adm, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "c1"}})
	if code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	id := body["network"].(map[string]any)["id"].(string)

	// cloud2's endpoint, same token: the network is not there.
	req, _ := http.NewRequest("GET", lb.URL+"/cloud2/network/v2.0/networks/"+id, nil)
	req.Header.Set("X-Auth-Token", adm.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("cloud2 shows cloud1's network: %d", resp.StatusCode)
	}
	// Both regions allocate their own VXLAN ids from the start of the range.
	req, _ = http.NewRequest("POST", lb.URL+"/cloud2/network/v2.0/networks", bytes.NewBufferString(`{"network": {"name": "c2"}}`))
	req.Header.Set("X-Auth-Token", adm.Token())
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var c2 map[string]map[string]any
	json.NewDecoder(resp.Body).Decode(&c2)
	resp.Body.Close()
	if resp.StatusCode != 201 || c2["network"]["provider:segmentation_id"] != float64(1) {
		t.Errorf("cloud2's first network: %d %v", resp.StatusCode, c2)
	}

	// A second process on the same database directory reads it all back.
	st2, err := store.Open(context.Background(), dirOf(t, lb), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	n2, err := New(context.Background(), st2, lb.ks, Config{Region: "cloud1"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := n2.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := lb.neutron["cloud1"].Snapshot(context.Background())
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) || len(got.Networks) != 1 || got.Networks[0].ID != id {
		t.Errorf("reopened state %s, want %s", gj, wj)
	}
}

func dirOf(t *testing.T, lb *lab) string {
	t.Helper()
	p := lb.st.Path()
	return p[:len(p)-len(store.FileName)-1]
}

// TestConcurrentPorts creates ports at once on one subnet: the
// transactions serialize, every port gets its own address.
func TestConcurrentPorts(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	code, body := raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	if code != 201 {
		t.Fatal(code, body)
	}
	netID := body["network"].(map[string]any)["id"].(string)
	if code, body = raw(t, lb, demo, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"network_id": netID, "ip_version": 4, "cidr": "10.7.0.0/27"}}); code != 201 {
		t.Fatal(code, body)
	}
	const n = 20
	var wg sync.WaitGroup
	ips := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := fmt.Sprintf(`{"port": {"network_id": %q, "name": "p%d"}}`, netID, i)
			req, _ := http.NewRequestWithContext(testCtx(t), "POST", lb.URL+"/cloud1/network/v2.0/ports", bytes.NewBufferString(b))
			req.Header.Set("X-Auth-Token", demo.Token())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			var out struct {
				Port struct {
					FixedIPs []FixedIP `json:"fixed_ips"`
				} `json:"port"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 201 || len(out.Port.FixedIPs) != 1 {
				errs[i] = fmt.Errorf("status %d, %v, %+v", resp.StatusCode, err, out)
				return
			}
			ips[i] = out.Port.FixedIPs[0].IPAddress
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("port %d: %v", i, errs[i])
			continue
		}
		if seen[ips[i]] {
			t.Errorf("address %s given twice", ips[i])
		}
		seen[ips[i]] = true
	}
}
