// Package routertest is a test double for protocol unit tests: fake
// routers that implement router.Env, joined by point-to-point links on a
// virtual clock, each with a small recording RIB.
//
// It is not the router. The real RIB manager, FIB, LFIB and data plane live
// in internal/router and internal/dataplane; this package only does what
// the contract in internal/router/env.go and types.go promises a protocol,
// so that the IGP, LDP and BGP can be tested without them:
//
//   - control messages travel a link after its latency, on the virtual
//     clock, and are dropped while the link is down (a message in flight
//     when the link goes down is lost, as a frame on the wire would be);
//   - taking a link down or up calls the interface-change callbacks of
//     both ends at once (carrier);
//   - every callback into a protocol (message, timer, interface change)
//     runs under the router's control-plane lock, one at a time, and Do
//     runs a show-style read under the same lock;
//   - the RIB keeps each protocol's routes, LSPs and FEC labels, selects
//     the best route per prefix by administrative distance then metric,
//     calls watchers synchronously after releasing its own lock when the
//     selection changes, and hands out labels from 24000.
//
// Each router also holds connected routes for its loopback and the
// subnets of its up interfaces, as a real RIB would, so protocols see the
// usual competition between connected and IGP routes.
package routertest
