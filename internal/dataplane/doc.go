// Package dataplane moves frames between routers: point-to-point links with
// the impairments of real ones (latency, jitter, loss, a rate with a bounded
// queue, an MTU, admin up and down) and captures of what crosses them.
//
// A Link has two Ports. A router sends a frame (a *packet.Frame holding an
// Ethernet II frame, see package packet) out of one port and the link hands
// it to the handler of the other port when the clock says it has arrived:
// every delivery is a callback scheduled on the link's clock.Clock, so on a
// virtual clock a 30 ms link costs no wall time and a run is repeatable, and
// no router ever runs inside another router's Send.
//
// Frames are passed by ownership, not copied: Send takes the frame, the
// receiving handler gets it and must release it or pass it on, and a frame
// the link drops is released by the link. With frames from a
// packet.FramePool, a link in steady state allocates nothing.
package dataplane
