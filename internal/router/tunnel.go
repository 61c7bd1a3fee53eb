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
// TTLs follow the router's TTLMode (RFC 4023 section 5): in uniform mode
// the outer IPv4 TTL is the pushed labels' TTL and the decapsulating end
// takes the lower of the two back into the top label; in pipe mode the
// outer TTL is 255 and the labels keep theirs.

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

// tunnelOverhead is the most an encapsulation adds in front of the
// labels: IPv4 and UDP (GRE's four octets are less).
const tunnelOverhead = packet.IPv4HeaderLen + packet.UDPHeaderLen

// encapsulate sends the IPv4 packet at f (its TTL already decremented to
// ttl) into nh's tunnel: labels, then the tunnel's headers, then routing
// by the default table.
func (r *Router) encapsulate(nh *fwdNexthop, f *packet.Frame, st *fwdState, ttl uint8) {
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
	for i := len(nh.labels) - 1; i >= 0; i-- {
		_ = packet.PushLabel(f, nh.labels[i].WithTTL(lttl).WithBottom(i == len(nh.labels)-1))
	}
	// Headroom was checked: these cannot fail.
	switch t.encap {
	case EncapMPLSInGRE:
		_ = packet.EncapMPLSInGRE(f, packet.MPLSInGRE{Src: t.src, Dst: t.dst, TTL: lttl})
		r.tunnels.encapGRE.Add(1)
	default:
		_ = packet.EncapMPLSInUDP(f, packet.MPLSInUDP{Src: t.src, Dst: t.dst, SrcPort: packet.EntropyPort(hash), TTL: lttl})
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
	if f.Bytes()[9] == packet.ProtocolGRE {
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
	b := f.Bytes()
	if err != nil || len(b) < packet.LabelEntryLen {
		in.drop(DropMalformed)
		f.Release()
		return
	}
	if !r.pipe.Load() {
		// Uniform: hops the outer packet took count against the labels.
		if top := packet.LabelEntry(binary.BigEndian.Uint32(b)); outer.TTL < top.TTL() {
			binary.BigEndian.PutUint32(b, uint32(top.WithTTL(outer.TTL)))
		}
	}
	r.switchMPLS(in, f, st)
}

func sameTunnel(a, b *tunnelHop) bool {
	return a == b || a != nil && b != nil && *a == *b
}

// tunnelNexthop resolves a nexthop with a Tunnel through table (the
// default VRF's selection). use is false when the nexthop should resolve
// as a plain recursive one instead: UnlessLSP and the endpoint is on an
// LSP. ok is false when the endpoint does not resolve.
func (m *ribManager) tunnelNexthop(nh Nexthop, table map[netip.Prefix]*candidate, fec map[fecKey]uint32) (rn ribNexthop, use, ok bool) {
	res := lpm(table, nh.Addr, netip.Prefix{})
	if res == nil || res.local || !res.active() {
		return ribNexthop{}, true, false
	}
	src := nh.Tunnel.Src
	for _, x := range res.nhs {
		if x.tunnel != nil {
			return ribNexthop{}, true, false // no tunnel inside a tunnel
		}
		if _, lsp := fec[fecKey{res.route.Prefix, x.gw}]; nh.Tunnel.UnlessLSP && x.gw.IsValid() && lsp {
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
	return ribNexthop{gw: nh.Addr, via: nh.Addr, own: nh.Labels, labels: nh.Labels,
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
