package api

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// startLab runs the seed lab on the real clock behind a server on a free
// loopback port, as `intercloud up` does, and stops both at the end.
func startLab(t *testing.T) *Client {
	t.Helper()
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.New(m, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(l, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	l.Start()
	c, took, ok := l.WaitReady(20*time.Second, 10*time.Millisecond, nil)
	if !ok {
		t.Fatalf("lab not ready after %v: %+v", took, c)
	}
	srv.SetReady(took)
	return NewClient(ln.Addr().String(), srv.Token())
}

func TestAPI(t *testing.T) {
	c := startLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	st, err := c.Status(ctx)
	if err != nil || !st.Ready || st.Routers != 15 || st.Adjacencies != 6 || st.LDPSessions != 5 || st.BGPSessions != 7 || st.BGPEstablished != 7 {
		t.Fatalf("status %+v %v", st, err)
	}

	var ping PingResponse
	if err := c.Do(ctx, "POST", "/ping", nil, PingRequest{Src: "ce1", Dst: "ce2", Count: 2, Interval: 50 * time.Millisecond}, &ping); err != nil {
		t.Fatal(err)
	}
	if ping.Received != 2 || ping.Names[ping.Dst] != "ce2" {
		t.Fatalf("ping %+v", ping)
	}

	var tr TraceResponse
	// Three probes a hop, as traceroute sends: this lab runs on the real
	// clock, where a probe of a loaded test machine may miss its 2 s.
	if err := c.Do(ctx, "POST", "/trace", nil, TraceRequest{Src: "ce1", Dst: "ce2", Probes: 3}, &tr); err != nil {
		t.Fatal(err)
	}
	// Through the tenant VPN: the P hop quotes the transport and VPN labels.
	if !tr.Reached || len(tr.Hops) != 4 || !slices.ContainsFunc(tr.Hops[1].Probes, func(p TraceProbe) bool { return len(p.Labels) == 2 }) {
		t.Fatalf("trace %+v", tr)
	}

	var tab Table
	if err := c.Do(ctx, "GET", "/nodes/p1/ldp/bindings", nil, nil, &tab); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.Text, "Local Label") || !strings.Contains(tab.Text, "imp-null") {
		t.Errorf("ldp bindings text:\n%s", tab.Text)
	}
	for _, table := range []string{"route", "fib", "lfib", "interfaces", "igp/neighbors", "igp/database", "igp/routes", "ldp/neighbors", "bgp/summary", "bgp/vpnv4", "events"} {
		if err := c.Do(ctx, "GET", "/nodes/pe1/"+table, nil, nil, &tab); err != nil || tab.Text == "" {
			t.Errorf("%s: %v %q", table, err, tab.Text)
		}
	}
	if err := c.Do(ctx, "GET", "/nodes/pe1/route", url.Values{"vrf": {"tenant"}}, nil, &tab); err != nil || !strings.Contains(tab.Text, "10.255.96.2/32") {
		t.Errorf("pe1 route vrf tenant lacks ce2's loopback: %v\n%s", err, tab.Text)
	}
	if err := c.Do(ctx, "GET", "/nodes/pe1/bgp/summary", url.Values{"vrf": {"tenant"}}, nil, &tab); err != nil || !strings.Contains(tab.Text, "64513") {
		t.Errorf("pe1 bgp summary vrf tenant lacks ce1 (AS 64513): %v\n%s", err, tab.Text)
	}

	// Errors come back with a status and a message, and change nothing.
	var se *StatusError
	if err := c.Do(ctx, "GET", "/nodes/nope/route", nil, nil, &tab); !errors.As(err, &se) || se.Code != 404 {
		t.Errorf("unknown node: %v", err)
	}
	if err := c.Do(ctx, "GET", "/nodes/pe1/bogus", nil, nil, &tab); !errors.As(err, &se) || se.Code != 400 || !strings.Contains(se.Msg, "unknown table") {
		t.Errorf("unknown table: %v", err)
	}
	bad := Impairment{Loss: 2}
	if err := c.Do(ctx, "PUT", "/links/pe1/p1", nil, LinkChange{Impairment: &bad}, nil); !errors.As(err, &se) || se.Code != 400 {
		t.Errorf("bad impairment: %v", err)
	}
	if err := c.Do(ctx, "POST", "/ping", nil, map[string]any{"src": "ce1", "dst": "ce2", "colour": "red"}, nil); !errors.As(err, &se) || se.Code != 400 {
		t.Errorf("unknown field: %v", err)
	}

	// A graceful BGP restart of pe2 (both its speakers) loses no packet,
	// and its sessions come back.
	var rs RestartBGP
	if err := c.Do(ctx, "POST", "/nodes/pe2/restart-bgp", nil, nil, &rs); err != nil || rs.Node != "pe2" || len(rs.Speakers) != 2 || rs.Peers < 3 || rs.RestartTime != 120*time.Second {
		t.Fatalf("restart-bgp pe2: %+v %v", rs, err)
	}
	ping = PingResponse{}
	if err := c.Do(ctx, "POST", "/ping", nil, PingRequest{Src: "ce1", Dst: "ce2", Count: 5, Interval: 20 * time.Millisecond}, &ping); err != nil || ping.Received != 5 {
		t.Fatalf("ping after restart-bgp: %+v %v", ping.PingResult, err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		st, err := c.Status(ctx)
		if err == nil && st.BGPEstablished == 7 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions after restart-bgp: %+v %v", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.Do(ctx, "POST", "/nodes/nope/restart-bgp", nil, nil, nil); !errors.As(err, &se) || se.Code != 404 {
		t.Errorf("restart-bgp of an unknown node: %v", err)
	}

	// Take both of pe1's core links down: ce2 becomes unreachable; bring
	// one back and it answers again.
	down, up := false, true
	for _, p := range []string{"p1", "p2"} {
		if err := c.Do(ctx, "PUT", "/links/pe1/"+p, nil, LinkChange{Up: &down}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// pe1 no longer reaches pe2's loopback, so it withdraws the VPN
	// routes via pe2 from ce1: the ping finds no route (or, if the
	// withdrawal has not reached ce1 yet, no answer).
	ping = PingResponse{}
	err = c.Do(ctx, "POST", "/ping", nil, PingRequest{Src: "ce1", Dst: "ce2", Count: 1, Timeout: 300 * time.Millisecond}, &ping)
	if (err == nil && ping.Received != 0) || (err != nil && !strings.Contains(err.Error(), "no route to host")) {
		t.Fatalf("ping with pe1 cut off: %+v %v", ping.PingResult, err)
	}
	if err := c.Do(ctx, "PUT", "/links/pe1/p2", nil, LinkChange{Up: &up}, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ping.Received == 0 && time.Now().Before(deadline) {
		c.Do(ctx, "POST", "/ping", nil, PingRequest{Src: "ce1", Dst: "ce2", Count: 1, Timeout: 300 * time.Millisecond}, &ping)
	}
	if ping.Received == 0 {
		t.Fatal("ce2 unreachable after pe1-p2 came back")
	}

	// A capture streams pcap bytes.
	// Pings run until the capture has its frames: the tap may not be
	// attached yet when the first ones cross.
	var pcap bytes.Buffer
	captured := make(chan struct{})
	go func() {
		for {
			select {
			case <-captured:
				return
			default:
			}
			c.Do(ctx, "POST", "/ping", nil, PingRequest{Src: "ce1", Dst: "ce2", Count: 2, Interval: 20 * time.Millisecond}, nil)
		}
	}()
	n, err := c.Stream(ctx, "/capture", url.Values{"a": {"pe1:eth3"}, "count": {"4"}, "duration": {"10s"}}, &pcap)
	close(captured)
	if err != nil || n < 24+4*16 || !bytes.HasPrefix(pcap.Bytes(), []byte{0x4d, 0x3c, 0xb2, 0xa1}) {
		t.Fatalf("capture: %d bytes, %v, % x", n, err, pcap.Bytes()[:min(8, pcap.Len())])
	}

	// Shutdown is acknowledged.
	if err := c.Do(ctx, "POST", "/shutdown", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "GET", "/nope", nil, nil, nil); err != nil && (!errors.As(err, &se) || se.Code != 404) {
		t.Errorf("unknown endpoint: %v", err)
	}
}

func TestClientSaysNothingRuns(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := NewClient(addr, "").Status(context.Background())
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("got %v", err)
	}
}

// TestHandleAndOpenStack mounts an extra handler beside /api/v1, as the
// daemon mounts the clouds' OpenStack APIs, and checks what the API says
// about them.
func TestHandleAndOpenStack(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.New(m, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := NewServer(l, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c := NewClient(ln.Addr().String(), srv.Token())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var se *StatusError
	if _, err := c.OpenStack(ctx); !errors.As(err, &se) || se.Code != http.StatusNotFound || !strings.Contains(se.Msg, "no OpenStack APIs") {
		t.Errorf("openstack before SetOpenStack: %v", err)
	}
	if err := srv.Handle("/extra/", http.StripPrefix("/extra", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("extra " + r.URL.Path))
	}))); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"/api/v1/x", "GET /api/other", "/extra/", "nopath"} {
		if err := srv.Handle(bad, http.NotFoundHandler()); err == nil {
			t.Errorf("Handle(%q) accepted", bad)
		}
	}
	resp, err := http.Get("http://" + ln.Addr().String() + "/extra/a/b")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if body.String() != "extra /a/b" {
		t.Errorf("mounted handler answered %q", body.String())
	}
	if err := c.Do(ctx, "GET", "/nope", nil, nil, nil); !errors.As(err, &se) || se.Code != http.StatusNotFound {
		t.Errorf("unknown endpoint: %v", err)
	}

	want := &OpenStack{AuthURL: "http://x/identity/v3", Domain: "Default", Password: "pw", AdminUser: "admin", AdminProject: "admin",
		Regions: []OpenStackRegion{{Name: "cloud1", NetworkURL: "http://x/cloud/cloud1/network/", User: "demo-cloud1", Project: "demo-cloud1"}}}
	srv.SetOpenStack(want)
	got, err := c.OpenStack(ctx)
	if err != nil || got.AuthURL != want.AuthURL || len(got.Regions) != 1 || got.Regions[0] != want.Regions[0] {
		t.Errorf("openstack: %+v %v", got, err)
	}
	if r, ok := got.Region("cloud1"); !ok || r.User != "demo-cloud1" {
		t.Errorf("Region(cloud1): %+v %v", r, ok)
	}
	st, err := c.Status(ctx)
	if err != nil || st.OpenStack == nil || st.OpenStack.AuthURL != want.AuthURL {
		t.Errorf("status: %+v %v", st, err)
	}
}
