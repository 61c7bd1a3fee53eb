package igp_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/router/routertest"
	"github.com/intercloud/intercloud/internal/topology"
)

// lab is a topology on the test harness with the IGP on its core routers.
type lab struct {
	t     *testing.T
	m     *topology.Model
	net   *routertest.Net
	igp   map[string]*igp.Instance
	tweak func(name string, c *igp.Config)
}

func load(t *testing.T, yaml string) *topology.Model {
	t.Helper()
	res, err := topology.Load("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return res.Model
}

// newLab starts the IGP on every core node of the topology.
func newLab(t *testing.T, m *topology.Model, tweak func(name string, c *igp.Config)) *lab {
	t.Helper()
	l := &lab{t: t, m: m, net: routertest.FromModel(m), igp: map[string]*igp.Instance{}, tweak: tweak}
	for _, n := range m.Nodes {
		if !n.Role.IsCore() {
			continue
		}
		cfg := igp.FromModel(m, n)
		if tweak != nil {
			tweak(n.Name, &cfg)
		}
		r := l.net.Router(n.Name)
		inst := igp.New(r, cfg)
		l.igp[n.Name] = inst
		r.Do(inst.Start)
	}
	return l
}

// settle advances the clock by d (bounded: hellos never let it go idle).
func (l *lab) settle(d time.Duration) { l.net.Clock.Advance(d) }

// addr is the address of node's interface towards peer (the first such link).
func (l *lab) addr(node, peer string) netip.Addr {
	l.t.Helper()
	for _, i := range l.m.Node(node).Interfaces {
		if i.Peer == peer {
			return i.Addr.Addr()
		}
	}
	l.t.Fatalf("%s has no interface to %s", node, peer)
	return netip.Addr{}
}

// ifname is the name of node's interface towards peer.
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

func (l *lab) lo(node string) netip.Prefix { return l.m.Node(node).Loopback }

// route returns node's OSPF route for p in the RIB.
func (l *lab) route(node string, p netip.Prefix) (router.Route, bool) {
	return l.net.Router(node).Table().Route(router.ProtoOSPF, p)
}

// hops formats nexthops "addr%iface" sorted, for comparisons.
func hops(nh []router.Nexthop) string {
	var s []string
	for _, h := range nh {
		s = append(s, fmt.Sprintf("%s%%%s", h.Addr, h.Iface))
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

func (l *lab) hop(node, peer string) string {
	return fmt.Sprintf("%s%%%s", l.addr(peer, node), l.ifname(node, peer))
}

// want checks node's route to p: its metric and its nexthops (each given
// as the neighbour the path leaves towards).
func (l *lab) want(node string, p netip.Prefix, metric uint32, via ...string) {
	l.t.Helper()
	r, ok := l.route(node, p)
	if !ok {
		l.t.Errorf("%s: no route to %s", node, p)
		return
	}
	var exp []string
	for _, v := range via {
		exp = append(exp, l.hop(node, v))
	}
	slices.Sort(exp)
	if r.Metric != metric || hops(r.Nexthops) != strings.Join(exp, " ") {
		l.t.Errorf("%s: route %s = metric %d via [%s], want metric %d via [%s]", node, p, r.Metric, hops(r.Nexthops), metric, strings.Join(exp, " "))
	}
}

func (l *lab) wantNone(node string, p netip.Prefix) {
	l.t.Helper()
	if r, ok := l.route(node, p); ok {
		l.t.Errorf("%s: unexpected route %s metric %d via [%s] (%s)", node, p, r.Metric, hops(r.Nexthops), r.Info)
	}
}

func (l *lab) link(a, b string) *routertest.Link {
	l.t.Helper()
	k := l.net.FindLink(a, b)
	if k == nil {
		l.t.Fatalf("no link %s-%s", a, b)
	}
	return k
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

func routertestEpoch() time.Time { return routertest.Epoch }
