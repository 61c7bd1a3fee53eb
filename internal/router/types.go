// Package router is one emulated router: its interfaces, its RIB manager
// (routes from every protocol, chosen by administrative distance, as FRR's
// zebra does), and the FIB and LFIB the data plane reads. Protocols feed
// the RIB manager; no protocol writes forwarding state directly.
package router

import (
	"net/netip"
)

// Protocol is where a route or label binding comes from.
type Protocol uint8

const (
	ProtoConnected Protocol = iota
	ProtoLocal              // the router's own addresses (/32 host routes), as FRR shows "L"
	ProtoStatic
	ProtoOSPF
	ProtoLDP
	ProtoSR
	ProtoEBGP
	ProtoIBGP
)

// Distance is the administrative distance FRR gives each protocol.
func (p Protocol) Distance() uint8 {
	switch p {
	case ProtoConnected, ProtoLocal:
		return 0
	case ProtoStatic:
		return 1
	case ProtoEBGP:
		return 20
	case ProtoOSPF:
		return 110
	case ProtoIBGP:
		return 200
	}
	return 255
}

// Code is the one-letter code FRR's "show ip route" uses.
func (p Protocol) Code() string {
	switch p {
	case ProtoConnected:
		return "C"
	case ProtoLocal:
		return "L"
	case ProtoStatic:
		return "S"
	case ProtoOSPF:
		return "O"
	case ProtoEBGP, ProtoIBGP:
		return "B"
	case ProtoLDP:
		return "LDP"
	case ProtoSR:
		return "SR"
	}
	return "?"
}

func (p Protocol) String() string {
	return [...]string{"connected", "local", "static", "ospf", "ldp", "sr", "ebgp", "ibgp"}[p]
}

// Reserved MPLS labels (RFC 3032, RFC 7274).
const (
	LabelIPv4ExplicitNull uint32 = 0
	LabelImplicitNull     uint32 = 3
	// LabelDynamicFirst is the first label LDP and other protocols allocate
	// dynamically; 16000-23999 is the SRGB, so dynamic labels start above it
	// (as IOS XR does).
	LabelDynamicFirst uint32 = 24000
	LabelMax          uint32 = 1<<20 - 1
)

// Nexthop is one way to a destination. Labels, outermost first, are pushed
// when a packet leaves by this nexthop (an ingress LSP or a VPN route).
type Nexthop struct {
	Addr   netip.Addr `json:"addr,omitzero"` // the neighbour's address; zero for a connected route
	Iface  string     `json:"iface"`
	Labels []uint32   `json:"labels,omitempty"`
	// Backup is the repair path (fast reroute) computed beside this one:
	// traffic takes it the moment Iface loses carrier, before the protocol
	// has recomputed. Its Labels are its own; it has no Backup itself.
	Backup *Nexthop `json:"backup,omitempty"`
	// Remote is a remote LFA's PQ node (RFC 7490), on a backup, or on the
	// backup the RIB shows standing in for its dead primary: the nexthop
	// tunnels to it and it forwards to the destination. The label protocol
	// gives the labels (FECLabel.Push); without them the nexthop carries
	// nothing, and a label protocol must never treat it as a plain one.
	Remote netip.Addr `json:"remote,omitzero"`
	// Tunnel makes Addr the far end of an IP tunnel (MPLS-in-UDP or
	// MPLS-in-GRE, tunnel.go): Labels are pushed, then the tunnel's
	// headers, and the outer packet is routed by the default table.
	Tunnel *Tunnel `json:"tunnel,omitempty"`
}

// Route is a route a protocol offers the RIB manager.
type Route struct {
	Prefix   netip.Prefix `json:"prefix"`
	Proto    Protocol     `json:"-"`
	Metric   uint32       `json:"metric"`
	Nexthops []Nexthop    `json:"nexthops"`
	// Info is protocol detail shown after the route, e.g. "intra-area 0.0.0.0" or "IA".
	Info string `json:"info,omitempty"`
}

// LSPNexthop is where a labelled packet goes: OutLabel replaces the top
// label; LabelImplicitNull means pop (penultimate hop popping).
type LSPNexthop struct {
	Addr     netip.Addr `json:"addr"`
	Iface    string     `json:"iface"`
	OutLabel uint32     `json:"out_label"`
	// Backup is the repair path with its own out-label, taken the moment
	// Iface loses carrier (see Nexthop.Backup).
	Backup *LSPNexthop `json:"backup,omitempty"`
	// Push are labels pushed over OutLabel, outermost first, by a repair
	// path: TI-LFA's segments, or a remote LFA's tunnel to its PQ node,
	// that take the packet to where OutLabel means the destination again.
	// A backup has them, or a repair standing in for a dead primary.
	Push []uint32 `json:"push,omitempty"`
	// Tunnel makes Addr the far end of an IP tunnel: the packet, its top
	// label swapped to OutLabel, gets the tunnel's headers and is routed
	// by the default table (lsp_tunnel.go). A DC gateway reaches its
	// fabric's vRouters so.
	Tunnel *Tunnel `json:"tunnel,omitempty"`
}

// LSP is an LFIB entry offered by a label protocol: packets arriving with
// InLabel on top are switched to Nexthops (ECMP by flow hash).
type LSP struct {
	InLabel  uint32       `json:"in_label"`
	Proto    Protocol     `json:"-"`
	FEC      netip.Prefix `json:"fec,omitzero"` // what the label stands for, for show output
	Nexthops []LSPNexthop `json:"nexthops"`
}

// FECLabel tells the RIB manager which label to push on packets for
// Prefix when they leave by the nexthop Addr: how an IGP route becomes an
// ingress LSP (zebra attaches LDP/SR labels to IGP routes the same way).
// OutLabel LabelImplicitNull means push nothing (the nexthop is the egress).
type FECLabel struct {
	Prefix   netip.Prefix `json:"prefix"`
	Nexthop  netip.Addr   `json:"nexthop"`
	OutLabel uint32       `json:"out_label"`
	// Push are labels pushed over OutLabel, outermost first: the tunnel
	// of a remote LFA's backup to its PQ node, whose label OutLabel is.
	Push []uint32 `json:"push,omitempty"`
}

// RIB is the router's RIB manager as protocols see it. Each protocol owns
// its routes, LSPs and FEC labels and replaces its whole set when it
// recomputes (after an SPF run, say), or changes some routes with
// UpdateRoutes; the manager keeps the best route per prefix by distance
// then metric, attaches FEC labels to matching nexthops, and publishes a
// new FIB and LFIB for the data plane. Either way it redoes only the
// prefixes whose routes or labels changed. It keeps copies of what it
// is offered, never the caller's lists: a protocol may reuse them once
// the call returns (LDP builds each offer in pooled lists).
type RIB interface {
	// ReplaceRoutes makes routes p's whole set in vrf. It returns how
	// many prefixes' routes from p changed (0: p offered all of it
	// already), as the two calls below do.
	ReplaceRoutes(p Protocol, vrf string, routes []Route) (changed int)
	// UpdateRoutes changes some of p's routes in vrf: routes replace p's
	// routes for their prefixes (a prefix's routes all together), and p's
	// routes for the prefixes in withdraw go; p's other routes stay.
	UpdateRoutes(p Protocol, vrf string, routes []Route, withdraw []netip.Prefix) (changed int)
	ReplaceLSPs(p Protocol, lsps []LSP)
	ReplaceFECLabels(p Protocol, labels []FECLabel)
	// UpdateLSPs changes some of p's LSPs: those of the incoming labels
	// in del go, then lsps replace p's of their labels; the others stay.
	UpdateLSPs(p Protocol, lsps []LSP, del []uint32)
	// UpdateFECLabels changes some of p's FEC labels: those of del's
	// prefixes and nexthops go, then labels replace p's for theirs.
	UpdateFECLabels(p Protocol, labels []FECLabel, del []FECLabel)
	// AllocateLabel hands out a dynamic label (from LabelDynamicFirst up);
	// ReleaseLabel gives it back.
	AllocateLabel() uint32
	ReleaseLabel(l uint32)
	// Best returns the selected route for an exact prefix in a VRF.
	Best(vrf string, p netip.Prefix) (Route, bool)
	// BestRoutes returns every selected route of a VRF, sorted by prefix.
	BestRoutes(vrf string) []Route
	// NexthopCost is the metric of the longest-matching selected route
	// to a in vrf that BGP did not give and that has a nexthop: the IGP
	// cost BGP compares next hops by (RFC 4271 9.1.2.2 e), false when
	// none reaches a (BGP must then not use a). It copies nothing: BGP
	// asks it for every path it compares.
	NexthopCost(vrf string, a netip.Addr) (uint32, bool)
	// Watch registers f to run after the selected routes of the default
	// VRF change, or those of any VRF through an interface change (LDP
	// follows IGP routes this way, as ldpd follows zebra). A protocol
	// replacing its own routes in a non-default VRF wakes no watcher.
	Watch(f func())
	// WatchChanges registers f to run when Watch's watchers do, with the
	// prefixes whose selected route changed since f last ran, by VRF: a
	// watcher can redo what those prefixes concern instead of everything.
	WatchChanges(f func([]RouteChange))
	// WatchNexthops registers f to run, as the watchers above do, with
	// the addresses that came into or went out of use as recursive
	// nexthops resolved through the default VRF (BGP next hops, tunnel
	// endpoints), and returns those in use now. A label protocol asking
	// on demand (LDP's access node, RFC 7032) asks for just these.
	WatchNexthops(f func([]NexthopUse)) []netip.Addr
	// TrackNexthops puts addresses into use as recursive nexthops, or
	// takes them out, for a protocol that will resolve routes through
	// them (BGP registering the next hops it hears with zebra's next-hop
	// tracking): WatchNexthops' watchers hear of them as of the nexthops
	// of routes, so that LDP on demand asks for their labels before the
	// routes come. Each track is undone by one untrack.
	TrackNexthops(track, untrack []netip.Addr)
}

// NexthopUse says an address came into (Used) or went out of use as a
// recursive nexthop.
type NexthopUse struct {
	Addr netip.Addr
	Used bool
}

// RouteChange lists prefixes of a VRF whose selected route changed: a
// route came, went, or changed its protocol, metric or nexthops.
type RouteChange struct {
	VRF      string
	Prefixes []netip.Prefix
}

// InterfaceState is what protocols need to know of an interface.
type InterfaceState struct {
	Name string       `json:"name"`
	Addr netip.Prefix `json:"addr"`
	Up   bool         `json:"up"`
	Peer string       `json:"peer"` // neighbour node name, for show output
	VRF  string       `json:"vrf,omitempty"`
}
