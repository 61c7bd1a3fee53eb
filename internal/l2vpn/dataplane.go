package l2vpn

import (
	"hash/fnv"
	"net/netip"

	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/router"
)

// fromPort switches a frame a local VM sent.
func (pe *PE) fromPort(e *evi, from *localPort, frame []byte) {
	e.stats.fromPorts.Add(1)
	eth, payload, err := packet.ParseEthernet(frame)
	if err != nil || eth.Src != from.MAC {
		e.stats.dropped.Add(1) // Neutron's port security: the port's own MAC only
		return
	}
	t := e.table.Load()
	if eth.Type == packet.EtherTypeARP && eth.Dst.IsMulticast() && pe.answerARP(e, t, from, payload) {
		return
	}
	if !eth.Dst.IsMulticast() {
		if lp := t.local[eth.Dst]; lp != nil {
			pe.toPort(e, lp, frame)
			return
		}
		if rm, ok := t.remote[eth.Dst]; ok {
			pe.toPE(e, rm.tunnelEnd, frame)
			return
		}
	}
	// Broadcast, multicast, unknown unicast: every other local port, and
	// once each PE of the flooding list (ingress replication).
	for _, mac := range sortedMACs(t.local) {
		if mac != from.MAC {
			pe.toPort(e, t.local[mac], frame)
		}
	}
	for _, end := range t.flood {
		e.stats.replicas.Add(1)
		pe.toPE(e, end, frame)
	}
}

// answerARP answers an ARP request for an address the EVI has a binding
// for, as the PE (proxy ARP from the EVPN's IP bindings), and reports
// whether it did. Gratuitous ARP and unknown addresses go on as BUM.
func (pe *PE) answerARP(e *evi, t *table, from *localPort, payload []byte) bool {
	req, err := packet.ParseARP(payload)
	if err != nil || req.Op != packet.ARPRequest || req.TargetIP == req.SenderIP {
		return false
	}
	mac, ok := t.ips[req.TargetIP]
	if !ok || mac == from.MAC {
		return false
	}
	e.stats.arpSuppressed.Add(1)
	reply := packet.ARP{Op: packet.ARPReply, SenderMAC: mac, SenderIP: req.TargetIP, TargetMAC: req.SenderMAC, TargetIP: req.SenderIP}
	pe.toPort(e, from, packet.EthernetFrame(packet.Ethernet{Dst: req.SenderMAC, Src: mac, Type: packet.EtherTypeARP}, reply.Append(nil)))
	return true
}

// toPort hands a frame to a local port's VM.
func (pe *PE) toPort(e *evi, lp *localPort, frame []byte) {
	e.stats.toPorts.Add(1)
	lp.guest.receive(frame)
}

// toPE sends a frame to a remote PE in the encapsulation it asked for.
func (pe *PE) toPE(e *evi, end tunnelEnd, frame []byte) {
	src := netip.AddrPortFrom(pe.cfg.Self, flowPort(frame))
	var err error
	switch end.encap {
	case EncapVXLAN:
		err = pe.cfg.Router.SendUDP("", src, netip.AddrPortFrom(end.pe, packet.PortVXLAN), packet.AppendVXLAN(nil, end.label, frame))
	default:
		b := make([]byte, packet.LabelEntryLen, packet.LabelEntryLen+len(frame))
		packet.NewLabelEntry(packet.Label(end.label), 0, true, 255).Put(b)
		err = pe.cfg.Router.SendUDP("", src, netip.AddrPortFrom(end.pe, packet.PortMPLSInUDP), append(b, frame...))
	}
	if err != nil {
		e.stats.dropped.Add(1)
		return
	}
	e.stats.encapsulated.Add(1)
}

// flowPort is the outer UDP source port: a hash of the inner frame's
// addresses in the dynamic range, so that the core spreads flows over
// equal paths (RFC 7348 5, RFC 7510 3).
func flowPort(frame []byte) uint16 {
	h := fnv.New32a()
	h.Write(frame[:min(len(frame), 2*6)])
	return uint16(49152 + h.Sum32()%16384)
}

// fromVXLAN takes a VXLAN datagram to the PE: its VNI names the EVI.
func (pe *PE) fromVXLAN(d router.UDPDatagram) {
	vni, frame, err := packet.ParseVXLAN(d.Payload)
	if err != nil {
		return
	}
	if e := (*pe.byVNI.Load())[vni]; e != nil {
		pe.fromCore(e, frame)
	}
}

// fromCore delivers a frame a remote PE sent: to its port, or to every
// local port when it is BUM, never back into the core (split horizon).
func (pe *PE) fromCore(e *evi, frame []byte) {
	e.stats.decapsulated.Add(1)
	eth, _, err := packet.ParseEthernet(frame)
	if err != nil {
		e.stats.dropped.Add(1)
		return
	}
	t := e.table.Load()
	if !eth.Dst.IsMulticast() {
		if lp := t.local[eth.Dst]; lp != nil {
			pe.toPort(e, lp, frame)
			return
		}
	}
	for _, mac := range sortedMACs(t.local) {
		pe.toPort(e, t.local[mac], frame)
	}
}
