package router

import (
	"testing"
)

// The RIB's copies of equal nexthop lists stored in one call are one
// copy; lists that differ in any field sameNexthop compares are not; and
// the copy is the RIB's own, unmoved by the caller changing its slices.
func TestEqualNexthopListsStoredInOneCallShareOneCopy(t *testing.T) {
	base := func() []Nexthop {
		return []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0", Labels: []uint32{16}, Backup: &Nexthop{Addr: ip("10.2.0.2"), Iface: "eth1"}}}
	}
	var s nexthopSets
	a := base()
	first := s.share(a)
	if second := s.share(base()); &second[0] != &first[0] {
		t.Error("two equal lists were stored twice")
	}
	a[0].Labels[0], a[0].Iface = 99, "eth9"
	if first[0].Labels[0] != 16 || first[0].Iface != "eth0" {
		t.Errorf("the caller's change reached the RIB's copy: %+v", first[0])
	}
	variants := map[string]func([]Nexthop){
		"address":        func(n []Nexthop) { n[0].Addr = ip("10.1.0.6") },
		"interface":      func(n []Nexthop) { n[0].Iface = "eth2" },
		"label":          func(n []Nexthop) { n[0].Labels = []uint32{17} },
		"no label":       func(n []Nexthop) { n[0].Labels = nil },
		"remote":         func(n []Nexthop) { n[0].Remote = ip("10.255.0.7") },
		"tunnel":         func(n []Nexthop) { n[0].Tunnel = &Tunnel{Encap: EncapMPLSInUDP} },
		"backup address": func(n []Nexthop) { n[0].Backup = &Nexthop{Addr: ip("10.2.0.6"), Iface: "eth1"} },
		"no backup":      func(n []Nexthop) { n[0].Backup = nil },
		"another member": func([]Nexthop) {}, // appended below: a change cannot grow the slice
	}
	for name, change := range variants {
		n := base()
		change(n)
		if name == "another member" {
			n = append(n, Nexthop{Addr: ip("10.3.0.2"), Iface: "eth3"})
		}
		got := s.share(n)
		if &got[0] == &first[0] {
			t.Errorf("a list differing by its %s shares the first's copy", name)
		}
		if !sameNexthop(got[0], n[0]) || len(got) != len(n) {
			t.Errorf("the copy of a list differing by its %s is %+v, not %+v", name, got, n)
		}
		if again := s.share(n); &again[0] != &got[0] {
			t.Errorf("a list differing by its %s was stored twice", name)
		}
	}
}
