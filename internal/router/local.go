package router

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/intercloud/intercloud/internal/packet"
)

// localHandlers is who takes the packets addressed to the router. It is
// replaced, never changed, so that the data path reads it without a lock.
type localHandlers struct {
	udp   map[udpKey]*udpListener
	proto map[uint8]*protoHandler
	icmp  map[icmpKey]func(icmpEvent)
	// labels take what is under a bottom label the LFIB does not switch
	// (label.go): an EVPN label delivering Ethernet frames.
	labels map[uint32]*labelHandler
}

type udpKey struct {
	vrf  int
	port uint16
}

type udpListener struct {
	vrf string
	h   func(UDPDatagram)
}

type protoHandler struct {
	h func(IPPacket)
}

// icmpKey routes ICMP messages to the ping or traceroute that caused them:
// echo replies (and errors quoting an echo request) by identifier, errors
// quoting a UDP probe by its source port.
type icmpKey struct {
	udp bool
	id  uint16
}

// icmpEvent is an ICMP message for a ping or traceroute session.
type icmpEvent struct {
	at   time.Time
	from netip.Addr
	ttl  uint8
	size int // ICMP payload after the header
	msg  packet.ICMP
	seq  uint16 // echo sequence number, of the reply or the quoted request
	port uint16 // destination port of the quoted UDP probe
}

// UDPDatagram is a UDP datagram delivered to a listener.
type UDPDatagram struct {
	VRF      string
	Src, Dst netip.AddrPort
	TTL      uint8
	Payload  []byte // the listener's own copy
}

// IPPacket is an IPv4 packet of another protocol delivered to a handler.
type IPPacket struct {
	VRF     string
	Header  packet.IPv4
	Payload []byte // the handler's own copy
}

// changeLocal replaces the local handlers with a changed copy.
func (r *Router) changeLocal(f func(*localHandlers)) {
	r.localMu.Lock()
	defer r.localMu.Unlock()
	old := r.local.Load()
	n := &localHandlers{udp: maps.Clone(old.udp), proto: maps.Clone(old.proto), icmp: maps.Clone(old.icmp), labels: maps.Clone(old.labels)}
	if n.udp == nil {
		n.udp = make(map[udpKey]*udpListener)
	}
	if n.proto == nil {
		n.proto = make(map[uint8]*protoHandler)
	}
	if n.icmp == nil {
		n.icmp = make(map[icmpKey]func(icmpEvent))
	}
	if n.labels == nil {
		n.labels = make(map[uint32]*labelHandler)
	}
	f(n)
	r.local.Store(n)
}

// ListenUDP delivers the UDP datagrams to port on the router's addresses
// in vrf to h, on the data path's goroutine (h must not block). It returns
// a function that stops listening. Without a listener, datagrams are
// answered with ICMP port unreachable, as traceroute expects.
func (r *Router) ListenUDP(vrf string, port uint16, h func(UDPDatagram)) (stop func(), err error) {
	k := udpKey{r.rib.vrfIndex(vrf), port}
	l := &udpListener{vrf: vrf, h: h}
	r.changeLocal(func(lh *localHandlers) {
		if lh.udp[k] != nil {
			err = fmt.Errorf("router %s: udp port %d in vrf %q already in use", r.name, port, vrf)
			return
		}
		lh.udp[k] = l
	})
	if err != nil {
		return nil, err
	}
	return func() {
		r.changeLocal(func(lh *localHandlers) {
			if lh.udp[k] == l {
				delete(lh.udp, k)
			}
		})
	}, nil
}

// HandleIPProtocol delivers packets of IP protocol proto (other than ICMP
// and UDP) addressed to the router to h, on the data path's goroutine.
// Without a handler they are answered with ICMP protocol unreachable.
func (r *Router) HandleIPProtocol(proto uint8, h func(IPPacket)) (stop func()) {
	ph := &protoHandler{h: h}
	r.changeLocal(func(lh *localHandlers) { lh.proto[proto] = ph })
	return func() {
		r.changeLocal(func(lh *localHandlers) {
			if lh.proto[proto] == ph {
				delete(lh.proto, proto)
			}
		})
	}
}

func (r *Router) handleICMP(k icmpKey, h func(icmpEvent)) (stop func()) {
	r.changeLocal(func(lh *localHandlers) { lh.icmp[k] = h })
	return func() { r.changeLocal(func(lh *localHandlers) { delete(lh.icmp, k) }) }
}

// deliver takes a packet addressed to the router.
func (r *Router) deliver(in *iface, vrf int, f *packet.Frame, ip packet.IPv4) {
	defer f.Release()
	b := f.Bytes()
	if ip.FragOffset != 0 || ip.Flags&packet.IPv4MoreFragments != 0 {
		in.drop(DropNoListener) // no reassembly: nothing here fragments
		return
	}
	payload := b[ip.HeaderLen:ip.Length]
	if r.filteredIn(ip.Src, ip.Dst, ip.Protocol, payload) {
		in.drop(DropFiltered)
		return
	}
	lh := r.local.Load()
	switch ip.Protocol {
	case packet.ProtocolICMP:
		r.deliverICMP(in, vrf, ip, payload, lh)
	case packet.ProtocolUDP:
		u, data, err := packet.ParseUDP(payload)
		if err != nil || !packet.VerifyUDPChecksum(ip.Src, ip.Dst, payload[:u.Length]) {
			in.drop(DropMalformed)
			return
		}
		l := lh.udp[udpKey{vrf, u.DstPort}]
		if l == nil {
			in.drop(DropNoListener)
			r.icmpError(in, vrf, ip.Dst, b, packet.ICMPDestinationUnreachable, packet.ICMPCodePortUnreachable, 0)
			return
		}
		l.h(UDPDatagram{
			VRF:     l.vrf,
			Src:     netip.AddrPortFrom(ip.Src, u.SrcPort),
			Dst:     netip.AddrPortFrom(ip.Dst, u.DstPort),
			TTL:     ip.TTL,
			Payload: slices.Clone(data),
		})
	default:
		ph := lh.proto[ip.Protocol]
		if ph == nil {
			in.drop(DropNoListener)
			r.icmpError(in, vrf, ip.Dst, b, packet.ICMPDestinationUnreachable, packet.ICMPCodeProtocolUnreachable, 0)
			return
		}
		ph.h(IPPacket{VRF: r.vrfName(vrf), Header: ip, Payload: slices.Clone(payload)})
	}
}

func (r *Router) deliverICMP(in *iface, vrf int, ip packet.IPv4, payload []byte, lh *localHandlers) {
	m, err := packet.ParseICMP(payload)
	if err != nil {
		in.drop(DropMalformed)
		return
	}
	ev := icmpEvent{at: r.clk.Now(), from: ip.Src, ttl: ip.TTL, size: len(payload) - packet.ICMPHeaderLen, msg: m}
	var k icmpKey
	switch m.Type {
	case packet.ICMPEchoRequest:
		reply, err := packet.ICMP{Type: packet.ICMPEchoReply, ID: m.ID, Seq: m.Seq, Data: m.Data}.Marshal()
		if err == nil {
			r.originateIP(vrf, ip.Dst, ip.Src, packet.ProtocolICMP, r.originTTL(), reply)
		}
		return
	case packet.ICMPEchoReply:
		k, ev.seq = icmpKey{id: m.ID}, m.Seq
	case packet.ICMPTimeExceeded, packet.ICMPDestinationUnreachable:
		q := m.Data // the quoted packet: IPv4 header and at least 8 bytes
		if len(q) < packet.IPv4HeaderLen || q[0]>>4 != 4 {
			return
		}
		ihl := int(q[0]&0x0f) * 4
		if len(q) < ihl+8 {
			return
		}
		inner := q[ihl:]
		switch q[9] {
		case packet.ProtocolICMP:
			if packet.ICMPType(inner[0]) != packet.ICMPEchoRequest {
				return
			}
			k = icmpKey{id: binary.BigEndian.Uint16(inner[4:6])}
			ev.seq = binary.BigEndian.Uint16(inner[6:8])
		case packet.ProtocolUDP:
			k = icmpKey{udp: true, id: binary.BigEndian.Uint16(inner[0:2])}
			ev.port = binary.BigEndian.Uint16(inner[2:4])
		default:
			return
		}
	default:
		return
	}
	if h := lh.icmp[k]; h != nil {
		h(ev)
	}
}

// originateIP sends payload in an IPv4 packet of its own.
func (r *Router) originateIP(vrf int, src, dst netip.Addr, proto, ttl uint8, payload []byte) error {
	f := r.fabric.pool.Get()
	if err := f.SetBytes(payload); err != nil {
		f.Release()
		return fmt.Errorf("router %s: payload of %d bytes: %w", r.name, len(payload), err)
	}
	return r.originateFrame(vrf, f, src, src, dst, proto, ttl)
}

// originateFrame puts an IPv4 header in front of the frame's data and
// routes it; the frame is consumed either way. from is the own address
// sending it, src unless its sender chose another source.
func (r *Router) originateFrame(vrf int, f *packet.Frame, from, src, dst netip.Addr, proto, ttl uint8) error {
	if r.filteredOut(from, src, dst, proto, f.Bytes()) {
		f.Release() // as a host's firewall drops its own packet
		return nil
	}
	err := packet.PushIPv4(f, packet.IPv4{
		ID:       uint16(r.ipID.Add(1)),
		TTL:      ttl,
		Protocol: proto,
		Src:      src,
		Dst:      dst,
	})
	if err != nil {
		f.Release()
		return fmt.Errorf("router %s: %w", r.name, err)
	}
	r.route(nil, vrf, f, r.fwd.Load(), true)
	return nil
}

// originTTL is the TTL of packets the router sends: 255 on routers as
// Cisco and Juniper send, 64 on hosts as Linux does.
func (r *Router) originTTL() uint8 {
	if r.forward {
		return 255
	}
	return 64
}

// ErrNoRoute means there is no route to a destination.
var ErrNoRoute = errors.New("no route to host")

// source picks the source address for packets to dst in vrf, as Linux
// does: the address of the interface the route leaves by.
func (r *Router) source(vrf int, dst netip.Addr) (netip.Addr, error) {
	e := r.fwd.Load().fib(vrf).lookupAddr(dst)
	switch {
	case e == nil || !e.local && len(e.nhs) == 0:
		return netip.Addr{}, fmt.Errorf("router %s: %v: %w", r.name, dst, ErrNoRoute)
	case e.local:
		return dst, nil
	}
	if ifc := e.nhs[0].ifc; ifc.addr.IsValid() && ifc.vrfIdx == vrf {
		return ifc.addr.Addr(), nil
	}
	// A VRF route that leaves through the core (a VPN route): answers must
	// come back into the VRF, so use an address of the VRF's own, as
	// "ping vrf" on a PE does.
	if vrf != 0 {
		for _, ifc := range r.ifaceList() {
			if ifc.vrfIdx == vrf && ifc.addr.IsValid() {
				return ifc.addr.Addr(), nil
			}
		}
	}
	if a := e.nhs[0].ifc.addr; a.IsValid() {
		return a.Addr(), nil
	}
	if r.loopback.IsValid() {
		return r.loopback.Addr(), nil
	}
	return netip.Addr{}, fmt.Errorf("router %s: no address to send to %v from", r.name, dst)
}

// SendUDP sends a UDP datagram from src (a zero address picks the outgoing
// interface's, a zero port an ephemeral one) to dst, in vrf.
func (r *Router) SendUDP(vrf string, src, dst netip.AddrPort, payload []byte) error {
	return r.sendUDP(vrf, src, dst, r.originTTL(), payload)
}

// SendUDPAs sends a UDP datagram as SendUDP does, on behalf of sender,
// one of the router's own addresses, from a source address that sender
// chose, which need not be its own: a VM on a cloud's node that spoofs
// its source, or sends from a virtual IP it shares (VRRP). The packet
// filter decides whether sender may use src, as a cloud's anti-spoofing
// decides for a VM's port.
func (r *Router) SendUDPAs(sender netip.Addr, vrf string, src, dst netip.AddrPort, payload []byte) error {
	if !src.Addr().IsValid() {
		return fmt.Errorf("router %s: udp as %v: need a source address", r.name, sender)
	}
	if !r.owns(vrf, sender) {
		return fmt.Errorf("router %s: udp as %v: not an address of its own", r.name, sender)
	}
	return r.sendUDPAs(vrf, sender, src, dst, r.originTTL(), payload)
}

// owns reports whether a is one of the router's own addresses in vrf: a
// local host address (AddLocal's /32, a VM's) or an interface's.
func (r *Router) owns(vrf string, a netip.Addr) bool {
	r.rib.mu.Lock()
	_, local := r.rib.locals[vrf][netip.PrefixFrom(a, a.BitLen())]
	r.rib.mu.Unlock()
	if local || a == r.loopback.Addr() && vrf == "" {
		return true
	}
	idx, _ := r.rib.lookupVRF(vrf)
	return slices.ContainsFunc(r.ifaceList(), func(ifc *iface) bool { return ifc.vrfIdx == idx && ifc.addr.Addr() == a })
}

func (r *Router) sendUDP(vrf string, src, dst netip.AddrPort, ttl uint8, payload []byte) error {
	return r.sendUDPAs(vrf, netip.Addr{}, src, dst, ttl, payload)
}

// sendUDPAs sends a datagram on behalf of sender, or of its source
// address when sender is zero.
func (r *Router) sendUDPAs(vrf string, sender netip.Addr, src, dst netip.AddrPort, ttl uint8, payload []byte) error {
	idx, ok := r.rib.lookupVRF(vrf)
	if !ok {
		return fmt.Errorf("router %s: no vrf %q", r.name, vrf)
	}
	if !dst.Addr().Is4() {
		return fmt.Errorf("router %s: udp to %v: need an IPv4 address", r.name, dst)
	}
	a := src.Addr()
	if !a.IsValid() {
		var err error
		if a, err = r.source(idx, dst.Addr()); err != nil {
			return err
		}
	}
	port := src.Port()
	if port == 0 {
		port = 49152 + uint16(r.appID.Add(1)%16384)
	}
	f := r.fabric.pool.Get()
	if err := f.SetBytes(payload); err != nil {
		f.Release()
		return fmt.Errorf("router %s: udp payload of %d bytes: %w", r.name, len(payload), err)
	}
	if err := packet.PushUDP(f, port, dst.Port(), a, dst.Addr(), true); err != nil {
		f.Release()
		return fmt.Errorf("router %s: %w", r.name, err)
	}
	if !sender.IsValid() {
		sender = a
	}
	return r.originateFrame(idx, f, sender, a, dst.Addr(), packet.ProtocolUDP, ttl)
}

func (r *Router) vrfName(idx int) string {
	r.rib.mu.Lock()
	defer r.rib.mu.Unlock()
	if idx < len(r.rib.vrfNames) {
		return r.rib.vrfNames[idx]
	}
	return ""
}
