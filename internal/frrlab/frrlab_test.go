package frrlab

import (
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// Every core router of the seed lab reaches every other core loopback,
// through neighbours on its own links, with or without the first P-P
// link (the seed has two), and losing it moves p1's route to p2.
func TestLoopbackNexthopsRouteOverTheRoutersOwnLinks(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	core := 0
	for _, n := range m.Nodes {
		if n.Role.IsCore() {
			core++
		}
	}
	first := -1
	for _, l := range m.Links {
		if m.Node(l.A.Node).Role == topology.RoleP && m.Node(l.B.Node).Role == topology.RoleP {
			first = l.ID
			break
		}
	}
	before := LoopbackNexthops(m, nil)
	after := LoopbackNexthops(m, map[int]bool{first: true})
	for _, routes := range []map[string]map[netip.Prefix][]netip.Addr{before, after} {
		for node, rs := range routes {
			if len(rs) != core-1 {
				t.Errorf("%s routes %d loopbacks, want %d", node, len(rs), core-1)
			}
			for dst, nhs := range rs {
				if len(nhs) == 0 {
					t.Errorf("%s has no next hop to %s", node, dst)
				}
				for _, nh := range nhs {
					if !isNeighbour(m, node, nh) {
						t.Errorf("%s routes %s via %s, not a neighbour's address", node, dst, nh)
					}
				}
			}
		}
	}
	p2 := m.Node("p2").Loopback.Masked()
	for _, nh := range after["p1"][p2] {
		if nh == farAddr(m, first, "p1") {
			t.Errorf("p1 still routes p2 via the failed link's %s", nh)
		}
	}
	if a, b := before["p1"][p2], after["p1"][p2]; len(a) == len(b) && a[0] == b[0] {
		t.Errorf("p1's route to p2 did not move when link %d failed: %v", first, b)
	}
}

func isNeighbour(m *topology.Model, node string, a netip.Addr) bool {
	for _, i := range m.Node(node).Interfaces {
		if farAddr(m, i.LinkID, node) == a {
			return true
		}
	}
	return false
}

// farAddr is the address of the other end of link id from node.
func farAddr(m *topology.Model, id int, node string) netip.Addr {
	l := m.Links[id]
	far := l.A.Node
	if far == node {
		far = l.B.Node
	}
	for _, i := range m.Node(far).Interfaces {
		if i.LinkID == id {
			return i.Addr.Addr()
		}
	}
	return netip.Addr{}
}

// A CE's frr.conf needs no ospfd or ldpd; a P router's needs both.
func TestNeedsStartsOnlyTheDaemonsAConfigUses(t *testing.T) {
	ce := needs([]byte("hostname ce1\n!\nrouter bgp 64512\n neighbor 10.0.0.1 remote-as 65000\nexit\n"))
	if ce["ospfd"] || ce["ldpd"] || !ce["bgpd"] || !ce["zebra"] {
		t.Errorf("a CE's daemons: %v", ce)
	}
	p := needs([]byte("router ospf\n ospf router-id 1.1.1.1\nexit\nmpls ldp\n router-id 1.1.1.1\nexit\n! router bgp in a comment\n"))
	if !p["ospfd"] || !p["ldpd"] || p["bgpd"] {
		t.Errorf("a P router's daemons: %v", p)
	}
}

// The monitor reads ip -ts's stamps and skips continuation lines.
func TestFIBMonitorKeepsTheLastStamp(t *testing.T) {
	var m FIBMonitor
	m.saw("[2026-12-05T22:03:08.428689] 10.9.9.0/24 dev lo scope link ")
	m.saw("	nexthop via 10.0.0.1 dev eth0 weight 1")
	m.saw("[2026-12-05T22:03:07.000000] Deleted 10.9.8.0/24 dev lo")
	last, n := m.Last()
	want := time.Date(2026, 12, 5, 22, 3, 8, 428689000, time.Local)
	if n != 2 || !last.Equal(want) {
		t.Errorf("last %v after %d changes, want %v after 2", last, n, want)
	}
}

func TestVtyshAsksTheDaemonThatAnswers(t *testing.T) {
	for cmd, want := range map[string]string{
		"show ip ospf neighbor json": "ospfd", "show mpls ldp neighbor json": "ldpd",
		"show bgp vrf all summary json": "bgpd", "show ip route ospf json": "zebra", "show running-config": "",
	} {
		if got := daemonOf(cmd); got != want {
			t.Errorf("daemonOf(%q) = %q, want %q", cmd, got, want)
		}
	}
}
