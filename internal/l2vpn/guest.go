package l2vpn

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/router"
)

// Guest is the VM behind a port of an EVI: a NIC with the port's MAC and
// addresses and the little IP stack a ping needs — ARP (RFC 826) with a
// neighbour table, answers to ARP requests and ICMP echo requests, and
// echo requests of its own. It sends real Ethernet frames into the EVI.
// Its subnet is the stretched one: it ARPs for every destination.
type Guest struct {
	mac  packet.MAC
	ips  []netip.Addr
	env  router.Env
	send func([]byte) // into the EVI; never called with mu held

	mu      sync.Mutex
	neigh   map[netip.Addr]packet.MAC
	waiting map[netip.Addr][][]byte // IP packets waiting for an ARP reply
	pings   map[uint16]*GuestPing
	nextID  uint16
}

func newGuest(env router.Env, p Port, send func([]byte)) *Guest {
	return &Guest{mac: p.MAC, ips: slices.Clone(p.IPs), env: env, send: send,
		neigh: map[netip.Addr]packet.MAC{}, waiting: map[netip.Addr][][]byte{}, pings: map[uint16]*GuestPing{}}
}

// MAC is the VM's MAC address.
func (g *Guest) MAC() packet.MAC { return g.mac }

// Neighbour is an entry of the VM's ARP table.
type Neighbour struct {
	IP  netip.Addr `json:"ip"`
	MAC string     `json:"mac"`
}

// Neighbours is the VM's ARP table, by address.
func (g *Guest) Neighbours() []Neighbour {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Neighbour, 0, len(g.neigh))
	for a, m := range g.neigh {
		out = append(out, Neighbour{IP: a, MAC: m.String()})
	}
	slices.SortFunc(out, func(a, b Neighbour) int { return a.IP.Compare(b.IP) })
	return out
}

// receive takes a frame the EVI delivers.
func (g *Guest) receive(frame []byte) {
	eth, payload, err := packet.ParseEthernet(frame)
	if err != nil || eth.Dst != g.mac && !eth.Dst.IsMulticast() {
		return
	}
	switch eth.Type {
	case packet.EtherTypeARP:
		g.receiveARP(payload)
	case packet.EtherTypeIPv4:
		g.receiveIP(payload)
	}
}

func (g *Guest) owns(a netip.Addr) bool { return slices.Contains(g.ips, a) }

func (g *Guest) receiveARP(payload []byte) {
	m, err := packet.ParseARP(payload)
	if err != nil {
		return
	}
	var out [][]byte
	g.mu.Lock()
	_, known := g.neigh[m.SenderIP]
	// RFC 826: update a known sender; learn it when the message is for us.
	if known || g.owns(m.TargetIP) {
		g.neigh[m.SenderIP] = m.SenderMAC
		for _, ip := range g.waiting[m.SenderIP] {
			out = append(out, packet.EthernetFrame(packet.Ethernet{Dst: m.SenderMAC, Src: g.mac, Type: packet.EtherTypeIPv4}, ip))
		}
		delete(g.waiting, m.SenderIP)
	}
	g.mu.Unlock()
	if m.Op == packet.ARPRequest && g.owns(m.TargetIP) {
		reply := packet.ARP{Op: packet.ARPReply, SenderMAC: g.mac, SenderIP: m.TargetIP, TargetMAC: m.SenderMAC, TargetIP: m.SenderIP}
		g.send(packet.EthernetFrame(packet.Ethernet{Dst: m.SenderMAC, Src: g.mac, Type: packet.EtherTypeARP}, reply.Append(nil)))
	}
	for _, f := range out {
		g.send(f)
	}
}

func (g *Guest) receiveIP(payload []byte) {
	ip, body, err := packet.ParseIPv4(payload)
	if err != nil || !g.owns(ip.Dst) || ip.Protocol != packet.ProtocolICMP {
		return
	}
	m, err := packet.ParseICMP(body)
	if err != nil {
		return
	}
	switch m.Type {
	case packet.ICMPEchoRequest:
		reply, err := packet.ICMP{Type: packet.ICMPEchoReply, ID: m.ID, Seq: m.Seq, Data: m.Data}.Marshal()
		if err == nil {
			g.sendIP(ip.Dst, ip.Src, reply)
		}
	case packet.ICMPEchoReply:
		g.mu.Lock()
		p := g.pings[m.ID]
		g.mu.Unlock()
		if p != nil {
			p.replied(m.Seq, ip.Src, g.env.Now())
		}
	}
}

// sendIP sends an ICMP message from src to dst, ARPing for dst first
// when its MAC is not known (the packet waits, as a kernel's does).
func (g *Guest) sendIP(src, dst netip.Addr, icmp []byte) {
	b, err := packet.BuildIPv4(packet.IPv4{TTL: 64, Protocol: packet.ProtocolICMP, Src: src, Dst: dst}, icmp)
	if err != nil {
		return
	}
	g.mu.Lock()
	mac, ok := g.neigh[dst]
	ask := false
	if !ok {
		ask = len(g.waiting[dst]) == 0
		if len(g.waiting[dst]) < 3 { // Linux's unres_qlen is small too
			g.waiting[dst] = append(g.waiting[dst], b)
		}
	}
	g.mu.Unlock()
	switch {
	case ok:
		g.send(packet.EthernetFrame(packet.Ethernet{Dst: mac, Src: g.mac, Type: packet.EtherTypeIPv4}, b))
	case ask:
		req := packet.ARP{Op: packet.ARPRequest, SenderMAC: g.mac, SenderIP: src, TargetIP: dst}
		g.send(packet.EthernetFrame(packet.Ethernet{Dst: packet.BroadcastMAC, Src: g.mac, Type: packet.EtherTypeARP}, req.Append(nil)))
		// An unanswered request frees its queue after a second, so the
		// next packet asks again.
		g.env.AfterFunc(time.Second, func() {
			g.mu.Lock()
			if _, known := g.neigh[dst]; !known {
				delete(g.waiting, dst)
			}
			g.mu.Unlock()
		})
	}
}

// GuestPing is a ping from a VM: echo requests at an interval, on the
// router's clock; it ends with the last reply, or a second after the
// last request.
type GuestPing struct {
	g        *Guest
	id       uint16
	dst      netip.Addr
	count    int
	mu       sync.Mutex
	sent     map[uint16]time.Time
	rtts     []time.Duration
	from     netip.Addr
	finished bool
	done     chan struct{}
}

// PingResult is what a VM's ping saw.
type PingResult struct {
	Sent, Received int
	RTTs           []time.Duration
}

func (r PingResult) String() string {
	return fmt.Sprintf("%d sent, %d received, rtts %v", r.Sent, r.Received, r.RTTs)
}

// StartPing sends count echo requests to dst from the VM's first address.
func (g *Guest) StartPing(dst netip.Addr, count int, interval time.Duration) (*GuestPing, error) {
	if len(g.ips) == 0 {
		return nil, fmt.Errorf("vm %v has no address", g.mac)
	}
	if count < 1 {
		count = 1
	}
	g.mu.Lock()
	g.nextID++
	p := &GuestPing{g: g, id: g.nextID, dst: dst, count: count, sent: map[uint16]time.Time{}, done: make(chan struct{})}
	g.pings[p.id] = p
	g.mu.Unlock()
	src := g.ips[0]
	var send func(seq uint16)
	send = func(seq uint16) {
		body, err := packet.ICMP{Type: packet.ICMPEchoRequest, ID: p.id, Seq: seq, Data: []byte("intercloud evpn ping")}.Marshal()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.sent[seq] = g.env.Now()
		p.mu.Unlock()
		g.sendIP(src, dst, body)
		if int(seq) < count {
			g.env.AfterFunc(interval, func() { send(seq + 1) })
		} else {
			g.env.AfterFunc(time.Second, p.finish)
		}
	}
	g.env.AfterFunc(0, func() { send(1) })
	return p, nil
}

// replied records an echo reply; the last one ends the ping, as ping(8)
// exits on its last reply.
func (p *GuestPing) replied(seq uint16, from netip.Addr, now time.Time) {
	p.mu.Lock()
	at, ok := p.sent[seq]
	if !ok || p.finished || from != p.dst {
		p.mu.Unlock()
		return
	}
	delete(p.sent, seq)
	p.rtts = append(p.rtts, now.Sub(at))
	p.from = from
	last := len(p.rtts) == p.count
	p.mu.Unlock()
	if last {
		p.finish()
	}
}

func (p *GuestPing) finish() {
	p.mu.Lock()
	if !p.finished {
		p.finished = true
		close(p.done)
	}
	p.mu.Unlock()
	p.g.mu.Lock()
	delete(p.g.pings, p.id)
	p.g.mu.Unlock()
}

// Done is closed when the ping is over.
func (p *GuestPing) Done() <-chan struct{} { return p.done }

// Result is what the ping saw so far.
func (p *GuestPing) Result() PingResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PingResult{Sent: len(p.sent) + len(p.rtts), Received: len(p.rtts), RTTs: slices.Clone(p.rtts)}
}
