package router

import "net/netip"

// PacketFilter decides on the packets a router delivers to its own
// addresses and on those it originates from them: a cloud's node filters
// its VMs' traffic with their ports' security groups (internal/secgroup).
// Addresses it does not filter it lets pass.
type PacketFilter interface {
	// Inbound is for a packet delivered to dst; false drops it.
	Inbound(src, dst netip.Addr, proto uint8, payload []byte) bool
	// Outbound is for a packet the router sends from src; false drops it.
	Outbound(src, dst netip.Addr, proto uint8, payload []byte) bool
}

// filterBox holds the filter in an atomic.Pointer: an interface is two
// words.
type filterBox struct{ f PacketFilter }

// SetFilter makes f the router's packet filter; nil removes it.
func (r *Router) SetFilter(f PacketFilter) {
	if f == nil {
		r.filter.Store(nil)
		return
	}
	r.filter.Store(&filterBox{f})
}

// filtered reports whether the filter drops a packet to (in) or from
// (out) the router's own address.
func (r *Router) filtered(in bool, src, dst netip.Addr, proto uint8, payload []byte) bool {
	fb := r.filter.Load()
	if fb == nil {
		return false
	}
	if in {
		return !fb.f.Inbound(src, dst, proto, payload)
	}
	return !fb.f.Outbound(src, dst, proto, payload)
}
