// Package secgroup is a stateful packet filter for a cloud's VM ports,
// as Neutron's security groups filter them: a port's ingress rules say
// which new flows may reach it, its egress rules which it may start, and
// the replies of an allowed flow pass both ways until the flow goes
// idle. Before its rules, a port's own packets pass its anti-spoofing
// check, as Neutron's firewall drivers do: a port may send only from its
// own addresses and its allowed address pairs'. Nothing of a port that
// has no rules is filtered here: ports without port security are simply
// not given to the filter, so nothing checks their sources either.
package secgroup

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Direction is the way a rule filters: into the port or out of it.
type Direction uint8

const (
	Ingress Direction = iota
	Egress
)

func (d Direction) String() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

// Any is a rule's protocol or port bound that matches anything.
const Any = -1

// Rule is one security group rule resolved for the data plane.
type Rule struct {
	ID        string
	Group     string // the group's name or id, for show
	Direction Direction
	Proto     int // IP protocol number, or Any
	// PortMin and PortMax bound the destination port (TCP, UDP, SCTP);
	// for ICMP they are the type and code. Any: unbounded.
	PortMin, PortMax int
	// Remotes are the addresses at the other end: a prefix, a remote
	// group's members, an address group's prefixes. Nil with AnyRemote
	// false matches nothing (an empty remote group).
	Remotes   []netip.Prefix
	AnyRemote bool
}

// Port is a filtered address (a VM's port's IPv4 address) and the rules
// of all its groups.
type Port struct {
	Addr  netip.Addr
	Rules []Rule
	// Sources are the addresses the port may send from besides Addr: its
	// other fixed IPs and its allowed address pairs' (a pair's CIDR as a
	// whole). A VM here has no Ethernet of its own, so a pair's MAC has
	// nothing to be checked against: only its address is.
	Sources []netip.Prefix
}

// Flow is what the filter decides on.
type Flow struct {
	Src, Dst netip.Addr
	Proto    uint8
	// SrcPort and DstPort are TCP/UDP/SCTP ports; for ICMP echo both are
	// the echo identifier, so a reply is the reverse of its request.
	SrcPort, DstPort uint16
	ICMPType         uint8
	ICMPCode         uint8
	// Quoted is the flow of the packet an ICMP error quotes: the error
	// is related to that flow and passes with it, as conntrack's RELATED.
	Quoted *Flow
}

const (
	protoICMP = 1
	protoTCP  = 6
	protoUDP  = 17
	protoSCTP = 132
)

// FlowOf reads a flow from an IPv4 packet's payload; false when the
// payload is too short for its protocol's header.
func FlowOf(src, dst netip.Addr, proto uint8, payload []byte) (Flow, bool) {
	f := Flow{Src: src, Dst: dst, Proto: proto}
	switch proto {
	case protoTCP, protoUDP, protoSCTP:
		if len(payload) < 4 {
			return f, false
		}
		f.SrcPort = binary.BigEndian.Uint16(payload[0:2])
		f.DstPort = binary.BigEndian.Uint16(payload[2:4])
	case protoICMP:
		if len(payload) < 8 {
			return f, false
		}
		f.ICMPType, f.ICMPCode = payload[0], payload[1]
		switch f.ICMPType {
		case 8, 0: // echo request, echo reply
			id := binary.BigEndian.Uint16(payload[4:6])
			f.SrcPort, f.DstPort = id, id
		case 3, 11, 12: // unreachable, time exceeded, parameter problem
			f.Quoted = quoted(payload[8:])
		}
	}
	return f, true
}

// quoted is the flow of the IPv4 header (and 8 bytes) an ICMP error
// quotes, nil when there is none to read. An error quoting an error is
// not followed further.
func quoted(q []byte) *Flow {
	if len(q) < 20 || q[0]>>4 != 4 {
		return nil
	}
	ihl := int(q[0]&0x0f) * 4
	if ihl < 20 || len(q) < ihl+8 {
		return nil
	}
	src, _ := netip.AddrFromSlice(q[12:16])
	dst, _ := netip.AddrFromSlice(q[16:20])
	in, ok := FlowOf(src, dst, q[9], q[ihl:ihl+8])
	if !ok || in.Quoted != nil || in.Proto == protoICMP && in.ICMPType != 8 && in.ICMPType != 0 {
		return nil
	}
	return &in
}

// idle is how long a flow is remembered after its last packet, as
// conntrack's defaults for established flows (shortened for TCP).
func idle(proto uint8) time.Duration {
	if proto == protoTCP {
		return 5 * time.Minute
	}
	return 30 * time.Second
}

// connKey is a flow as one port's connection table knows it: each port
// has its own (a zone, in conntrack's terms), so a flow one port's
// egress allowed does not open another port's ingress.
type connKey struct {
	port     netip.Addr
	src, dst netip.Addr
	proto    uint8
	sp, dp   uint16
}

func keyOf(port netip.Addr, f Flow) connKey {
	return connKey{port, f.Src, f.Dst, f.Proto, f.SrcPort, f.DstPort}
}

func (k connKey) reverse() connKey { return connKey{k.port, k.dst, k.src, k.proto, k.dp, k.sp} }

type conn struct {
	rule    *counted // the rule that let the flow start
	expires time.Time
}

type counted struct {
	Rule
	packets uint64
}

// Filter filters the ports given to Set. Its methods are safe for
// concurrent use.
type Filter struct {
	now func() time.Time

	mu      sync.Mutex
	ports   map[netip.Addr][]*counted
	rules   map[string]*counted // by rule id, kept across Set for its count
	conns   map[connKey]*conn
	dropped map[netip.Addr]uint64
	sources map[netip.Addr][]netip.Prefix // by port, Addr's own /32 first
	spoofed map[netip.Addr]uint64         // by sending port
}

// New returns a filter on the clock now (the lab's).
func New(now func() time.Time) *Filter {
	return &Filter{now: now, ports: map[netip.Addr][]*counted{}, rules: map[string]*counted{},
		conns: map[connKey]*conn{}, dropped: map[netip.Addr]uint64{}, sources: map[netip.Addr][]netip.Prefix{},
		spoofed: map[netip.Addr]uint64{}}
}

// Set makes ports the filtered ones. A rule still present keeps its
// counter; the flows a removed rule allowed are forgotten, as Neutron's
// agents drop the conntrack entries of removed rules.
func (f *Filter) Set(ports []Port) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rules := map[string]*counted{}
	f.ports = map[netip.Addr][]*counted{}
	f.sources = map[netip.Addr][]netip.Prefix{}
	for _, p := range ports {
		src := []netip.Prefix{netip.PrefixFrom(p.Addr, p.Addr.BitLen())}
		for _, s := range p.Sources {
			if !slices.Contains(src, s) {
				src = append(src, s)
			}
		}
		f.sources[p.Addr] = src
		var rs []*counted
		for _, r := range p.Rules {
			c := rules[r.ID]
			if c == nil {
				c = &counted{Rule: r}
				if old := f.rules[r.ID]; old != nil {
					c.packets = old.packets
				}
				rules[r.ID] = c
			}
			rs = append(rs, c)
		}
		f.ports[p.Addr] = rs
	}
	f.rules = rules
	for k, c := range f.conns {
		if n := rules[c.rule.ID]; n != nil {
			c.rule = n
		} else {
			delete(f.conns, k)
		}
	}
}

// Filters reports whether a is a filtered port's address.
func (f *Filter) Filters(a netip.Addr) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.ports[a]
	return ok
}

// InboundFlow decides on a packet for a port: true lets it pass.
func (f *Filter) InboundFlow(fl Flow) bool { return f.decide(fl, Ingress, fl.Dst, fl.Src) }

// OutboundFlow decides on a packet from a port: true lets it pass.
func (f *Filter) OutboundFlow(fl Flow) bool { return f.SendFlow(fl.Src, fl) }

// SendFlow decides on a packet the port at address from sends, whatever
// its source: a source the port may not use is dropped (and counted)
// before its rules are looked at; the others are the port's egress,
// tracked in its table. A sender that is not a filtered port has
// nothing checked but the source's own port's rules, if it is one.
func (f *Filter) SendFlow(from netip.Addr, fl Flow) bool {
	if !f.mayUse(from, fl.Src) {
		return false
	}
	port := fl.Src
	if f.Filters(from) {
		port = from
	}
	return f.decide(fl, Egress, port, fl.Dst)
}

// mayUse is the anti-spoofing check: whether the port at from may send
// from src. An address that is no filtered port's may send from any.
func (f *Filter) mayUse(from, src netip.Addr) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	allowed, filtered := f.sources[from]
	if !filtered || slices.ContainsFunc(allowed, func(p netip.Prefix) bool { return p.Contains(src) }) {
		return true
	}
	f.spoofed[from]++
	return false
}

// Inbound decides on an IPv4 packet delivered to dst (router.PacketFilter).
// A truncated header passes: the router drops it as malformed.
func (f *Filter) Inbound(src, dst netip.Addr, proto uint8, payload []byte) bool {
	fl, ok := FlowOf(src, dst, proto, payload)
	return !ok || f.InboundFlow(fl)
}

// Outbound decides on an IPv4 packet the address from sends from src
// (router.PacketFilter). A truncated header has only its source checked.
func (f *Filter) Outbound(from, src, dst netip.Addr, proto uint8, payload []byte) bool {
	fl, ok := FlowOf(src, dst, proto, payload)
	if !ok {
		return f.mayUse(from, src)
	}
	return f.SendFlow(from, fl)
}

func (f *Filter) decide(fl Flow, dir Direction, port, remote netip.Addr) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	rules, filtered := f.ports[port]
	if !filtered {
		return true
	}
	now := f.now()
	if fl.Quoted != nil {
		// An error about a flow the port's table knows passes, uncounted.
		qk := keyOf(port, *fl.Quoted)
		for _, key := range []connKey{qk, qk.reverse()} {
			if c := f.conns[key]; c != nil && now.Before(c.expires) {
				return true
			}
		}
	}
	k := keyOf(port, fl)
	// A packet of a known flow, either way, passes and keeps it alive.
	for _, key := range []connKey{k, k.reverse()} {
		if c := f.conns[key]; c != nil {
			if now.Before(c.expires) {
				c.expires = now.Add(idle(fl.Proto))
				c.rule.packets++
				return true
			}
			delete(f.conns, key)
		}
	}
	for _, r := range rules {
		if r.Direction == dir && r.matches(fl, remote) {
			r.packets++
			f.conns[k] = &conn{rule: r, expires: now.Add(idle(fl.Proto))}
			return true
		}
	}
	f.dropped[port]++
	return false
}

func (r *Rule) matches(fl Flow, remote netip.Addr) bool {
	if r.Proto != Any && r.Proto != int(fl.Proto) {
		return false
	}
	if !r.AnyRemote && !slices.ContainsFunc(r.Remotes, func(p netip.Prefix) bool { return p.Contains(remote) }) {
		return false
	}
	switch r.Proto {
	case protoTCP, protoUDP, protoSCTP:
		return inRange(int(fl.DstPort), r.PortMin, r.PortMax)
	case protoICMP:
		return (r.PortMin == Any || r.PortMin == int(fl.ICMPType)) && (r.PortMax == Any || r.PortMax == int(fl.ICMPCode))
	}
	return true
}

func inRange(v, lo, hi int) bool {
	return (lo == Any || v >= lo) && (hi == Any || v <= hi)
}

// RuleCount is a rule with the packets it let pass: those of the flows
// it allowed, replies included.
type RuleCount struct {
	Rule
	Packets uint64
}

// Counts lists every port's rules with their counters, by port address
// then in the port's rule order; Dropped is what no rule allowed, by
// port.
func (f *Filter) Counts() (rules map[netip.Addr][]RuleCount, dropped map[netip.Addr]uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rules = map[netip.Addr][]RuleCount{}
	dropped = map[netip.Addr]uint64{}
	for a, rs := range f.ports {
		for _, r := range rs {
			rules[a] = append(rules[a], RuleCount{Rule: r.Rule, Packets: r.packets})
		}
		dropped[a] = f.dropped[a]
	}
	return rules, dropped
}

// Sources lists what each port may send from (its own address first),
// and, by sending port, the packets its anti-spoofing dropped.
func (f *Filter) Sources() (allowed map[netip.Addr][]netip.Prefix, spoofed map[netip.Addr]uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	allowed = map[netip.Addr][]netip.Prefix{}
	spoofed = map[netip.Addr]uint64{}
	for a, ps := range f.sources {
		allowed[a] = slices.Clone(ps)
		spoofed[a] = f.spoofed[a]
	}
	return allowed, spoofed
}
