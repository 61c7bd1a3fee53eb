package router

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"sync/atomic"

	"github.com/intercloud/intercloud/internal/packet"
)

// IP tunnels for labelled packets: MPLS-in-UDP (RFC 7510) and MPLS-in-GRE
// (RFC 4023). A VPN route whose egress is not on any LSP of the router (a
// cloud's compute node acting as PE, reached across plain IP) gets a
// nexthop with a Tunnel: the router pushes the route's labels (the VPN
// label), wraps them in UDP or GRE and an IPv4 header from its loopback
// to the tunnel's endpoint, and routes that outer packet by its default
// table, which may itself push an LDP or SR label towards the endpoint.
// Any router receiving such a packet addressed to one of its own
// addresses takes the headers off and switches the label stack through
// its LFIB, where a VPN label pops into its VRF.
//
// TTLs: the labels get theirs by the router's TTLMode, as on an LSP; the
// outer IPv4 header gets 255 (RFC 4023 section 5's pipe model for the
// tunnel, the usual default of tunnel interfaces), so the underlay is one
// hop to the tenant. A packet whose TTL runs out at the tunnel's egress
// gets a time exceeded that quotes the label stack it came with (RFC
// 4950) and names the tunnel as its incoming interface (RFC 5837), which
// trace prints under the hop.

// Encap is the kind of IP tunnel.
type Encap uint8

const (
	EncapMPLSInUDP Encap = iota + 1 // RFC 7510: UDP to port 6635
	EncapMPLSInGRE                  // RFC 4023: GRE protocol 0x8847
)

func (e Encap) String() string {
	switch e {
	case EncapMPLSInUDP:
		return "mpls-in-udp"
	case EncapMPLSInGRE:
		return "mpls-in-gre"
	}
	return fmt.Sprintf("encap(%d)", uint8(e))
}

// MarshalJSON writes the name.
func (e Encap) MarshalJSON() ([]byte, error) { return json.Marshal(e.String()) }

// UnmarshalJSON reads the name.
func (e *Encap) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, c := range []Encap{EncapMPLSInUDP, EncapMPLSInGRE} {
		if c.String() == s {
			*e = c
			return nil
		}
	}
	return fmt.Errorf("unknown encapsulation %q (mpls-in-udp, mpls-in-gre)", s)
}

// Tunnel, on a Nexthop, makes the nexthop's Addr the far end of an IP
// tunnel: packets leaving by it get the nexthop's Labels pushed, then
// Encap's headers to Addr, and the outer packet is routed by the default
// table. The route is active while Addr resolves there (not through
// another tunnel).
type Tunnel struct {
	Encap Encap `json:"encap"`
	// Src is the outer source address; unset, the router's loopback (or,
	// without one, the address of the interface towards Addr).
	Src netip.Addr `json:"src,omitzero"`
	// UnlessLSP: when the default table's route to Addr carries a
	// transport label (LDP or SR), the nexthop is an ordinary recursive
	// one over that LSP and no tunnel is used. An egress that offers a
	// tunnel is still reached by MPLS where the core has an LSP to it.
	UnlessLSP bool `json:"unless_lsp,omitempty"`
}

// tunnelHop is a resolved tunnel, as the FIB holds it.
type tunnelHop struct {
	encap    Encap
	src, dst netip.Addr
}

func (t *tunnelHop) String() string {
	return fmt.Sprintf("%v %v > %v", t.encap, t.src, t.dst)
}

// TunnelCounters count the packets a router put into and took out of IP
// tunnels, by encapsulation.
type TunnelCounters struct {
	EncapUDP   uint64 `json:"encap_mpls_in_udp"`
	EncapGRE   uint64 `json:"encap_mpls_in_gre"`
	DecapUDP   uint64 `json:"decap_mpls_in_udp"`
	DecapGRE   uint64 `json:"decap_mpls_in_gre"`
	EncapDrops uint64 `json:"encap_drops"` // no headroom for the headers
}

type tunnelCounters struct {
	encapUDP, encapGRE, decapUDP, decapGRE, encapDrops atomic.Uint64
}

// TunnelCounters returns the router's tunnel counters.
func (r *Router) TunnelCounters() TunnelCounters {
	c := &r.tunnels
	return TunnelCounters{EncapUDP: c.encapUDP.Load(), EncapGRE: c.encapGRE.Load(),
		DecapUDP: c.decapUDP.Load(), DecapGRE: c.decapGRE.Load(), EncapDrops: c.encapDrops.Load()}
}

// tunnelTTL is the outer header's TTL.
const tunnelTTL = 255

// tunnelOverhead is the most an encapsulation adds in front of the
// labels: IPv4 and UDP (GRE's four octets are less).
const tunnelOverhead = packet.IPv4HeaderLen + packet.UDPHeaderLen

// encapsulate sends the IPv4 packet at f (its TTL already decremented to
// ttl) into nh's tunnel: labels, then the tunnel's headers, then routing
// by the default table.
func (r *Router) encapsulate(nh *ribNexthop, f *packet.Frame, st *fwdState, ttl uint8) {
	t := nh.tunnel
	hash := flowHash(f.Bytes(), r.seed)
	if f.Headroom() < packet.LabelEntryLen*len(nh.labels)+tunnelOverhead+packet.EthernetHeaderLen {
		r.tunnels.encapDrops.Add(1)
		f.Release()
		return
	}
	lttl := ttl
	if r.pipe.Load() {
		lttl = 255
	}
	pushLabels(f, nh.labels, lttl)
	// Headroom was checked: these cannot fail.
	switch t.encap {
	case EncapMPLSInGRE:
		_ = packet.EncapMPLSInGRE(f, packet.MPLSInGRE{Src: t.src, Dst: t.dst, TTL: tunnelTTL})
		r.tunnels.encapGRE.Add(1)
	default:
		_ = packet.EncapMPLSInUDP(f, packet.MPLSInUDP{Src: t.src, Dst: t.dst, SrcPort: packet.EntropyPort(hash), TTL: tunnelTTL})
		r.tunnels.encapUDP.Add(1)
	}
	r.route(nil, 0, f, st, true)
}

// tunnelled reports whether the IPv4 packet at b, addressed to the
// router, is MPLS-in-UDP or MPLS-in-GRE for it to take apart.
func tunnelled(b []byte) bool {
	ihl := int(b[0]&0x0f) * 4
	switch b[9] {
	case packet.ProtocolUDP:
		return len(b) >= ihl+packet.UDPHeaderLen && binary.BigEndian.Uint16(b[ihl+2:]) == packet.PortMPLSInUDP
	case packet.ProtocolGRE:
		return len(b) >= ihl+packet.GREHeaderLen && packet.EtherType(binary.BigEndian.Uint16(b[ihl+2:])) == packet.EtherTypeMPLS
	}
	return false
}

// decapsulate takes the IPv4 and UDP or GRE headers off a tunnelled
// packet addressed to the router and switches the label stack under them
// as if it had come on a labelled link: a VPN label pops into its VRF.
func (r *Router) decapsulate(in *iface, f *packet.Frame, st *fwdState) {
	var outer packet.IPv4
	var err error
	t := tunnelHop{encap: EncapMPLSInUDP}
	if f.Bytes()[9] == packet.ProtocolGRE {
		t.encap = EncapMPLSInGRE
		outer, _, err = packet.DecapMPLSInGRE(f)
		if err == nil {
			r.tunnels.decapGRE.Add(1)
		}
	} else {
		outer, _, err = packet.DecapMPLSInUDP(f)
		if err == nil {
			r.tunnels.decapUDP.Add(1)
		}
	}
	if err != nil || f.Len() < packet.LabelEntryLen {
		in.drop(DropMalformed)
		f.Release()
		return
	}
	t.src, t.dst = outer.Src, outer.Dst
	if r.tunnelExpired(in, f, st, &t) {
		return
	}
	if top := packet.LabelEntry(binary.BigEndian.Uint32(f.Bytes())); top.TTL() <= 1 {
		// A label switched on (a gateway's swap) expires here: the time
		// exceeded goes on along the LSP, naming the tunnel.
		if e := st.lfib.lookup(uint32(top.Label())); e != nil && len(e.hops) > 0 && e.hops[0].op != opPopLookup {
			r.mplsExpiredFrom(in, f, st, &t)
			return
		}
	}
	r.switchMPLS(in, f, st)
}

// tunnelExpired answers a decapsulated packet whose VPN label pops into a
// VRF where its TTL runs out, as route would, but with the label stack it
// came with (RFC 4950) and the tunnel named as its incoming interface
// (RFC 5837), so that trace shows the tunnel hop. It reports whether it
// took the frame.
func (r *Router) tunnelExpired(in *iface, f *packet.Frame, st *fwdState, t *tunnelHop) bool {
	b := f.Bytes()
	top := packet.LabelEntry(binary.BigEndian.Uint32(b))
	ipb := b[packet.LabelEntryLen:]
	if !top.Bottom() || len(ipb) < packet.IPv4HeaderLen || ipb[0]>>4 != 4 {
		return false
	}
	e := st.lfib.lookup(uint32(top.Label()))
	if e == nil || len(e.hops) != 1 || e.hops[0].op != opPopLookup {
		return false
	}
	ttl := ipb[8]
	if !r.pipe.Load() && top.TTL() < ttl {
		ttl = top.TTL() // uniform: the label's TTL comes down on the pop
	}
	if ttl > 1 {
		return false
	}
	defer f.Release()
	in.drop(DropTTL)
	ip, _, err := packet.ParseIPv4(ipb)
	src := r.icmpSource(in)
	if err != nil || !quotable(ipb[:ip.Length]) || !src.IsValid() {
		return true
	}
	body, err := packet.ICMP{Type: packet.ICMPTimeExceeded, Code: packet.ICMPCodeTTLExceeded, Data: ipb[:ip.Length],
		Labels:    []packet.LabelEntry{top},
		Interface: &packet.ICMPInterface{Index: r.ifIndex(in), Name: t.String(), Addr: t.dst}}.Marshal()
	if err == nil {
		_ = r.originateIP(e.hops[0].vrf, src, ip.Src, packet.ProtocolICMP, r.originTTL(), body)
	}
	return true
}

// ifIndex numbers the router's interfaces from 1 in the order they were
// attached, as RFC 5837 objects need an ifIndex to carry a name.
func (r *Router) ifIndex(in *iface) int {
	for i, ifc := range r.ifaceList() {
		if ifc == in {
			return i + 1
		}
	}
	return 1
}

func sameTunnel(a, b *tunnelHop) bool {
	return a == b || a != nil && b != nil && *a == *b
}

// tunnelNexthop resolves a nexthop with a Tunnel through table (the
// default VRF's selection). use is false when the nexthop should resolve
// as a plain recursive one instead: UnlessLSP and the endpoint is on an
// LSP. ok is false when the endpoint does not resolve.
func (m *ribManager) tunnelNexthop(nh Nexthop, table sel, fec map[fecKey]uint32) (rn ribNexthop, use, ok bool) {
	res := lpm(table, nh.Addr, netip.Prefix{})
	if res == nil || res.local || !res.active() {
		return ribNexthop{}, true, false
	}
	src := nh.Tunnel.Src
	for _, x := range res.nhs {
		if x.tunnel != nil {
			return ribNexthop{}, true, false // no tunnel inside a tunnel
		}
		if _, lsp := fec[newFECKey(res.route.Prefix, x.gw)]; nh.Tunnel.UnlessLSP && x.gw.IsValid() && lsp {
			return ribNexthop{}, false, true
		}
		if !src.IsValid() && x.ifc != nil && x.ifc.addr.IsValid() && x.ifc.vrfIdx == 0 {
			src = x.ifc.addr.Addr()
		}
	}
	if lo := m.r.loopback; !nh.Tunnel.Src.IsValid() && lo.IsValid() {
		src = lo.Addr()
	}
	if !src.IsValid() {
		return ribNexthop{}, true, false
	}
	return ribNexthop{gw: nh.Addr, via: nh.Addr, labels: nh.Labels, nOwn: uint8(len(nh.Labels)),
		tunnel: &tunnelHop{encap: nh.Tunnel.Encap, src: src, dst: nh.Addr}}, true, true
}

// public is the tunnel as Best shows it on the route's nexthop.
func (t *tunnelHop) public() *Tunnel { return &Tunnel{Encap: t.encap, Src: t.src} }

// row completes a show row of nexthop nh: its interface, or its tunnel.
func (nh ribNexthop) row(r RouteNexthop) RouteNexthop {
	switch {
	case nh.tunnel != nil:
		r.Iface, r.Tunnel = "", nh.tunnel.String()
	case nh.ifc != nil:
		r.Iface = nh.ifc.name
	case r.Iface == "":
		r.Iface = loopbackName
	}
	return r
}

// String renders the counters as `show NODE tunnels` prints them.
func (c TunnelCounters) String() string {
	return fmt.Sprintf("%-12s %12s %12s\n%-12s %12d %12d\n%-12s %12d %12d\nencapsulations dropped (no headroom): %d\n",
		"tunnel", "encapsulated", "decapsulated",
		EncapMPLSInUDP, c.EncapUDP, c.DecapUDP,
		EncapMPLSInGRE, c.EncapGRE, c.DecapGRE, c.EncapDrops)
}
