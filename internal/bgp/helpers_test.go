package bgp

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
)

// lab is a set of speakers on one in-memory network and virtual clock.
type lab struct {
	t   *testing.T
	clk *clock.Virtual
	net *MemNetwork
	sp  map[string]*Speaker

	mu      sync.Mutex
	changes map[string][]Change
}

func newLab(t *testing.T) *lab {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	return &lab{t: t, clk: clk, net: NewMemNetwork(clk), sp: map[string]*Speaker{}, changes: map[string][]Change{}}
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func (l *lab) speaker(name, id string, asn uint32, mod func(*Config)) *Speaker {
	l.t.Helper()
	cfg := Config{
		ASN: asn, RouterID: addr(id), Families: []Family{IPv4Unicast, VPNv4},
		ListenAddr: netip.AddrPortFrom(addr(id), 179), Transport: l.net, Clock: l.clk,
		OnBestChange: func(ch []Change) {
			l.mu.Lock()
			l.changes[name] = append(l.changes[name], ch...)
			l.mu.Unlock()
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(s.Close)
	l.sp[name] = s
	return s
}

// peer configures a session between two speakers, both ends.
func (l *lab) peer(a, b string, mod func(ab, ba *PeerConfig)) {
	l.t.Helper()
	sa, sb := l.sp[a], l.sp[b]
	ab := PeerConfig{Addr: sb.cfg.RouterID, ASN: sb.cfg.ASN, LocalAddr: sa.cfg.RouterID}
	ba := PeerConfig{Addr: sa.cfg.RouterID, ASN: sa.cfg.ASN, LocalAddr: sb.cfg.RouterID}
	if mod != nil {
		mod(&ab, &ba)
	}
	if err := sa.AddPeer(ab); err != nil {
		l.t.Fatal(err)
	}
	if err := sb.AddPeer(ba); err != nil {
		l.t.Fatal(err)
	}
}

func (l *lab) run(d time.Duration) { l.clk.Advance(d) }

// withdrawn lists, in order, the keys whose best path name's speaker
// reported gone (a Change with no Best).
func (l *lab) withdrawn(name string) []RouteKey {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ks []RouteKey
	for _, c := range l.changes[name] {
		if c.Best == nil {
			ks = append(ks, c.Key)
		}
	}
	return ks
}

func (l *lab) state(a, b string) State {
	return l.sp[a].PeerState(l.sp[b].cfg.RouterID)
}

func (l *lab) routes(name string, f Family) []Route { return l.sp[name].Routes(f) }

// wantEstablished fails the test unless the a-b session is Established
// at both ends; when says at what point.
func (l *lab) wantEstablished(a, b, when string) {
	l.t.Helper()
	if l.state(a, b) != Established || l.state(b, a) != Established {
		l.t.Fatalf("%s-%s %v, %s-%s %v %s, want Established", a, b, l.state(a, b), b, a, l.state(b, a), when)
	}
}

func vpnKey(t *testing.T, rd, prefix string) RouteKey {
	t.Helper()
	r, err := ParseRD(rd)
	if err != nil {
		t.Fatal(err)
	}
	return RouteKey{RD: r, Prefix: netip.MustParsePrefix(prefix)}
}

func rt(t *testing.T, s string) ExtCommunity {
	t.Helper()
	e, err := ParseRouteTarget(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func bestOf(rs []Route, k RouteKey) *Route {
	for i := range rs {
		if rs[i].Key == k && rs[i].Best {
			return &rs[i]
		}
	}
	return nil
}
