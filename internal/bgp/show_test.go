package bgp

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestShowOutput(t *testing.T) {
	l := rrLab(t, 2)
	k := vpnKey(t, "65000:1", "192.168.1.0/24")
	l.sp["pe1"].Originate(VPNv4, k, 1001, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})})
	l.run(90 * time.Second)
	var b strings.Builder
	if err := l.sp["rr"].WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	sum := b.String()
	for _, want := range []string{"BGP router identifier 10.0.0.100, local AS number 65000", "Neighbor", "State/PfxRcd", "10.0.0.1", "00:01:30"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	// pe1's line: 1 prefix received.
	for _, line := range strings.Split(sum, "\n") {
		if strings.HasPrefix(line, "10.0.0.1 ") && !strings.Contains(line, " 1 ") {
			t.Errorf("pe1 line %q lacks PfxRcd 1", line)
		}
	}
	b.Reset()
	if err := l.sp["pe2"].WriteRoutes(&b, VPNv4); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Route Distinguisher: 65000:1", "*>i 192.168.1.0/24", "10.0.0.1", "EC{65000:100} label=1001"} {
		if !strings.Contains(out, want) {
			t.Errorf("vpn table lacks %q:\n%s", want, out)
		}
	}
	if got := l.sp["pe2"].VRFRoutes([]ExtCommunity{rt(t, "65000:100")}); len(got) != 1 {
		t.Errorf("VRF import by RT: %d routes", len(got))
	}
	if got := l.sp["pe2"].VRFRoutes([]ExtCommunity{rt(t, "65000:999")}); len(got) != 0 {
		t.Errorf("VRF import by wrong RT: %d routes", len(got))
	}
	t.Logf("\n%s\n%s", sum, out)
}

// A path whose next hop does not resolve is shown as FRR shows it:
// without the * of a valid path, never best, explained under the table,
// and with "valid": false in its JSON, while a resolved one keeps *>.
func TestShowMarksOnlyPathsWithResolvedNextHopsValid(t *testing.T) {
	l := newLab(t)
	unreachable := addr("192.0.2.99")
	l.speaker("rr", "10.0.0.100", 65000, func(c *Config) {
		c.Resolver = func(nh netip.Addr) (uint32, bool) { return 0, nh != unreachable }
	})
	l.speaker("pe1", "10.0.0.1", 65000, nil)
	l.peer("rr", "pe1", func(ab, ba *PeerConfig) { ab.RRClient = true })
	l.run(10 * time.Millisecond)
	good, bad := vpnKey(t, "65000:1", "192.168.1.0/24"), vpnKey(t, "65000:2", "192.168.2.0/24")
	rts := PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})
	l.sp["pe1"].Originate(VPNv4, good, 1001, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: rts})
	l.sp["pe1"].Originate(VPNv4, bad, 1002, Attrs{NextHop: unreachable, ExtCommunities: rts})
	l.run(time.Second)

	var b strings.Builder
	if err := l.sp["rr"].WriteRoutes(&b, VPNv4); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"*>i 192.168.1.0/24", "\n  i 192.168.2.0/24", "1 paths without *: their next hop does not resolve (inaccessible)"} {
		if !strings.Contains(out, want) {
			t.Errorf("vpn table lacks %q:\n%s", want, out)
		}
	}
	views := map[string]RouteView{}
	for _, r := range l.sp["rr"].Routes(VPNv4) {
		v := r.View()
		views[v.Prefix] = v
	}
	if v := views["192.168.2.0/24"]; v.Valid || v.Best {
		t.Errorf("unresolved path: valid %v best %v, want neither", v.Valid, v.Best)
	}
	if v := views["192.168.1.0/24"]; !v.Valid || !v.Best {
		t.Errorf("resolved path: valid %v best %v, want both", v.Valid, v.Best)
	}
	js, err := json.Marshal(views["192.168.2.0/24"])
	if err != nil || !strings.Contains(string(js), `"valid":false`) {
		t.Errorf("JSON %s (%v) lacks \"valid\":false", js, err)
	}
}
