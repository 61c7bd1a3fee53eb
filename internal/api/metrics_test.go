package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches /metrics as Prometheus would and parses it with
// Prometheus' own text parser.
func scrape(t *testing.T, c *Client) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+c.Addr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("metrics do not parse: %v", err)
	}
	return fams
}

// sum adds the values of family name's series whose labels all match.
func sum(fams map[string]*dto.MetricFamily, name string, match func(l map[string]string) bool) (total float64, series int) {
	f := fams[name]
	if f == nil {
		return 0, 0
	}
	for _, m := range f.Metric {
		l := map[string]string{}
		for _, lp := range m.Label {
			l[lp.GetName()] = lp.GetValue()
		}
		if !match(l) {
			continue
		}
		series++
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		}
	}
	return total, series
}

func TestMetricsShowAPingOnTheLinksAndALinkDownOnTheSessions(t *testing.T) {
	c := startLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ce1 := func(l map[string]string) bool { return strings.HasPrefix(l["port"], "ce1:") }
	before := scrape(t, c)
	tx0, ports := sum(before, "intercloud_port_tx_packets_total", ce1)
	if ports == 0 {
		t.Fatal("no packet counters for ce1's ports")
	}
	if _, n := sum(before, "intercloud_router_routes", func(l map[string]string) bool { return l["node"] == "pe1" }); n == 0 {
		t.Error("no route counts for pe1")
	}
	if v, _ := sum(before, "intercloud_igp_spf_runs_total", func(map[string]string) bool { return true }); v == 0 {
		t.Error("no SPF runs counted")
	}
	if v, _ := sum(before, "intercloud_lab_convergence_seconds", func(map[string]string) bool { return true }); v <= 0 {
		t.Error("no convergence time")
	}
	pe2 := func(l map[string]string) bool { return l["node"] == "pe2" }
	up0, sessions := sum(before, "intercloud_bgp_session_established", pe2)
	if sessions == 0 || up0 != float64(sessions) {
		t.Fatalf("pe2's sessions: %v of %d established", up0, sessions)
	}

	var ping PingResponse
	if err := c.Do(ctx, "POST", "/ping", nil, PingRequest{Src: "ce1", Dst: "ce2", Count: 3, Interval: 20 * time.Millisecond}, &ping); err != nil || ping.Received != 3 {
		t.Fatalf("ping: %+v %v", ping, err)
	}
	var tab Table
	if err := c.Do(ctx, "GET", "/nodes/p1/ldp/bindings", nil, nil, &tab); err != nil {
		t.Fatal(err)
	}
	after := scrape(t, c)
	if tx, _ := sum(after, "intercloud_port_tx_packets_total", ce1); tx < tx0+3 {
		t.Errorf("ce1 sent %v frames after a ping of 3, %v before", tx, tx0)
	}
	// API routes are labelled by pattern, never by the raw path.
	if n, _ := sum(after, "intercloud_api_requests_total", func(l map[string]string) bool {
		return l["route"] == "POST /api/v1/ping" && l["code"] == "200"
	}); n != 1 {
		t.Errorf("%v pings counted, want 1", n)
	}
	if n, _ := sum(after, "intercloud_api_request_duration_seconds", func(l map[string]string) bool {
		return l["route"] == "GET /api/v1/nodes/{node}/{table...}"
	}); n != 1 {
		t.Errorf("%v show requests timed, want 1", n)
	}
	if _, n := sum(after, "intercloud_api_requests_total", func(l map[string]string) bool { return strings.Contains(l["route"], "p1") }); n != 0 {
		t.Error("a raw path became a route label")
	}

	// Cut pe2 off the core: its adjacencies leave Full at once (carrier
	// loss); its BGP sessions would fall only when their hold timers
	// expire, 90s later, as on routers without fast fallover.
	full0, _ := sum(before, "intercloud_igp_adjacency_full", pe2)
	if full0 != 2 {
		t.Fatalf("pe2 has %v full adjacencies, want 2", full0)
	}
	for _, p := range []string{"p1", "p2"} {
		if err := c.Do(ctx, "PUT", "/links/pe2/"+p, nil, LinkChange{Up: ptr(false)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		full, _ := sum(scrape(t, c), "intercloud_igp_adjacency_full", pe2)
		if full == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pe2's adjacencies still %v full 20s after its core links went down", full)
		}
		time.Sleep(20 * time.Millisecond) // poll interval of a bounded wait
	}
	if v, _ := sum(scrape(t, c), "intercloud_link_up", func(l map[string]string) bool {
		return strings.HasPrefix(l["a"], "pe2:") || strings.HasPrefix(l["b"], "pe2:")
	}); v == 0 {
		t.Error("every pe2 link still up")
	}
}

func TestMetricsNeedTheLabToken(t *testing.T) {
	srv, addr := rawServer(t)
	if code, _ := call(t, addr, "GET", "/metrics", "", nil); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token: %d, want 401", code)
	}
	code, body := call(t, addr, "GET", "/metrics", "", authed(srv))
	if code != 200 || !strings.Contains(body, "intercloud_link_up") {
		t.Errorf("GET /metrics with the token: %d %.200s", code, body)
	}
}

func ptr[T any](v T) *T { return &v }
