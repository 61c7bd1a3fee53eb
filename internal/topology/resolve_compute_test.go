package topology

import (
	"strings"
	"testing"

	"github.com/intercloud/intercloud/examples"
)

func TestEachComputeIsARouterWithAnUnderlayLinkToItsCloudsNode(t *testing.T) {
	m, err := LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Clouds {
		for _, cn := range c.Computes {
			n := m.Node(cn.Name)
			if n == nil {
				t.Fatalf("compute %s is no node of the model", cn.Name)
			}
			if n.Role != RoleCompute || n.Cloud != c.Name || n.Loopback != cn.Loopback || n.RouterID != cn.Loopback.Addr() {
				t.Errorf("%s = role %s cloud %q loopback %s router id %s; want compute of %s with loopback %s", n.Name, n.Role, n.Cloud, n.Loopback, n.RouterID, c.Name, cn.Loopback)
			}
			if len(n.Interfaces) != 1 || n.Interfaces[0].Peer != c.Node || n.Interfaces[0].Name != "eth1" {
				t.Fatalf("%s interfaces = %+v; want eth1 to %s", n.Name, n.Interfaces, c.Node)
			}
			l := m.Links[n.Interfaces[0].LinkID]
			if l.Core || l.Latency != 0 || !l.Up || l.Subnet.Bits() != 31 || !m.Pools.Links.Contains(l.Subnet.Addr()) {
				t.Errorf("underlay link of %s = %+v; want an up, non-core, zero-latency /31 of %s", n.Name, l, m.Pools.Links)
			}
			if n.Space != m.Node(c.Node).Space {
				t.Errorf("%s is in space %q, its cloud's node in %q", n.Name, n.Space, m.Node(c.Node).Space)
			}
		}
	}
	if s := m.Summarize().String(); !strings.Contains(s, "6 compute") {
		t.Errorf("summary %q does not count the 6 compute nodes", s)
	}
}

// Computes are added after everything else: a lab with none numbers its
// WAN exactly as one with many.
func TestAddingComputesRenumbersNothingElse(t *testing.T) {
	with, err := LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(examples.Seed), "defaults:\n", "defaults:\n  computes: 0\n", 1)
	if src == string(examples.Seed) {
		t.Fatal("the seed has no defaults: block to set computes in")
	}
	// Its validate: block (last) names computes; checks number nothing.
	if i := strings.Index(src, "\nvalidate:"); i >= 0 {
		src = src[:i+1]
	}
	res, err := Load("seed-no-computes", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	without := res.Model
	if len(with.Links) != len(without.Links)+6 || len(with.Nodes) != len(without.Nodes)+6 {
		t.Fatalf("with computes %d nodes %d links, without %d and %d; want 6 more of each", len(with.Nodes), len(with.Links), len(without.Nodes), len(without.Links))
	}
	for i, l := range without.Links {
		w := with.Links[i]
		if w.Subnet != l.Subnet || w.A != l.A || w.B != l.B {
			t.Errorf("link %d: %v %v-%v with computes, %v %v-%v without", i, w.Subnet, w.A, w.B, l.Subnet, l.A, l.B)
		}
	}
	for _, n := range without.Nodes {
		w := with.Node(n.Name)
		if w.Loopback != n.Loopback || w.ASN != n.ASN || w.SRIndex != n.SRIndex {
			t.Errorf("%s: loopback %s asn %d sid %d with computes; %s %d %d without", n.Name, w.Loopback, w.ASN, w.SRIndex, n.Loopback, n.ASN, n.SRIndex)
		}
	}
}
