package router

import (
	"hash/fnv"
	"net/netip"
	"sync/atomic"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
)

// iface is one interface of a router, bound to a link's port. Its fields
// are fixed at AttachPort except the atomics, which the data path reads
// without locks.
type iface struct {
	r      *Router
	name   string
	addr   netip.Prefix
	port   *dataplane.Port
	vrf    string
	vrfIdx int
	mac    packet.MAC
	peer   string // neighbour node name from the topology, if it names one

	up atomic.Bool
	// peerMAC is the neighbour interface's MAC in the low 48 bits; it is
	// set again when the neighbour attaches after us.
	peerMAC atomic.Uint64
	// downs counts carrier losses: control messages sent before the last
	// one are lost with the link, even if it came back up meanwhile.
	downs atomic.Uint64
	ctl   ctlLine
	drops [numDrops]atomic.Uint64
}

// state returns what protocols see of the interface.
func (i *iface) state() InterfaceState {
	return InterfaceState{Name: i.name, Addr: i.addr, Up: i.up.Load(), Peer: i.peerName(), VRF: i.vrf}
}

// peerName is the neighbour's node name: the topology's, else that of the
// router attached at the far end.
func (i *iface) peerName() string {
	if i.peer != "" {
		return i.peer
	}
	if p := i.r.fabric.owner(i.port.Peer()); p != nil {
		return p.r.name
	}
	return ""
}

// drop counts a frame the router could not forward or deliver.
func (i *iface) drop(d Drop) {
	if i != nil {
		i.drops[d].Add(1)
	}
}

// ethHeader writes the Ethernet header for a frame leaving by i.
func (i *iface) ethHeader(b []byte, t packet.EtherType) {
	_ = b[packet.EthernetHeaderLen-1]
	p := i.peerMAC.Load()
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(p>>40), byte(p>>32), byte(p>>24), byte(p>>16), byte(p>>8), byte(p)
	copy(b[6:12], i.mac[:])
	b[12], b[13] = byte(t>>8), byte(t)
}

// InterfaceMAC returns the MAC address of a router's interface: locally
// administered (02:…), derived from the node and interface names so that it
// is the same in every run and captures stay comparable. Point-to-point
// links need no ARP, so each router writes its neighbour's MAC directly.
func InterfaceMAC(node, ifname string) packet.MAC {
	h := fnv.New64a()
	h.Write([]byte(node))
	h.Write([]byte{0})
	h.Write([]byte(ifname))
	s := h.Sum64()
	return packet.MAC{0x02, byte(s >> 32), byte(s >> 24), byte(s >> 16), byte(s >> 8), byte(s)}
}

func macBits(m packet.MAC) uint64 {
	return uint64(m[0])<<40 | uint64(m[1])<<32 | uint64(m[2])<<24 | uint64(m[3])<<16 | uint64(m[4])<<8 | uint64(m[5])
}

// Drop is why a router discarded a frame; counted per interface.
type Drop int

const (
	DropMalformed    Drop = iota // runt, bad version or lengths
	DropChecksum                 // IPv4 header checksum
	DropEtherType                // neither IPv4 nor MPLS
	DropNoRoute                  // no FIB entry (an ICMP net unreachable was sent)
	DropTTL                      // TTL expired (an ICMP time exceeded was sent)
	DropUnknownLabel             // top label not in the LFIB
	DropNotRouter                // a host got a packet not addressed to it
	DropMTU                      // too big for the outgoing link
	DropNoHeadroom               // no room to push labels
	DropNoListener               // local delivery found nobody (an ICMP unreachable was sent)
	DropFiltered                 // a security group refused it (filter.go)

	numDrops
)

var dropNames = [numDrops]string{
	DropMalformed:    "malformed",
	DropChecksum:     "checksum",
	DropEtherType:    "ethertype",
	DropNoRoute:      "no-route",
	DropTTL:          "ttl-expired",
	DropUnknownLabel: "unknown-label",
	DropNotRouter:    "not-router",
	DropMTU:          "mtu",
	DropNoHeadroom:   "no-headroom",
	DropNoListener:   "no-listener",
	DropFiltered:     "filtered",
}

func (d Drop) String() string {
	if d >= 0 && d < numDrops {
		return dropNames[d]
	}
	return "drop?"
}
