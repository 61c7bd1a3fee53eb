package router

import (
	"encoding/binary"
	"net/netip"

	"github.com/intercloud/intercloud/internal/packet"
)

// Guest addresses are own addresses of the router that stand for hosts
// one routed hop behind it: the VMs on a compute node, which routes to
// them as a vRouter or a distributed virtual router does. A packet that
// arrives for one is delivered as if forwarded once more: its TTL is
// decremented first, and a packet whose TTL runs out gets an ICMP time
// exceeded from the router, so traceroute shows the compute before the
// VM. The set is read by the data path from one atomic pointer, nil while
// the router has no guests.

type guestSet map[uint32]bool

// SetGuests makes addrs (IPv4, own addresses given by AddLocal) the
// router's guest addresses, replacing the previous set; none clears it.
func (r *Router) SetGuests(addrs []netip.Addr) {
	if len(addrs) == 0 {
		r.guests.Store(nil)
		return
	}
	g := guestSet{}
	for _, a := range addrs {
		if a.Is4() {
			g[addrU32(a)] = true
		}
	}
	r.guests.Store(&g)
}

// guestHop passes a packet that arrived for a guest address through the
// hop to the guest: false when its TTL ran out (it is answered with a
// time exceeded and must not be delivered).
func (r *Router) guestHop(in *iface, vrf int, b []byte) bool {
	g := r.guests.Load()
	if g == nil || !(*g)[binary.BigEndian.Uint32(b[16:20])] {
		return true
	}
	if _, err := packet.DecrementTTL(b); err != nil {
		in.drop(DropTTL)
		r.icmpError(in, vrf, netip.Addr{}, b, packet.ICMPTimeExceeded, packet.ICMPCodeTTLExceeded, 0)
		return false
	}
	return true
}
