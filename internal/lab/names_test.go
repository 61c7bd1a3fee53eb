package lab

import (
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// TestANodeNameResolvesInTheSourcesVPN: in examples/overlap.yaml blue2's
// loopback is red2's address too. `ping red1 blue2` used to be answered
// by red2, silently; it is refused, naming the node the address means
// from red1. Names in the source's own VPN, and an address, still work.
func TestANodeNameResolvesInTheSourcesVPN(t *testing.T) {
	l, clk := exampleLab(t, "overlap.yaml")
	_, err := l.StartPing("red1", "blue2", router.PingOptions{Count: 1})
	if err == nil || !strings.Contains(err.Error(), "vpn blue") || !strings.Contains(err.Error(), "red2") {
		t.Fatalf("ping red1 blue2: %v, want a refusal naming vpn blue and red2", err)
	}
	if _, err := l.StartTrace("blue1", "red2", router.TraceOptions{Probes: 1}); err == nil {
		t.Errorf("trace blue1 red2 was accepted")
	}
	if r := ping(t, l, clk, "red1", "red2", router.PingOptions{Count: 1, TTL: 64}); r.Received != 1 {
		t.Errorf("ping red1 red2: %+v", r)
	}
	if r := ping(t, l, clk, "red1", "192.168.0.2", router.PingOptions{Count: 1, TTL: 64}); r.Received != 1 {
		t.Errorf("ping red1 192.168.0.2: %+v", r)
	}
	// From a PE, the name resolves in the VRF asked for.
	if r := ping(t, l, clk, "pe1", "blue2", router.PingOptions{Count: 1, TTL: 64, VRF: "blue"}); r.Received != 1 {
		t.Errorf("ping pe1 blue2 --vrf blue: %+v", r)
	}
	if _, err := l.StartPing("pe1", "blue2", router.PingOptions{Count: 1, VRF: "red"}); err == nil || !strings.Contains(err.Error(), "red2") {
		t.Errorf("ping pe1 blue2 --vrf red: %v, want a refusal naming red2", err)
	}
}

// TestErrorsPointToTheFix: a PE's global table has no route to a site,
// so the error names the VRF to use; a misspelt VRF gets the one meant;
// a CE is found as a BGP neighbour of its PE by name, without --vrf.
func TestErrorsPointToTheFix(t *testing.T) {
	l, clk := exampleLab(t, "overlap.yaml")
	res := make(chan error, 1)
	go func() {
		_, err := l.Trace(t.Context(), "pe1", "red2", router.TraceOptions{Probes: 1, MaxHops: 5, Timeout: time.Second})
		res <- err
	}()
	var err error
	for done := false; !done; {
		select {
		case err = <-res:
			done = true
		case <-time.After(time.Millisecond):
			if clk.Now().Sub(l.Started()) > time.Hour {
				t.Fatal("trace pe1 red2 did not end within an hour of lab time")
			}
			clk.Advance(10 * time.Millisecond)
		}
	}
	if err == nil || !strings.Contains(err.Error(), "no route to host") || !strings.Contains(err.Error(), "add --vrf red") {
		t.Errorf("trace pe1 red2: %v, want no route to host and a hint to add --vrf red", err)
	}
	for _, vrf := range []string{"rde", "rred", "Red"} {
		_, _, err := l.Show("pe1", "route", vrf)
		if err == nil || !strings.Contains(err.Error(), `did you mean "red"?`) {
			t.Errorf("show pe1 route --vrf %s: %v, want did you mean \"red\"", vrf, err)
		}
	}
	if _, _, err := l.Show("pe1", "vrf rde routes", ""); err == nil || !strings.Contains(err.Error(), `did you mean "red"?`) {
		t.Errorf("show pe1 vrf rde routes: %v, want did you mean \"red\"", err)
	}
	if _, err := l.StartPing("pe1", "red2", router.PingOptions{VRF: "green"}); err == nil || !strings.Contains(err.Error(), "its VRFs: blue, red") {
		t.Errorf("ping --vrf green: %v, want the VRFs pe1 has", err)
	}
	if _, text, err := l.Show("pe1", "bgp neighbor red1", ""); err != nil || !strings.Contains(text, "Description: red1") {
		t.Errorf("show pe1 bgp neighbor red1: %v\n%s", err, text)
	}
}
