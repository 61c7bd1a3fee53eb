package bgp

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Route is a path as the API shows it.
type Route struct {
	Family Family
	Key    RouteKey
	Label  uint32 // MPLS label (VPN, labelled unicast); 0 for the unicast families
	// NextHop is an IPv4 address when the wire carried an IPv4-mapped
	// IPv6 one (IPv6 families over an IPv4 core).
	NextHop netip.Addr
	Attrs   Attrs
	// Peer is the neighbour it was learned from; invalid for local routes.
	Peer  netip.Addr
	EBGP  bool
	Local bool
	Best  bool
	// Valid: the next hop resolves (Config.Resolver), so the path is a
	// candidate for best (RFC 4271 9.1.2). FRR marks only these with *.
	Valid bool
	// Stale: kept from a session of a restarting peer (RFC 4724) until
	// its End-of-RIB or restart time.
	Stale bool
}

// Change is a Loc-RIB best-path change; Best is nil when the destination
// has no usable path any more.
type Change struct {
	Family Family
	Key    RouteKey
	Best   *Route
}

func (s *Speaker) routeOf(f Family, k RouteKey, p *Path, best bool) *Route {
	if p == nil {
		return nil
	}
	r := &Route{Family: f, Key: k, Label: p.label, Attrs: p.attrs.Value(), Local: p.peer == nil, Best: best}
	r.Valid = best || s.eligible(p) // a best path is eligible: no second lookup
	r.NextHop = r.Attrs.NextHop
	if p.peer != nil {
		r.Peer, r.EBGP = p.peer.cfg.Addr, !p.peer.ibgp
		// Paths of a peer without a session all come from its last one.
		r.Stale = p.peer.stale[f] && (p.peer.established == nil || p.gen != p.peer.gen)
	}
	return r
}

// BestPath is a destination's best path as an owner that follows the
// Loc-RIB reads it (BestPaths): the attributes as the RIB holds them,
// interned, rather than a Route's copy.
type BestPath struct {
	Family Family
	Key    RouteKey
	Label  uint32
	Attrs  AttrHandle
	Local  bool
}

// BestPaths lists the best path of every destination of families, in
// no order: what OnBestChange and OnLocRIBChange have reported (or are
// about to), read from the Loc-RIB, so that its owner need not keep a
// copy of its own.
func (s *Speaker) BestPaths(families ...Family) []BestPath {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range families {
		if t := s.tables[f]; t != nil {
			n += t.dests.len()
		}
	}
	out := make([]BestPath, 0, n)
	for _, f := range families {
		t := s.tables[f]
		if t == nil {
			continue
		}
		for k, d := range t.dests.all() {
			if p := d.best; p != nil {
				out = append(out, BestPath{Family: f, Key: k, Label: p.label, Attrs: p.attrs, Local: p.peer == nil})
			}
		}
	}
	return out
}

// FamilyKey names a destination of one family.
type FamilyKey struct {
	Family Family
	Key    RouteKey
}

// TakeChanges hands over the keys whose best path changed since the last
// call, oldest first, a key once per change (Config.TrackChanges): its
// owner reads the new best paths with BestPath. A change of a learned
// path beneath a local best one counts too (see BestLearned). A change
// made after the call is in the next one's answer.
func (s *Speaker) TakeChanges() []FamilyKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	ks := s.tracked
	s.tracked = nil
	return ks
}

// BestPath is the best path of one destination, as BestPaths lists it;
// false when it has none.
func (s *Speaker) BestPath(f Family, k RouteKey) (BestPath, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.destLocked(f, k)
	if d == nil || d.best == nil {
		return BestPath{}, false
	}
	return BestPath{Family: f, Key: k, Label: d.best.label, Attrs: d.best.attrs, Local: d.best.peer == nil}, true
}

// BestLearned is the best of the paths learned from peers for one
// destination, leaving out what the speaker originates itself; false
// when there is none it may use.
func (s *Speaker) BestLearned(f Family, k RouteKey) (BestPath, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.destLocked(f, k)
	if d == nil {
		return BestPath{}, false
	}
	var best *Path
	for _, p := range d.paths {
		if p.peer != nil && s.eligible(p) && (best == nil || s.better(p, best)) {
			best = p
		}
	}
	if best == nil {
		return BestPath{}, false
	}
	return BestPath{Family: f, Key: k, Label: best.label, Attrs: best.attrs}, true
}

// destLocked (s.mu held) is the destination k of family f, nil if none.
func (s *Speaker) destLocked(f Family, k RouteKey) *dest {
	if t := s.tables[f]; t != nil {
		return t.dests.at(k)
	}
	return nil
}

// Families lists the families the speaker carries.
func (s *Speaker) Families() []Family { return slices.Clone(s.cfg.Families) }

// Originate installs (or replaces) a locally originated route. For the
// VPN families the key carries the RD, and label is the VPN label (the
// route's label for IPv4 labelled unicast; ignored for the unicast
// families); attrs carries the route targets in ExtCommunities and,
// usually, the PE loopback as NextHop (left invalid, the session's local
// address is used). An IPv6 family's next hop may be IPv4 (an IPv4
// core): it is sent IPv4-mapped.
func (s *Speaker) Originate(f Family, k RouteKey, label uint32, attrs Attrs) error {
	if err := s.checkOrigination(f, k, label); err != nil {
		return err
	}
	if !f.labelled() && f != EVPN {
		label = 0
	}
	attrs.NextHop = attrs.NextHop.Unmap()
	k.Prefix = k.Prefix.Masked()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables[f].set(s, k, Path{attrs: Intern(attrs), label: label})
	s.afterEvent()
	return nil
}

// Origination is one locally originated route, for OriginateSet.
type Origination struct {
	Key   RouteKey
	Label uint32
	Attrs Attrs
}

// OriginateSet makes set exactly the routes of family f the speaker
// originates: it withdraws the others and originates those that are new
// or changed, so its caller keeps no copy of what it told the speaker.
// A route that cannot be originated (a wrong key or label) is left out
// and the speaker goes on with the others; the error names every one,
// and failed is how many there were.
func (s *Speaker) OriginateSet(f Family, set []Origination) (failed int, err error) {
	if s.tables[f] == nil || f == RTC {
		return len(set), s.checkKey(f, RouteKey{})
	}
	var errs []error
	// want indexes set by key (the last origination of a key wins): a
	// map of the Originations themselves, attributes and all, was a
	// tenth of a PE's allocations at each sync.
	want := make(map[RouteKey]int, len(set))
	for i := range set {
		o := &set[i]
		if err := s.checkOrigination(f, o.Key, o.Label); err != nil {
			errs = append(errs, err)
			continue
		}
		k := o.Key
		k.Prefix = k.Prefix.Masked()
		want[k] = i
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[f]
	// The destinations with a local path are walked for withdrawals only
	// when some of them are not in set.
	kept := 0
	for k := range want {
		if d := t.dests.at(k); d != nil && d.localPath() != nil {
			kept++
		}
	}
	if kept < t.nlocal {
		for k, d := range t.dests.all() {
			if _, ok := want[k]; !ok && d.localPath() != nil {
				t.remove(s, k, nil)
			}
		}
	}
	for k, i := range want {
		s.originateLocked(t, k, set[i].Label, set[i].Attrs)
	}
	s.afterEvent()
	return len(errs), errors.Join(errs...)
}

// originateLocked (s.mu held) originates one checked route of table t,
// key masked, unless it is so already.
func (s *Speaker) originateLocked(t *table, k RouteKey, label uint32, attrs Attrs) {
	if !t.family.labelled() && t.family != EVPN {
		label = 0
	}
	attrs.NextHop = attrs.NextHop.Unmap()
	if d := t.dests.at(k); d != nil {
		if p := d.localPath(); p != nil && p.label == label && p.attrs.Value() == attrs {
			return // as it is: no decision, no update
		}
	}
	t.set(s, k, Path{attrs: Intern(attrs), label: label})
}

// UpdateOriginations changes some of the routes of family f the speaker
// originates, in one step: set's are originated (or replaced), withdraw's
// withdrawn; the others stay. What OriginateSet does for a whole set, for
// an owner that follows changes: it costs what changes. Failures are
// counted and named as OriginateSet's.
func (s *Speaker) UpdateOriginations(f Family, set []Origination, withdraw []RouteKey) (failed int, err error) {
	if s.tables[f] == nil || f == RTC {
		return len(set), s.checkKey(f, RouteKey{})
	}
	var errs []error
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[f]
	for _, k := range withdraw {
		if s.checkKey(f, k) == nil {
			k.Prefix = k.Prefix.Masked()
			t.remove(s, k, nil)
		}
	}
	for i := range set {
		o := &set[i]
		if err := s.checkOrigination(f, o.Key, o.Label); err != nil {
			errs = append(errs, err)
			continue
		}
		k := o.Key
		k.Prefix = k.Prefix.Masked()
		s.originateLocked(t, k, o.Label, o.Attrs)
	}
	s.afterEvent()
	return len(errs), errors.Join(errs...)
}

// Withdraw removes a locally originated route.
func (s *Speaker) Withdraw(f Family, k RouteKey) error {
	if err := s.checkKey(f, k); err != nil {
		return err
	}
	k.Prefix = k.Prefix.Masked()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables[f].remove(s, k, nil)
	s.afterEvent()
	return nil
}

func (s *Speaker) checkOrigination(f Family, k RouteKey, label uint32) error {
	if err := s.checkKey(f, k); err != nil {
		return err
	}
	if f == EVPN && label <= 0xffffff {
		return nil // a 24-bit field: an MPLS label or a VNI (EVPNRoute)
	}
	if label > 0xfffff {
		return fmt.Errorf("bgp originate %v: label %d exceeds 20 bits", k, label)
	}
	return nil
}

func (s *Speaker) checkKey(f Family, k RouteKey) error {
	if f == RTC {
		return fmt.Errorf("bgp: RTC routes are originated with SetImportRTs")
	}
	if s.tables[f] == nil {
		return fmt.Errorf("bgp: family %v not configured", f)
	}
	if f == EVPN || k.EVPN != "" {
		if f != EVPN {
			return fmt.Errorf("bgp: %v: an EVPN key for family %v", k, f)
		}
		if _, err := EVPNRouteOf(k, 0, ""); err != nil {
			return fmt.Errorf("bgp: EVPN key: %w", err)
		}
		return nil
	}
	if !k.Prefix.IsValid() || k.Prefix.Addr().Is6() != f.isIPv6() {
		return fmt.Errorf("bgp: %v: need an %s prefix", k, map[bool]string{false: "IPv4", true: "IPv6"}[f.isIPv6()])
	}
	if f.isVPN() == (k.RD == RD{}) {
		return fmt.Errorf("bgp: %v: %v routes %s an RD", k, f, map[bool]string{false: "take no", true: "need"}[f.isVPN()])
	}
	return nil
}

// Neighbor is one line of `show bgp summary`.
type Neighbor struct {
	Neighbor    netip.Addr    `json:"neighbor"`
	Description string        `json:"description,omitempty"`
	AS          uint32        `json:"remoteAs"`
	RouterID    netip.Addr    `json:"remoteRouterId"`
	MsgRcvd     uint64        `json:"msgRcvd"`
	MsgSent     uint64        `json:"msgSent"`
	UpDown      time.Duration `json:"peerUptime"`
	EverUp      bool          `json:"everUp"`
	State       string        `json:"state"`
	PfxRcd      int           `json:"pfxRcd"`
	PfxSnt      int           `json:"pfxSnt"`
	LastError   string        `json:"lastError,omitempty"`
	RRClient    bool          `json:"routeReflectorClient,omitempty"`
}

// Summary is the data of FRR's `show bgp summary`, in neighbour order.
func (s *Speaker) Summary() []Neighbor {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Clock.Now()
	out := make([]Neighbor, 0, len(s.peers))
	for _, p := range s.peers {
		n := Neighbor{
			Neighbor: p.cfg.Addr, Description: p.cfg.Description, AS: p.cfg.ASN, RouterID: p.remoteID,
			MsgRcvd: p.msgsIn, MsgSent: p.msgsOut, UpDown: now.Sub(p.upSince), EverUp: p.gen > 0,
			State: p.state.String(), LastError: p.lastError, RRClient: p.cfg.RRClient,
		}
		// Prefixes count routes, as FRR's VPN and unicast summaries do:
		// RTC membership is left out.
		for f, c := range p.received {
			if f != RTC {
				n.PfxRcd += c
			}
		}
		for f, g := range p.groups {
			if f != RTC {
				n.PfxSnt += g.adjOut.len()
			}
		}
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b Neighbor) int { return a.Neighbor.Compare(b.Neighbor) })
	return out
}

// Routes lists every path of family f, best marked, ordered by RD and
// prefix like `show bgp ipv4 vpn` (and `show bgp ipv4 unicast`).
func (s *Speaker) Routes(f Family) []Route {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[f]
	if t == nil {
		return nil
	}
	var out []Route
	for k, d := range t.dests.all() {
		for _, p := range d.paths {
			out = append(out, *s.routeOf(f, k, p, p == d.best))
		}
	}
	slices.SortFunc(out, func(a, b Route) int {
		if c := slices.Compare(a.Key.RD[:], b.Key.RD[:]); c != 0 {
			return c
		}
		if c := a.Key.Prefix.Addr().Compare(b.Key.Prefix.Addr()); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Key.Prefix.Bits(), b.Key.Prefix.Bits()); c != 0 {
			return c
		}
		if c := strings.Compare(a.Key.EVPN, b.Key.EVPN); c != 0 {
			return c
		}
		if a.Best != b.Best {
			if a.Best {
				return -1
			}
			return 1
		}
		return a.Peer.Compare(b.Peer)
	})
	return out
}

// PeerState reports a neighbour's FSM state.
func (s *Speaker) PeerState(addr netip.Addr) State {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.peers[addr]; p != nil {
		return p.state
	}
	return Idle
}

// HasFamily reports whether the speaker carries family f.
func (s *Speaker) HasFamily(f Family) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tables[f] != nil
}
