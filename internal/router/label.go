package router

import (
	"slices"

	"github.com/intercloud/intercloud/internal/packet"
)

// A label the router hands to a service of its own rather than to the
// LFIB: an EVPN instance's label (RFC 7432), under which Ethernet frames
// travel, not IP. Such a label is the bottom of its stack; what is under
// it goes to the handler as it came. The LFIB has the first say, so a
// handler never shadows a switched label.

type labelHandler struct {
	h func(LabelledPayload)
}

// LabelledPayload is what came under a handled label.
type LabelledPayload struct {
	Label   uint32
	Payload []byte // the handler's own copy
}

// HandleLabel delivers what arrives under label (bottom of stack, on a
// labelled link or out of an MPLS-in-UDP/GRE tunnel) to h, on the data
// path's goroutine (h must not block). It returns a function that stops.
func (r *Router) HandleLabel(label uint32, h func(LabelledPayload)) (stop func()) {
	lh := &labelHandler{h: h}
	r.changeLocal(func(l *localHandlers) { l.labels[label] = lh })
	return func() {
		r.changeLocal(func(l *localHandlers) {
			if l.labels[label] == lh {
				delete(l.labels, label)
			}
		})
	}
}

// deliverLabelled hands f, whose data starts with top, to top's handler
// and reports whether there was one.
func (r *Router) deliverLabelled(top packet.LabelEntry, f *packet.Frame) bool {
	lh := r.local.Load().labels[uint32(top.Label())]
	if lh == nil || !top.Bottom() {
		return false
	}
	payload := slices.Clone(f.Bytes()[packet.LabelEntryLen:])
	f.Release()
	lh.h(LabelledPayload{Label: uint32(top.Label()), Payload: payload})
	return true
}
