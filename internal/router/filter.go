package router

import "net/netip"

// PacketFilter decides on the packets a router delivers to its own
// addresses and on those it originates from them: a cloud's node filters
// its VMs' traffic with their ports' security groups (internal/secgroup).
// Addresses it does not filter it lets pass.
type PacketFilter interface {
	// Inbound is for a packet delivered to dst; false drops it.
	Inbound(src, dst netip.Addr, proto uint8, payload []byte) bool
	// Outbound is for a packet the router sends from src on behalf of
	// from, one of its own addresses (a VM's): src itself unless a sender
	// chose another source (SendUDPAs); false drops it.
	Outbound(from, src, dst netip.Addr, proto uint8, payload []byte) bool
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

// filteredIn reports whether the filter drops a packet to the router's
// own address dst.
func (r *Router) filteredIn(src, dst netip.Addr, proto uint8, payload []byte) bool {
	fb := r.filter.Load()
	return fb != nil && !fb.f.Inbound(src, dst, proto, payload)
}

// filteredOut reports whether the filter drops a packet from src that
// the router's own address from sends.
func (r *Router) filteredOut(from, src, dst netip.Addr, proto uint8, payload []byte) bool {
	fb := r.filter.Load()
	return fb != nil && !fb.f.Outbound(from, src, dst, proto, payload)
}
