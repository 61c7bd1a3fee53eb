package bgp

import (
	"net/netip"
	"testing"
)

func TestDecisionProcess(t *testing.T) {
	costs := map[netip.Addr]uint32{addr("10.9.0.1"): 10, addr("10.9.0.2"): 20}
	s, err := New(Config{ASN: 65000, RouterID: addr("10.0.0.1"), Resolver: func(nh netip.Addr) (uint32, bool) {
		c, ok := costs[nh]
		return c, ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	mkPeer := func(a string, asn uint32, id string) *peer {
		p := newPeer(s, PeerConfig{Addr: addr(a), ASN: asn, Families: []Family{IPv4Unicast}})
		p.remoteID = addr(id)
		return p
	}
	ibgpLow := mkPeer("192.168.0.1", 65000, "1.1.1.1")
	ibgpHigh := mkPeer("192.168.0.2", 65000, "2.2.2.2")
	ebgp := mkPeer("192.168.0.3", 65100, "3.3.3.3")
	path := func(p *peer, a Attrs) *Path {
		if !a.NextHop.IsValid() {
			a.NextHop = addr("10.9.0.1")
		}
		return &Path{attrs: Intern(a), peer: p}
	}
	as := func(asns ...uint32) string { return PackASPath([]ASSegment{{ASNs: asns}}) }

	for _, tc := range []struct {
		name          string
		better, worse *Path
	}{
		{"local origination first", &Path{attrs: Intern(Attrs{LocalPref: 10, HasLocalPref: true})}, path(ibgpLow, Attrs{LocalPref: 500, HasLocalPref: true})},
		{"higher local-pref", path(ibgpHigh, Attrs{LocalPref: 200, HasLocalPref: true, ASPath: as(1, 2, 3)}), path(ibgpLow, Attrs{})},
		{"missing local-pref counts as 100", path(ibgpHigh, Attrs{}), path(ibgpLow, Attrs{LocalPref: 99, HasLocalPref: true})},
		{"shorter AS path", path(ibgpHigh, Attrs{ASPath: as(1)}), path(ibgpLow, Attrs{ASPath: as(1, 2)})},
		{"an AS set counts one", path(ibgpHigh, Attrs{ASPath: PackASPath([]ASSegment{{ASNs: []uint32{1}}, {Set: true, ASNs: []uint32{5, 6, 7}}})}), path(ibgpLow, Attrs{ASPath: as(1, 2, 3)})},
		{"lower origin", path(ibgpHigh, Attrs{Origin: OriginIGP}), path(ibgpLow, Attrs{Origin: OriginIncomplete})},
		{"lower MED from the same AS", path(ibgpHigh, Attrs{ASPath: as(7), MED: 5, HasMED: true}), path(ibgpLow, Attrs{ASPath: as(7), MED: 6, HasMED: true})},
		{"MED ignored across neighbour ASes", path(ibgpLow, Attrs{ASPath: as(7), MED: 50, HasMED: true}), path(ibgpHigh, Attrs{ASPath: as(8), MED: 6, HasMED: true})},
		{"eBGP over iBGP", path(ebgp, Attrs{ASPath: as(9)}), path(ibgpLow, Attrs{ASPath: as(9)})},
		{"lower IGP cost", path(ibgpHigh, Attrs{NextHop: addr("10.9.0.1")}), path(ibgpLow, Attrs{NextHop: addr("10.9.0.2")})},
		{"lower router id", path(ibgpLow, Attrs{}), path(ibgpHigh, Attrs{})},
		{"ORIGINATOR_ID stands in for router id", path(ibgpHigh, Attrs{OriginatorID: addr("0.0.0.9")}), path(ibgpLow, Attrs{})},
		{"shorter cluster list", path(ibgpHigh, Attrs{OriginatorID: addr("5.5.5.5"), ClusterList: packAddrs([]netip.Addr{addr("9.9.9.9")})}), path(ibgpLow, Attrs{OriginatorID: addr("5.5.5.5"), ClusterList: packAddrs([]netip.Addr{addr("9.9.9.9"), addr("8.8.8.8")})})},
		{"lower neighbour address", path(ibgpLow, Attrs{OriginatorID: addr("5.5.5.5")}), path(ibgpHigh, Attrs{OriginatorID: addr("5.5.5.5")})},
	} {
		if !s.better(tc.better, tc.worse) {
			t.Errorf("%s: expected preferred path to win", tc.name)
		}
		if s.better(tc.worse, tc.better) {
			t.Errorf("%s: comparison not antisymmetric", tc.name)
		}
	}

	// An unreachable next hop makes a path ineligible, however good.
	tab := s.tables[IPv4Unicast]
	k := RouteKey{Prefix: netip.MustParsePrefix("10.0.0.0/8")}
	unreach := path(ibgpLow, Attrs{NextHop: addr("10.9.9.9"), LocalPref: 1000, HasLocalPref: true})
	reach := path(ibgpHigh, Attrs{})
	s.mu.Lock()
	tab.set(s, k, *unreach)
	if tab.dests.at(k).best != nil {
		t.Error("path with unreachable next hop selected")
	}
	tab.set(s, k, *reach)
	if b := tab.dests.at(k).best; b == nil || *b != *reach {
		t.Error("reachable path not selected")
	}
	s.mu.Unlock()
	// The next hop becomes reachable: Reresolve brings the better path in.
	costs[addr("10.9.9.9")] = 1
	s.Reresolve()
	if b := tab.dests.at(k).best; b == nil || *b != *unreach {
		t.Error("Reresolve did not select the newly reachable path")
	}
}
