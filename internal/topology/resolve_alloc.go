package topology

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
)

func addrAdd(a netip.Addr, n uint64) netip.Addr {
	b := a.As4()
	v := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	v += n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func addrDiff(a, base netip.Addr) uint64 {
	x, y := a.As4(), base.As4()
	va := uint64(x[0])<<24 | uint64(x[1])<<16 | uint64(x[2])<<8 | uint64(x[3])
	vb := uint64(y[0])<<24 | uint64(y[1])<<16 | uint64(y[2])<<8 | uint64(y[3])
	return va - vb
}

func poolSize(p netip.Prefix, bits int) uint64 {
	if bits < p.Bits() {
		return 0
	}
	return uint64(1) << uint(bits-p.Bits())
}

func (r *resolver) poolTooSmall(key, pool, what string, need int) {
	r.d.errorf(r.s.Pools.where(key), "widen pools."+key, "pool %s is too small: %d more %s needed", pool, need, what)
}

// allocateLoopbacks gives every node and compute node a /32 from the
// loopback pool, or from its cloud's loopbacks block, and makes router
// ids follow loopbacks.
func (r *resolver) allocateLoopbacks() {
	pool := r.m.Pools.Loopbacks
	size := poolSize(pool, 32)
	a := newSlotAllocator(size, roleBlocks)
	if size > 2 {
		a.reserve(0) // the network address reads badly as a router id
	}
	for _, n := range r.m.Nodes {
		if n.Loopback.IsValid() && pool.Contains(n.Loopback.Addr()) {
			a.reserve(addrDiff(n.Loopback.Addr(), pool.Addr()))
		}
	}
	blocked := r.cloudLoopbacks(a)
	var computes []*Compute
	for _, c := range r.m.Clouds {
		if blocked[c.Name] {
			continue
		}
		computes = append(computes, c.Computes...)
		if c.Control != nil {
			computes = append(computes, c.Control) // an sdn cloud's (resolve_sdn.go)
		}
	}
	short := 0
	for _, n := range sortedNodes(r.m.Nodes) {
		if !n.Loopback.IsValid() {
			slot, ok := a.take(n.Name, roleBlock(n.Role), nameNumber(n.Name))
			if !ok {
				short++
				continue
			}
			n.Loopback = netip.PrefixFrom(addrAdd(pool.Addr(), slot), 32)
			n.Auto = append(n.Auto, "loopback")
		}
		if !n.RouterID.IsValid() {
			n.RouterID = n.Loopback.Addr()
			n.Auto = append(n.Auto, "router_id")
		}
		if n.RouteReflector && !n.ClusterID.IsValid() {
			n.ClusterID = n.RouterID
			n.Auto = append(n.Auto, "cluster_id")
		}
	}
	sort.Slice(computes, func(i, j int) bool { return computes[i].Name < computes[j].Name })
	for _, c := range computes {
		slot, ok := a.take(c.Name, roleBlock(RoleCompute), -1)
		if !ok {
			short++
			continue
		}
		c.Loopback = netip.PrefixFrom(addrAdd(pool.Addr(), slot), 32)
	}
	if short > 0 {
		r.poolTooSmall("loopbacks", pool.String(), "loopbacks", short)
	}
}

// cloudLoopbacks numbers the clouds with a loopbacks block from it: the
// cloud's node first, then its computes by name, then its control node.
// The block's addresses inside the pool are reserved in a, whether used
// or not, so that no other node lands in it. It returns the clouds done.
func (r *resolver) cloudLoopbacks(a *slotAllocator) map[string]bool {
	pool := r.m.Pools.Loopbacks
	done := map[string]bool{}
	for _, c := range r.m.Clouds {
		cs := r.cloudSpec(c.Name)
		b := cs.Loopbacks
		node := r.nodes[c.Node]
		if !b.IsValid() || node == nil {
			continue
		}
		done[c.Name] = true
		size := poolSize(b, 32)
		if pool.Overlaps(b) {
			if b.Bits() < pool.Bits() {
				r.d.errorf(cs.where("loopbacks"), "give the cloud a block inside the pool or beside it", "cloud %s loopbacks %s holds the whole loopback pool %s", c.Name, b, pool)
				continue
			}
			first := addrDiff(b.Addr(), pool.Addr())
			for s := range size {
				a.reserve(first + s)
			}
		}
		computes := append([]*Compute(nil), c.Computes...)
		sort.Slice(computes, func(i, j int) bool { return computes[i].Name < computes[j].Name })
		if c.Control != nil {
			computes = append(computes, c.Control)
		}
		if need := uint64(1 + len(computes)); need > size {
			r.d.errorf(cs.where("loopbacks"), fmt.Sprintf("a /%d holds them", 32-bitsFor(need)), "cloud %s loopbacks %s holds %d addresses, its node and compute nodes need %d", c.Name, b, size, need)
			continue
		}
		if node.Loopback.IsValid() {
			continue // pinned elsewhere (not by the file: clouds are no nodes:)
		}
		node.Loopback = netip.PrefixFrom(b.Addr(), 32)
		for i, cn := range computes {
			cn.Loopback = netip.PrefixFrom(addrAdd(b.Addr(), uint64(i+1)), 32)
		}
	}
	return done
}

// bitsFor is the number of host bits that hold n addresses.
func bitsFor(n uint64) int {
	b := 0
	for uint64(1)<<b < n {
		b++
	}
	return b
}

// allocateASNs numbers CEs and BGP-speaking clouds from the ASN pool; the
// provider ASN and every pinned ASN are reserved first.
func (r *resolver) allocateASNs() {
	rng := r.m.Pools.ASNs
	size := uint64(rng.Last-rng.First) + 1
	a := newSlotAllocator(size, 2)
	reserve := func(v uint32) {
		if v >= rng.First && v <= rng.Last {
			a.reserve(uint64(v - rng.First))
		}
	}
	reserve(r.m.ProviderASN)
	for _, v := range []uint32{23456, 65535} {
		reserve(v)
	}
	for _, n := range r.m.Nodes {
		if n.ASN != 0 && !n.IsAuto("asn") {
			reserve(n.ASN)
		}
	}
	for _, c := range r.m.Clouds {
		reserve(c.ASN)
	}
	short := 0
	for _, n := range sortedNodes(r.m.Nodes) {
		if n.ASN != 0 || n.Role != RoleCE {
			continue
		}
		slot, ok := a.take(n.Name, 0, nameNumber(n.Name))
		if !ok {
			short++
			continue
		}
		n.ASN = rng.First + uint32(slot)
		n.Auto = append(n.Auto, "asn")
	}
	for _, c := range r.m.Clouds {
		node := r.nodes[c.Node]
		switch {
		case c.ASN != 0:
		case c.Joins(JoinDynamicRouting) || c.Joins(JoinSDN):
			slot, ok := a.take(c.Name, 1, nameNumber(c.Name))
			if !ok {
				short++
				continue
			}
			c.ASN = rng.First + uint32(slot)
			c.Auto = append(c.Auto, "asn")
		case c.ActsAsPE():
			// bagpipe-style PEs speak iBGP inside the provider's AS.
			c.ASN = r.m.ProviderASN
			c.Auto = append(c.Auto, "asn")
		}
		node.ASN = c.ASN
		if contains(c.Auto, "asn") {
			node.Auto = append(node.Auto, "asn")
		}
	}
	if short > 0 {
		r.d.errorf(r.s.Pools.where("asns"), "widen pools.asns, e.g. 4200000000-4294967294", "pool of ASNs %d-%d is too small: %d more needed", rng.First, rng.Last, short)
	}
	for _, n := range r.m.Nodes {
		ns := r.nspec[n.Name]
		if n.Role == RoleCE && n.ASN == r.m.ProviderASN && ns != nil && ns.has("asn") {
			r.d.errorf(ns.where("asn"), "a CE speaks eBGP to its PE and needs an ASN of its own", "ce %s uses the provider's ASN %d", n.Name, n.ASN)
		}
	}
}

// allocateSR gives every SR-mode core router a node SID index in the SRGB.
func (r *resolver) allocateSR() {
	a := newSlotAllocator(SRGBSize, roleBlocks)
	a.reserve(0)
	owner := map[int]string{}
	for _, n := range r.m.Nodes {
		ns := r.nspec[n.Name]
		if ns.SRIndex == nil {
			continue
		}
		if n.LabelMode != LabelSR {
			r.d.warnf(ns.where("sr_index"), "set label_mode: sr to use it", "sr_index on %s is ignored: it uses %s", n.Name, labelModeOr(n.LabelMode))
			continue
		}
		if prev, dup := owner[*ns.SRIndex]; dup {
			r.d.errorf(ns.where("sr_index"), "each node SID must be unique in the SR domain", "sr_index %d of %s is also %s's", *ns.SRIndex, n.Name, prev)
			continue
		}
		owner[*ns.SRIndex] = n.Name
		a.reserve(uint64(*ns.SRIndex))
		n.SRIndex = *ns.SRIndex
	}
	short := 0
	for _, n := range sortedNodes(r.m.Nodes) {
		if n.LabelMode != LabelSR || n.SRIndex >= 0 {
			continue
		}
		slot, ok := a.take(n.Name, roleBlock(n.Role), nameNumber(n.Name))
		if !ok {
			short++
			continue
		}
		n.SRIndex = int(slot)
		n.Auto = append(n.Auto, "sr_index")
	}
	if short > 0 {
		r.d.errorf(Pos{Line: 1, Col: 1}, "use fewer SR nodes or LDP for some", "SRGB %d-%d is too small: %d more node SIDs needed", SRGBBase, SRGBBase+SRGBSize-1, short)
	}
}

func labelModeOr(m LabelMode) string {
	if m == "" {
		return "no labels"
	}
	return string(m)
}

// linkAllocKeys names a link by its ends and its rank among parallel links, so
// that its subnet does not depend on where it is written.
func linkAllocKeys(links []*Link) []string {
	keys := make([]string, len(links))
	count := map[string]int{}
	for i, l := range links {
		a, b := l.A.Node, l.B.Node
		if b < a {
			a, b = b, a
		}
		pair := a + "|" + b
		keys[i] = pair + "#" + strconv.Itoa(count[pair])
		count[pair]++
	}
	return keys
}

// allocateLinks gives every link a /31 (or its pinned subnet) and every
// interface a name and an address.
func (r *resolver) allocateLinks() {
	pool := r.m.Pools.Links
	size := poolSize(pool, 31)
	a := newSlotAllocator(size, 0)
	for i, l := range r.m.Links {
		ls := r.links[i]
		sub := ls.Subnet
		for _, ep := range []endpointSpec{ls.A, ls.B} {
			if ep.Addr.IsValid() && !sub.IsValid() {
				sub = ep.Addr.Masked()
			}
		}
		if !sub.IsValid() {
			continue
		}
		sub = sub.Masked()
		if sub.Bits() > 31 {
			r.d.errorf(ls.where("subnet"), "a point-to-point link needs a /31 or shorter", "link subnet %s holds no two addresses", sub)
			continue
		}
		l.Subnet = sub
		if pool.Contains(sub.Addr()) && sub.Bits() >= pool.Bits() {
			first := addrDiff(sub.Addr(), pool.Addr()) / 2
			for s := uint64(0); s < poolSize(sub, 31); s++ {
				a.reserve(first + s)
			}
		}
	}
	keys := linkAllocKeys(r.m.Links)
	order := make([]int, len(r.m.Links))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return keys[order[i]] < keys[order[j]] })
	short := 0
	for _, i := range order {
		l := r.m.Links[i]
		if l.Subnet.IsValid() {
			continue
		}
		slot, ok := a.take(keys[i], -1, -1)
		if !ok {
			short++
			continue
		}
		l.Subnet = netip.PrefixFrom(addrAdd(pool.Addr(), slot*2), 31)
		l.Auto = append(l.Auto, "subnet")
	}
	if short > 0 {
		r.poolTooSmall("links", pool.String(), "link subnets", short)
	}
	r.assignInterfaces()
}

// assignInterfaces names interfaces (pinned names kept, the rest eth1, eth2,
// ... in link order) and gives each end its address in the link's subnet.
func (r *resolver) assignInterfaces() {
	used := map[string]map[string]int{} // node -> interface name -> link id
	for i, l := range r.m.Links {
		for _, ep := range []*Endpoint{&l.A, &l.B} {
			if ep.Interface == "" {
				continue
			}
			if used[ep.Node] == nil {
				used[ep.Node] = map[string]int{}
			}
			if prev, dup := used[ep.Node][ep.Interface]; dup {
				ls := r.links[i]
				r.d.errorf(ls.pos, fmt.Sprintf("link %s-%s uses it already", r.m.Links[prev].A.Node, r.m.Links[prev].B.Node), "interface %s:%s is used twice", ep.Node, ep.Interface)
				continue
			}
			used[ep.Node][ep.Interface] = i
		}
	}
	next := map[string]int{}
	for i, l := range r.m.Links {
		ls := r.links[i]
		for side, ep := range []*Endpoint{&l.A, &l.B} {
			es := ls.A
			if side == 1 {
				es = ls.B
			}
			var auto []string
			if ep.Interface == "" {
				for {
					next[ep.Node]++
					name := "eth" + strconv.Itoa(next[ep.Node])
					if _, taken := used[ep.Node][name]; !taken {
						ep.Interface = name
						break
					}
				}
				auto = append(auto, "name")
			}
			if l.Subnet.IsValid() {
				if es.Addr.IsValid() {
					ep.Addr = es.Addr.Addr()
					if !l.Subnet.Contains(ep.Addr) {
						r.d.errorf(es.pos, "both ends of a link share its subnet", "address %s of %s is outside link subnet %s", ep.Addr, ep.Node, l.Subnet)
					}
				} else {
					ep.Addr = endAddr(l.Subnet, side)
					auto = append(auto, "addr")
				}
			}
			peer := l.B.Node
			if side == 1 {
				peer = l.A.Node
			}
			n := r.nodes[ep.Node]
			n.Interfaces = append(n.Interfaces, &Interface{Name: ep.Interface, Addr: netip.PrefixFrom(ep.Addr, l.Subnet.Bits()), LinkID: l.ID, Peer: peer, Auto: auto})
		}
		if l.A.Addr.IsValid() && l.A.Addr == l.B.Addr {
			r.d.errorf(ls.pos, "give each end its own address", "both ends of link %s-%s have address %s", l.A.Node, l.B.Node, l.A.Addr)
		}
	}
}

// endAddr is the address of end side (0 or 1) of a link subnet: the two
// addresses of a /31, or the first two hosts of a longer prefix.
func endAddr(sub netip.Prefix, side int) netip.Addr {
	if sub.Bits() == 31 {
		return addrAdd(sub.Addr(), uint64(side))
	}
	return addrAdd(sub.Addr(), uint64(side)+1)
}

// allocateCloudPrefixes gives each cloud the block of addresses it may
// announce ("which networks each cloud may announce" becomes allocation).
func (r *resolver) allocateCloudPrefixes() {
	pool, bits := r.m.Pools.Clouds, r.m.Pools.CloudPrefix
	size := poolSize(pool, bits)
	a := newSlotAllocator(size, 1)
	for _, c := range r.m.Clouds {
		if c.Prefix.IsValid() && pool.Contains(c.Prefix.Addr()) && c.Prefix.Bits() >= pool.Bits() {
			if c.Prefix.Bits() <= bits {
				first := addrDiff(c.Prefix.Addr(), pool.Addr()) >> uint(32-bits)
				for s := uint64(0); s < poolSize(c.Prefix, bits); s++ {
					a.reserve(first + s)
				}
			} else {
				a.reserve(addrDiff(c.Prefix.Addr(), pool.Addr()) >> uint(32-bits))
			}
		}
	}
	short := 0
	for _, c := range r.m.Clouds {
		if c.Prefix.IsValid() {
			continue
		}
		slot, ok := a.take(c.Name, 0, nameNumber(c.Name))
		if !ok {
			short++
			continue
		}
		c.Prefix = netip.PrefixFrom(addrAdd(pool.Addr(), slot<<uint(32-bits)), bits)
		c.Auto = append(c.Auto, "prefix")
	}
	if short > 0 {
		r.d.errorf(r.s.Pools.where("clouds"), "widen pools.clouds or lengthen pools.cloud_prefix_len", "pool %s is too small for one /%d per cloud: %d more needed", pool, bits, short)
	}
}
