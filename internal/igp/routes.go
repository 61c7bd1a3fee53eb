package igp

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// PathType is how a route was learned, in OSPF's order of preference.
type PathType uint8

// Path types.
const (
	IntraArea PathType = iota
	InterArea
	ExternalE2
)

func (p PathType) String() string {
	return [...]string{"intra-area", "inter-area", "external E2"}[p]
}

// LSInfinity is the metric that means unreachable.
const LSInfinity = 0xFFFFFF

// candidate is a routing table entry while SPF builds the table; the
// storage is reused from run to run.
type candidate struct {
	key  uint64 // prefixKey: sorts as the prefixes do
	typ  PathType
	conn int16  // directly attached: index of the interface, connLoopback, or -1
	area Area   // intra: its area; inter: the area of the summaries used
	cost uint32 // to the destination; for E2, to the ASBR
	e2   uint32 // type 2 metric
	nh   int32  // first-hop set
	sid  int32  // SR: the prefix SID index, -1 for none
	// Fast reroute: the backup direct hop (-1 for none), how the route
	// is protected, and why not when it is not.
	bk   int32
	prot Protection
	why  uint8
	rep  int32 // TI-LFA: the repair in spfScratch.repairs, -1 for none
	// adv and more are the routers whose advertisements gave the best
	// paths: stub owners, ABRs, the ASBR. Most routes have one, kept
	// inline so that a table of thousands costs no allocation each.
	adv  uint32
	more []uint32
}

// hasAdv reports whether rid is one of the candidate's advertising routers.
func (c *candidate) hasAdv(rid uint32) bool {
	return c.adv == rid || slices.Contains(c.more, rid)
}

// advs appends the advertising routers, sorted, to dst.
func (c *candidate) advs(dst []uint32) []uint32 {
	start := len(dst)
	dst = append(append(dst, c.adv), c.more...)
	slices.Sort(dst[start:])
	return dst
}

// connLoopback marks a candidate for our own loopback.
const connLoopback = -2

func (c *candidate) prefix() netip.Prefix {
	return netip.PrefixFrom(addr4(uint32(c.key>>8)), int(c.key&0xff))
}

// routeInfo is what the routing table keeps of a route beside the
// router.Route handed to the RIB (same index): what summaries, SR and
// show output need. A directly attached route is one whose nexthop has no
// address.
type routeInfo struct {
	typ    PathType
	sidOwn bool // our own prefix SID (the loopback)
	nadv   uint16
	area   Area
	cost   uint32
	e2     uint32
	sid    int32
	adv    uint32 // offset of the advertising routers in Instance.advs
	prot   Protection
	why    uint8
	rep    int32 // TI-LFA: index in Instance.repairs, -1 for none
}

// compare orders candidates for the same prefix: OSPF's path type
// preference, then the type 2 metric for externals, then cost.
func (c *candidate) compare(typ PathType, e2, cost uint32) int {
	if c.typ != typ {
		return int(c.typ) - int(typ)
	}
	if c.typ == ExternalE2 && c.e2 != e2 {
		return cmp(c.e2, e2)
	}
	return cmp(c.cost, cost)
}

func cmp(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// prefixKey packs an IPv4 prefix into a map key that hashes fast.
func prefixKey(p netip.Prefix) uint64 { return uint64(u32(p.Addr()))<<8 | uint64(p.Bits()) }

// table is the routing table under construction (one run's scratch).
type table struct {
	t     *nhSets
	index map[uint64]int32
	c     []candidate
}

func (tab *table) reset(t *nhSets, size int) {
	if tab.index == nil {
		tab.index = make(map[uint64]int32, size)
		tab.c = make([]candidate, 0, size)
	}
	clear(tab.index)
	tab.t, tab.c = t, tab.c[:0]
}

// offer adds a path to the table, keeping the best and merging the first
// hops of equal ones (ECMP). A directly attached path beats an equal-cost
// remote one.
func (tab *table) offer(p netip.Prefix, typ PathType, area Area, cost, e2 uint32, nh int32, conn int16, adv uint32) {
	k := prefixKey(p)
	i, ok := tab.index[k]
	if !ok {
		i = int32(len(tab.c))
		tab.index[k] = i
		if len(tab.c) < cap(tab.c) {
			tab.c = tab.c[:i+1] // reuse the slot and its storage
		} else {
			tab.c = append(tab.c, candidate{})
		}
		tab.set(&tab.c[i], k, typ, area, cost, e2, nh, conn, adv)
		return
	}
	r := &tab.c[i]
	d := -r.compare(typ, e2, cost)
	switch {
	case d < 0 || d == 0 && conn != -1 && r.conn == -1:
		tab.set(r, k, typ, area, cost, e2, nh, conn, adv)
	case d == 0 && r.conn == -1:
		r.nh = tab.t.union(r.nh, nh)
		if !r.hasAdv(adv) {
			r.more = append(r.more, adv)
		}
	}
}

func (tab *table) set(r *candidate, k uint64, typ PathType, area Area, cost, e2 uint32, nh int32, conn int16, adv uint32) {
	r.key, r.typ, r.area, r.cost, r.e2, r.nh, r.conn, r.sid = k, typ, area, cost, e2, nh, conn, -1
	r.bk, r.prot, r.why, r.rep = -1, Unprotected, whyDisabled, -1
	r.adv, r.more = adv, r.more[:0]
}

// asbrRoute is how the router reaches an AS boundary router.
type asbrRoute struct {
	rid  uint32
	typ  PathType
	area Area
	cost uint32
	nh   int32
	hops []router.Nexthop
}

// runSPF recomputes the routing table from the databases and hands it to
// the RIB (and the SR LFIB); an ABR then re-originates its summaries.
func (in *Instance) runSPF() {
	in.spfPending = false
	now := in.env.Now()
	in.lastSPF = now
	in.spfRuns++
	in.takeScratch()
	defer in.returnScratch()
	t := &in.scratch.nh
	t.reset()
	for _, ifc := range in.ifaces {
		if n := ifc.nbr; ifc.up && n != nil && n.state == StateFull {
			t.addDirect(directHop{ifc: ifc, addr: n.addr, rid: u32(n.rid)})
		}
	}
	for _, a := range in.areas {
		in.dijkstra(a, t, now)
	}
	tab := &in.scratch.table
	tab.reset(t, len(in.routes)+16)
	in.intraRoutes(tab)
	examined := in.areas
	var active map[uint64]bool
	if in.isABR() {
		// RFC 2328 16.2: an ABR only looks at the backbone's summaries.
		examined = []*area{in.findArea(Backbone)}
		active = in.activeRanges(tab)
	}
	in.interRoutes(tab, examined, active, now)
	asbrs := in.asbrRoutes(t, examined, now)
	in.externalRoutes(tab, asbrs, now)
	in.nssaRoutes(tab, now) // nssa.go
	in.electTranslators()
	in.translate = in.translations(now)
	if in.cfg.SR {
		in.resolveSIDs(tab, now)
	}
	if in.cfg.FastReroute {
		lfa := in.computeLFA(tab, t)
		switch {
		case in.cfg.SR:
			in.computeRepairs(tab, t, lfa, false, now)
		case in.cfg.RemoteLFA:
			in.computeRepairs(tab, t, lfa, true, now)
		}
	}
	in.keepTable(tab, t)
	in.asbrs = in.asbrs[:0]
	for _, a := range asbrs {
		a.hops = t.nexthops(a.nh)
		in.asbrs = append(in.asbrs, *a)
	}
	slices.SortFunc(in.asbrs, func(a, b asbrRoute) int { return cmp(a.rid, b.rid) })

	in.env.RIB().ReplaceRoutes(router.ProtoOSPF, "", in.routes)
	lsps := 0
	if in.cfg.SR {
		lsps = in.installSR(tab, now)
	}
	var n [3]int
	for i := range in.info {
		n[in.info[i].typ]++
	}
	detail := fmt.Sprintf("run %d: %d intra-area, %d inter-area, %d external routes", in.spfRuns, n[IntraArea], n[InterArea], n[ExternalE2])
	if in.cfg.SR {
		detail += fmt.Sprintf(", %d SR LSPs", lsps)
	}
	in.env.Event("spf", detail)
	if in.isABR() {
		in.scheduleOriginate()
	}
}

// keepTable turns the candidates into the routing table: the
// router.Routes for the RIB, sorted by prefix, and their routeInfo.
func (in *Instance) keepTable(tab *table, t *nhSets) {
	order := in.scratch.order[:0]
	nadv := 0
	for i := range tab.c {
		order = append(order, int32(i))
		nadv += 1 + len(tab.c[i].more)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if x, y := tab.c[a].key, tab.c[b].key; x != y {
			if x < y {
				return -1
			}
			return 1
		}
		return 0
	})
	in.scratch.order = order
	routes := make([]router.Route, len(order))
	info := make([]routeInfo, len(order))
	advs := make([]uint32, 0, nadv)
	var attached [][]router.Nexthop // per interface, and the loopback last
	for j, i := range order {
		c := &tab.c[i]
		r := &routes[j]
		r.Prefix, r.Proto, r.Metric, r.Info = c.prefix(), router.ProtoOSPF, c.cost, in.infoText(c)
		if c.typ == ExternalE2 {
			r.Metric = c.e2
		}
		if c.conn != -1 {
			if attached == nil {
				attached = make([][]router.Nexthop, len(in.ifaces)+1)
			}
			x := int(c.conn)
			if c.conn == connLoopback {
				x = len(in.ifaces)
			}
			if attached[x] == nil {
				name := "lo"
				if c.conn != connLoopback {
					name = in.ifaces[c.conn].name
				}
				attached[x] = []router.Nexthop{{Iface: name}}
			}
			r.Nexthops = attached[x]
		} else if rep := in.repairOf(c); rep != nil && rep.pq != 0 {
			// A remote LFA: the backup neighbour, and the PQ node LDP
			// tunnels to through it.
			nh := t.nexthops(c.nh)[0]
			b := t.direct[rep.hop]
			nh.Backup = &router.Nexthop{Addr: b.addr, Iface: b.ifc.name, Remote: addr4(rep.pq)}
			r.Nexthops = []router.Nexthop{nh}
		} else if rep := in.repairOf(c); rep != nil && len(rep.push) > 0 {
			// A repair list is the route's own: the destination's label
			// goes under the segments.
			nh := t.nexthops(c.nh)[0]
			b := t.direct[rep.hop]
			nh.Backup = &router.Nexthop{Addr: b.addr, Iface: b.ifc.name, Labels: rep.stack()}
			r.Nexthops = []router.Nexthop{nh}
		} else {
			r.Nexthops = t.protected(c.nh, c.bk, c.prot)
		}
		info[j] = routeInfo{typ: c.typ, sidOwn: c.conn == connLoopback && c.sid >= 0, area: c.area, cost: c.cost, e2: c.e2,
			sid: c.sid, adv: uint32(len(advs)), nadv: uint16(1 + len(c.more)), prot: c.prot, why: c.why, rep: c.rep}
		advs = c.advs(advs)
	}
	in.routes, in.info, in.advs = routes, info, advs
	in.repairs = slices.Clone(in.scratch.repairs)
}

// repairOf is candidate c's TI-LFA repair, nil if it has none.
func (in *Instance) repairOf(c *candidate) *tiRepair {
	if c.rep < 0 {
		return nil
	}
	return &in.scratch.repairs[c.rep]
}

// advRouters returns the advertising routers of route i.
func (in *Instance) advRouters(i int) []uint32 {
	x := &in.info[i]
	return in.advs[x.adv : x.adv+uint32(x.nadv)]
}

// infoText is the protocol detail the RIB shows after a route.
func (in *Instance) infoText(c *candidate) string {
	switch c.typ {
	case IntraArea:
		if a := in.findArea(c.area); a != nil {
			return a.info
		}
		return "intra-area " + c.area.String()
	case InterArea:
		return "inter-area"
	}
	return "external E2"
}

// intraRoutes adds every stub network of every router reached in each area.
func (in *Instance) intraRoutes(tab *table) {
	for _, a := range in.areas {
		s := &a.spf
		for i := range s.v {
			v := &s.v[i]
			if !v.done {
				continue
			}
			for li := range v.lsa.Links {
				l := &v.lsa.Links[li]
				if l.Type != LinkStub {
					continue
				}
				conn := int16(-1)
				if i == 0 {
					conn = in.connectedIface(l.Prefix)
				}
				tab.offer(l.Prefix, IntraArea, a.id, v.dist+l.Metric, 0, v.nh, conn, v.rid)
			}
		}
	}
}

// connectedIface is the index of the interface a prefix of ours is on,
// or connLoopback.
func (in *Instance) connectedIface(p netip.Prefix) int16 {
	for i, ifc := range in.ifaces {
		if ifc.addr.Masked() == p {
			return int16(i)
		}
	}
	return connLoopback
}

// interRoutes adds the summaries (type 3) of the examined areas whose ABR
// SPF reached (RFC 2328 16.2), but none for a range in active (our own
// active ranges: we are the way into them).
func (in *Instance) interRoutes(tab *table, examined []*area, active map[uint64]bool, now time.Time) {
	for _, x := range examined {
		for _, l := range x.db {
			if l.Type != TypeSummary || l.AdvRouter == in.rid || l.Metric >= LSInfinity || !l.usable(now) {
				continue
			}
			if active != nil && active[prefixKey(l.Prefix)] {
				continue
			}
			if v := x.spf.reached(u32(l.AdvRouter)); v != nil {
				tab.offer(l.Prefix, InterArea, x.id, v.dist+l.Metric, 0, v.nh, -1, v.rid)
			}
		}
	}
}

// asbrRoutes finds the AS boundary routers: intra-area (E bit in a router
// LSA SPF reached) before those known from ASBR-summaries (type 4).
func (in *Instance) asbrRoutes(t *nhSets, examined []*area, now time.Time) map[uint32]*asbrRoute {
	out := map[uint32]*asbrRoute{}
	offer := func(c asbrRoute) {
		r := out[c.rid]
		switch {
		case r == nil:
			out[c.rid] = &c
		case c.typ < r.typ || c.typ == r.typ && c.cost < r.cost:
			*r = c
		case c.typ == r.typ && c.cost == r.cost:
			r.nh = t.union(r.nh, c.nh)
		}
	}
	for _, a := range in.areas {
		s := &a.spf
		for i := 1; i < len(s.v); i++ {
			if v := &s.v[i]; v.done && v.lsa.Flags&FlagASBR != 0 {
				offer(asbrRoute{rid: v.rid, typ: IntraArea, area: a.id, cost: v.dist, nh: v.nh})
			}
		}
	}
	for _, x := range examined {
		for _, l := range x.db {
			if l.Type != TypeASBRSummary || l.AdvRouter == in.rid || l.Metric >= LSInfinity || !l.usable(now) {
				continue
			}
			asbr := u32(l.Prefix.Addr())
			if asbr == in.ridU {
				continue
			}
			if v := x.spf.reached(u32(l.AdvRouter)); v != nil {
				offer(asbrRoute{rid: asbr, typ: InterArea, area: x.id, cost: v.dist + l.Metric, nh: v.nh})
			}
		}
	}
	return out
}

// externalRoutes adds AS-external routes (type 2 metrics only) through
// the ASBRs the router can reach (RFC 2328 16.4), or, for an LSA with a
// forwarding address (an NSSA translator's), through the intra- or
// inter-area route to that address.
func (in *Instance) externalRoutes(tab *table, asbrs map[uint32]*asbrRoute, now time.Time) {
	for _, l := range in.external {
		if l.Type != TypeExternal || l.AdvRouter == in.rid || l.Metric >= LSInfinity || !l.usable(now) {
			continue
		}
		a := asbrs[u32(l.AdvRouter)]
		if a == nil {
			continue
		}
		if fa := l.Forward; fa.IsValid() && !fa.IsUnspecified() {
			if c, ok := tab.lookupForward(fa); ok {
				tab.offer(l.Prefix, ExternalE2, c.area, c.cost, l.Metric, c.nh, -1, c.adv)
			}
			continue
		}
		tab.offer(l.Prefix, ExternalE2, a.area, a.cost, l.Metric, a.nh, -1, a.rid)
	}
}

func comparePrefix(a, b netip.Prefix) int {
	if x, y := u32(a.Addr()), u32(b.Addr()); x != y {
		return cmp(x, y)
	}
	return a.Bits() - b.Bits()
}
