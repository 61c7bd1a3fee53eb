package ldp_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/router/routertest"
	"github.com/intercloud/intercloud/internal/topology"
)

// lab runs the IGP and LDP on every core node of a topology.
type lab struct {
	t   *testing.T
	m   *topology.Model
	net *routertest.Net
	igp map[string]*igp.Instance
	ldp map[string]*ldp.Instance
}

func newLab(t *testing.T, m *topology.Model) *lab { return newLabWith(t, m, nil) }

// newLabWith lets a test adjust each router's configuration.
func newLabWith(t *testing.T, m *topology.Model, tweak func(name string, g *igp.Config, d *ldp.Config)) *lab {
	t.Helper()
	l := &lab{t: t, m: m, net: routertest.FromModel(m), igp: map[string]*igp.Instance{}, ldp: map[string]*ldp.Instance{}}
	for _, n := range m.Nodes {
		if !n.Role.IsCore() {
			continue
		}
		r := l.net.Router(n.Name)
		gc, dc := igp.FromModel(m, n), ldp.FromModel(m, n)
		if tweak != nil {
			tweak(n.Name, &gc, &dc)
		}
		g, d := igp.New(r, gc), ldp.New(r, dc)
		l.igp[n.Name], l.ldp[n.Name] = g, d
		r.Do(func() { g.Start(); d.Start() })
	}
	return l
}

func seedModel(t *testing.T) *topology.Model {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func seed(t *testing.T) *lab { return newLab(t, seedModel(t)) }

func (l *lab) settle(d time.Duration) { l.net.Clock.Advance(d) }

func (l *lab) lo(n string) netip.Prefix { return l.m.Node(n).Loopback }

func (l *lab) ifname(node, peer string) string {
	l.t.Helper()
	for _, i := range l.m.Node(node).Interfaces {
		if i.Peer == peer {
			return i.Name
		}
	}
	l.t.Fatalf("%s has no interface to %s", node, peer)
	return ""
}

func (l *lab) addr(node, peer string) netip.Addr {
	for _, i := range l.m.Node(node).Interfaces {
		if i.Peer == peer {
			return i.Addr.Addr()
		}
	}
	l.t.Fatalf("%s has no interface to %s", node, peer)
	return netip.Addr{}
}

func (l *lab) peerOf(node, iface string) string {
	for _, i := range l.m.Node(node).Interfaces {
		if i.Name == iface {
			return i.Peer
		}
	}
	return "?" + iface
}

// local is node's local LDP label for the FEC of router fecOf's loopback.
func (l *lab) local(node, fecOf string) uint32 {
	l.t.Helper()
	var label uint32
	l.net.Router(node).Do(func() {
		for _, b := range l.ldp[node].Bindings() {
			if b.FEC == l.lo(fecOf) {
				label = b.LocalLabel
			}
		}
	})
	if label == 0 {
		l.t.Fatalf("%s has no local binding for %s's loopback", node, fecOf)
	}
	return label
}

// lfib renders node's LDP LSP for fecOf's loopback as
// "in -> out@peer/iface ..." with out "pop" for implicit null.
func (l *lab) lfib(node, fecOf string) string {
	lsp, ok := l.net.Router(node).Table().LSP(router.ProtoLDP, l.lo(fecOf))
	if !ok {
		return "none"
	}
	var outs []string
	for _, h := range lsp.Nexthops {
		outs = append(outs, fmt.Sprintf("%s@%s/%s", label(h.OutLabel), l.peerOf(node, h.Iface), h.Iface))
	}
	slices.Sort(outs)
	return fmt.Sprintf("%d -> %s", lsp.InLabel, strings.Join(outs, " "))
}

// via writes the expected out-label of node towards peer for fecOf: pop
// when the peer owns the FEC, else the peer's own local label.
// peer may name the interface too ("p2/eth2") where links are parallel.
func (l *lab) via(node, peer, fecOf string) string {
	peer, ifname, named := strings.Cut(peer, "/")
	if !named {
		ifname = l.ifname(node, peer)
	}
	out := "pop"
	if peer != fecOf {
		out = fmt.Sprint(l.local(peer, fecOf))
	}
	return fmt.Sprintf("%s@%s/%s", out, peer, ifname)
}

// wantLSP checks node's LSP for fecOf's loopback goes to peers; "none"
// alone means no LSP.
func (l *lab) wantLSP(node, fecOf string, peers ...string) {
	l.t.Helper()
	if len(peers) == 1 && peers[0] == "none" {
		if got := l.lfib(node, fecOf); got != "none" {
			l.t.Errorf("%s LDP LSP for %s's loopback: %s, want none", node, fecOf, got)
		}
		return
	}
	var outs []string
	for _, p := range peers {
		outs = append(outs, l.via(node, p, fecOf))
	}
	slices.Sort(outs)
	want := fmt.Sprintf("%d -> %s", l.local(node, fecOf), strings.Join(outs, " "))
	if got := l.lfib(node, fecOf); got != want {
		l.t.Errorf("%s LDP LSP for %s's loopback: %s, want %s", node, fecOf, got, want)
	}
}

func label(x uint32) string {
	if x == router.LabelImplicitNull {
		return "pop"
	}
	return fmt.Sprint(x)
}
