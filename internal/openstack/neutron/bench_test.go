package neutron

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// Sizes of the region the API benchmarks run against: benchNetworks
// networks of the member's project, each with one /16 subnet, and
// benchPorts ports spread evenly over them.
const (
	benchNetworks = 100
	benchPorts    = 10000
	benchBulk     = 1000 // ports per bulk create while seeding
)

// benchRegion is one region's Neutron (behind Keystone, mounted as the
// daemon mounts it) on 127.0.0.1, seeded with benchPorts ports, and a
// member's token.
type benchRegion struct {
	url      string // the region's network endpoint, without the trailing /
	token    string
	client   *http.Client
	networks []string
	ports    []string
	svc      *Service // the region's Neutron, for benchmarks of its Go API
	project  string   // the member's project
}

func startBenchRegion(b *testing.B) *benchRegion {
	b.Helper()
	// VNIs for every network the create-network benchmark may make.
	lb := startLab(b, func(c *Config) { c.VNIMax = 1<<24 - 1 })
	token := lb.client(b, "demo-cloud1", "demo-cloud1", "cloud1").Token()
	liftQuotas(b, lb, token) // 10,000 ports, beyond Neutron's default 500
	base := lb.URL
	r := &benchRegion{url: base + "/cloud1/network", token: token,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	b.Cleanup(r.client.CloseIdleConnections)

	// Seed through the API, in bulk: the networks, a subnet each, then
	// the ports, benchBulk per request.
	var nets []any
	for i := range benchNetworks {
		nets = append(nets, map[string]any{"name": fmt.Sprintf("net%d", i)})
	}
	var out map[string][]map[string]any
	r.do(b, "POST", "/v2.0/networks", map[string]any{"networks": nets}, http.StatusCreated, &out)
	var subnets []any
	for _, x := range out["networks"] {
		id := x["id"].(string)
		r.networks = append(r.networks, id)
		subnets = append(subnets, map[string]any{"network_id": id, "ip_version": 4, "cidr": "10.0.0.0/16"})
	}
	r.do(b, "POST", "/v2.0/subnets", map[string]any{"subnets": subnets}, http.StatusCreated, nil)
	for i := 0; i < benchPorts; i += benchBulk {
		var ports []any
		for j := i; j < i+benchBulk; j++ {
			ports = append(ports, map[string]any{"network_id": r.networks[j%benchNetworks], "name": fmt.Sprintf("port%d", j)})
		}
		out = nil
		r.do(b, "POST", "/v2.0/ports", map[string]any{"ports": ports}, http.StatusCreated, &out)
		for _, x := range out["ports"] {
			r.ports = append(r.ports, x["id"].(string))
		}
	}
	if len(r.ports) != benchPorts {
		b.Fatalf("seeded %d ports, want %d", len(r.ports), benchPorts)
	}
	return r
}

// do sends one request with the member's token, checks the status and
// decodes the answer into out (discarding it when out is nil).
func (r *benchRegion) do(b *testing.B, method, path string, body any, want int, out any) {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			b.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, r.url+path, rd)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", r.token)
	resp, err := r.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		data, _ := io.ReadAll(resp.Body)
		b.Fatalf("%s %s: status %d, want %d: %.300s", method, path, resp.StatusCode, want, data)
	}
	if out == nil {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		return
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAPI10kPorts measures the Networking API over HTTP on loopback
// with a member's token, one request at a time, in a region holding
// benchNetworks networks and benchPorts ports (seeded once, outside the
// timers). Each request's answer is read to the end; the token is
// validated by Keystone as in the daemon. The sub-benchmarks that create
// run last, as they grow the region.
func BenchmarkAPI10kPorts(b *testing.B) {
	r := startBenchRegion(b)
	run := func(name string, f func(b *testing.B, i int)) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				f(b, i)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
	run("ListNetworks", func(b *testing.B, _ int) {
		r.do(b, "GET", "/v2.0/networks", nil, http.StatusOK, nil)
	})
	run("ListPorts", func(b *testing.B, _ int) {
		r.do(b, "GET", "/v2.0/ports", nil, http.StatusOK, nil)
	})
	run("ListPortsLimit100", func(b *testing.B, _ int) {
		r.do(b, "GET", "/v2.0/ports?limit=100", nil, http.StatusOK, nil)
	})
	run("ShowPort", func(b *testing.B, i int) {
		r.do(b, "GET", "/v2.0/ports/"+r.ports[(i*7919)%len(r.ports)], nil, http.StatusOK, nil)
	})
	run("CreatePort", func(b *testing.B, i int) {
		r.do(b, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": r.networks[i%len(r.networks)]}}, http.StatusCreated, nil)
	})
	run("CreateNetwork", func(b *testing.B, i int) {
		r.do(b, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": fmt.Sprintf("bench%d", i)}}, http.StatusCreated, nil)
	})
}
