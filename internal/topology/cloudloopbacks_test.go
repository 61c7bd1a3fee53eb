package topology

import (
	"net/netip"
	"strings"
	"testing"
)

// cloudLoopbacksLab has a PE-acting cloud and an sdn one, each with a
// loopbacks block, and a floating-ip cloud without.
const cloudLoopbacksLab = `pools: {loopbacks: 10.255.0.0/16}
nodes:
  p1: {}
  pe1: {loopback: 10.255.1.1}
  ce1: {}
links: [p1-pe1, ce1-pe1]
clouds:
  dc1: {attach: pe1, join: bgpvpn, computes: [b, a], loopbacks: 10.255.1.8/30}
  dc2: {attach: pe1, join: sdn, loopbacks: 10.250.0.0/29}
  dc3: {attach: ce1}
`

func TestACloudsNodeAndComputesTakeTheirLoopbacksFromItsBlock(t *testing.T) {
	res, err := Load("t.yaml", []byte(cloudLoopbacksLab))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	for name, want := range map[string]string{
		"dc1": "10.255.1.8/32", "a": "10.255.1.9/32", "b": "10.255.1.10/32",
		"dc2": "10.250.0.0/32", "dc2-cn1": "10.250.0.1/32", "dc2-cn2": "10.250.0.2/32",
	} {
		n := m.Node(name)
		if n == nil {
			t.Fatalf("no node %s", name)
		}
		if n.Loopback != netip.MustParsePrefix(want) || n.RouterID != n.Loopback.Addr() {
			t.Errorf("%s loopback %s router id %s, want %s", name, n.Loopback, n.RouterID, want)
		}
	}
	// The sdn cloud's control node comes last in its block.
	for _, c := range m.Clouds {
		if c.Name == "dc2" && (c.Control == nil || c.Control.Loopback != netip.MustParsePrefix("10.250.0.3/32")) {
			t.Errorf("dc2's control node = %+v, want loopback 10.250.0.3/32", c.Control)
		}
	}
	// Nothing else lands in a block inside the pool.
	block := netip.MustParsePrefix("10.255.1.8/30")
	for _, n := range m.Nodes {
		if n.Cloud != "dc1" && block.Contains(n.Loopback.Addr()) {
			t.Errorf("%s has loopback %s inside dc1's block", n.Name, n.Loopback)
		}
	}
	if l := m.Node("dc3").Loopback; !m.Pools.Loopbacks.Contains(l.Addr()) || block.Contains(l.Addr()) {
		t.Errorf("dc3 loopback %s, want one of the pool's", l)
	}
}

func TestCloudLoopbacksBlockErrorsPointAtTheirLineAndColumn(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"too small", "10.255.1.8/30}", "10.255.1.8/31}",
			`t.yaml:8:65: cloud dc1 loopbacks 10.255.1.8/31 holds 2 addresses, its node and compute nodes need 3 (a /30 holds them)`},
		{"host bits", "10.255.1.8/30}", "10.255.1.9/30}",
			`t.yaml:8:65: cloud dc1 loopbacks 10.255.1.9/30 has host bits set (did you mean 10.255.1.8/30?)`},
		{"whole pool", "10.255.1.8/30}", "10.0.0.0/8}",
			`t.yaml:8:65: cloud dc1 loopbacks 10.0.0.0/8 holds the whole loopback pool 10.255.0.0/16 (give the cloud a block inside the pool or beside it)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, strings.Replace(cloudLoopbacksLab, tc.from, tc.to, 1), tc.want)
		})
	}
}
