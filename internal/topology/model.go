package topology

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Model is a topology after resolution: every value a router needs is
// filled in, either pinned by the file or allocated from the pools. It is the
// single source that diagrams, the lab and the API are views of.
type Model struct {
	Name        string    `json:"name"`
	Source      string    `json:"source"` // file name, or SeedName
	ProviderASN uint32    `json:"provider_asn"`
	LabelMode   LabelMode `json:"label_mode"` // the default; nodes may override
	Pools       Pools     `json:"pools"`
	Nodes       []*Node   `json:"nodes"`  // in file order
	Links       []*Link   `json:"links"`  // in file order
	Clouds      []*Cloud  `json:"clouds"` // in file order
	VPNs        []*VPN    `json:"vpns"`   // in file order
	Sessions    []Session `json:"sessions"`
	// Externals are the real BGP daemons the lab peers with (role
	// external); they are not in Nodes: no router, no links.
	Externals []*External `json:"externals,omitempty"`
	// Checks are the file's validate: block.
	Checks []*Check `json:"checks,omitempty"`
	// SRPolicies are the SR-TE policies of the headends (sr-policies:).
	SRPolicies []*SRPolicy `json:"sr_policies,omitempty"`
	// AreaRanges are the OSPF address ranges of each area (areas:, RFC
	// 2328 3.5), in file order: the area's border routers advertise one
	// summary per range into the other areas in place of the routes the
	// range covers.
	AreaRanges map[Area][]netip.Prefix `json:"area_ranges,omitempty"`
	// NSSAs are the areas the areas: section makes not-so-stubby (RFC
	// 3101): no AS-external LSAs come in; their ASBRs originate NSSA
	// externals (type 7), which the border routers translate for the
	// backbone.
	NSSAs map[Area]NSSA `json:"nssa_areas,omitempty"`

	byName map[string]*Node
}

// NSSA is an NSSA area's setting.
type NSSA struct {
	// NoSummary makes it a totally NSSA: its border routers send it a
	// default route and no other summaries.
	NoSummary bool `json:"no_summary,omitempty"`
}

// Role is what a node does in the network.
type Role string

const (
	RoleP     Role = "p"     // provider core router: label switching only
	RolePE    Role = "pe"    // provider edge: VRFs, MP-BGP
	RoleCE    Role = "ce"    // customer edge, in its own AS
	RoleRR    Role = "rr"    // dedicated route reflector
	RoleCloud Role = "cloud" // an OpenStack cloud's attachment (declared under clouds:)
	RoleHost  Role = "host"  // an end system
	// RoleCompute is a cloud's compute node (declared by the cloud's
	// computes:): a router on the cloud's underlay, one link to the
	// cloud's node, hosting the VMs whose ports are bound to it.
	RoleCompute Role = "compute"
	// RoleControl is an SDN cloud's control node (Tungsten Fabric's): a
	// route reflector of the cloud's AS on its underlay, for its vRouters
	// (the computes) and its DC gateway (resolve_sdn.go).
	RoleControl Role = "control"
	// RoleExternal is a real BGP daemon outside intercloud (FRR, gobgpd,
	// ExaBGP...) that intercloud's speakers peer with over TCP; it plays
	// a route reflector, a PE or a CE (External.Plays) and has no links.
	RoleExternal Role = "external"
)

// Roles lists the roles a node may be declared with, in display order.
var Roles = []Role{RoleP, RolePE, RoleCE, RoleRR, RoleCloud, RoleHost, RoleExternal}

// summaryRoles orders every role a model may hold, compute nodes after clouds.
var summaryRoles = []Role{RoleP, RolePE, RoleCE, RoleRR, RoleCloud, RoleCompute, RoleControl, RoleHost, RoleExternal}

// IsCore reports whether the role runs the IGP and label distribution.
func (r Role) IsCore() bool { return r == RoleP || r == RolePE || r == RoleRR }

// LabelMode says how a core router gets transport labels.
type LabelMode string

const (
	LabelLDP LabelMode = "ldp"
	LabelSR  LabelMode = "sr"
)

// SRGBBase is the first label of the default segment routing global block;
// a node SID's label is SRGBBase + index.
const SRGBBase = 16000

// SRGBSize is the size of the default SRGB (16000-23999, as FRR and most vendors).
const SRGBSize = 8000

// Area is an OSPF area id, shown dotted ("0.0.0.0") like FRR does.
type Area uint32

// String formats the area as FRR does: dotted quad.
func (a Area) String() string {
	return netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}).String()
}

// MarshalText makes areas dotted in JSON and YAML output.
func (a Area) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Node is one router or end system.
type Node struct {
	Name      string       `json:"name"`
	Role      Role         `json:"role"`
	ASN       uint32       `json:"asn"`
	RouterID  netip.Addr   `json:"router_id"`
	Loopback  netip.Prefix `json:"loopback"`
	Area      Area         `json:"area"`                 // area of the node's links unless a link says otherwise
	LabelMode LabelMode    `json:"label_mode,omitempty"` // core nodes only
	SRIndex   int          `json:"sr_index"`             // -1 when the node is not in SR mode
	// RouteReflector marks a node (role rr, or a p/pe with rr: true) that
	// reflects VPN routes to the PEs of its AS.
	RouteReflector bool       `json:"route_reflector,omitempty"`
	ClusterID      netip.Addr `json:"cluster_id,omitzero"`
	// NoFRR turns fast reroute off on a core node (frr: false on the
	// node or in defaults); it is on by default.
	NoFRR bool `json:"no_frr,omitempty"`
	// PrefixSuppression leaves the subnets of a core node's transit links
	// out of the IGP (RFC 6860; prefix_suppression: true on the node or
	// in defaults): the loopbacks stay, and with them the LSPs and BGP.
	PrefixSuppression bool         `json:"prefix_suppression,omitempty"`
	Interfaces        []*Interface `json:"interfaces"`
	Statics           []Static     `json:"static_routes,omitempty"`
	// Cloud is set on the node that stands for a cloud (role cloud).
	Cloud string `json:"cloud,omitempty"`
	// Space is the VPN whose address space holds the node's addresses: a
	// VPN site (a CE on a PE's VRF interface) and everything behind it.
	// Empty for the provider's global space. Addresses may repeat in
	// different spaces, as customers reuse private ranges.
	Space string `json:"space,omitempty"`
	// Auto names the fields that were allocated rather than pinned
	// ("loopback", "asn", "router_id", "sr_index", "role", ...).
	Auto []string `json:"auto,omitempty"`
}

// IsAuto reports whether field was allocated by the resolver.
func (n *Node) IsAuto(field string) bool {
	for _, f := range n.Auto {
		if f == field {
			return true
		}
	}
	return false
}

// SRLabel is the node SID label, or 0 when the node is not in SR mode.
func (n *Node) SRLabel() uint32 {
	if n.SRIndex < 0 {
		return 0
	}
	return uint32(SRGBBase + n.SRIndex)
}

// Static is a static route from the topology file.
type Static struct {
	Prefix  netip.Prefix `json:"prefix"`
	NextHop netip.Addr   `json:"next_hop"`
	VRF     string       `json:"vrf,omitempty"`
}

// Interface is one end of a link on a node.
type Interface struct {
	Name   string       `json:"name"`
	Addr   netip.Prefix `json:"addr"` // address with the link's prefix length
	LinkID int          `json:"link"` // index into Model.Links
	Peer   string       `json:"peer"` // node at the other end
	VRF    string       `json:"vrf,omitempty"`
	Auto   []string     `json:"auto,omitempty"` // "name", "addr"
}

// Link is a point-to-point link between two nodes.
type Link struct {
	ID      int           `json:"id"`
	A       Endpoint      `json:"a"`
	B       Endpoint      `json:"b"`
	Subnet  netip.Prefix  `json:"subnet"`
	Cost    int           `json:"cost"`
	Area    Area          `json:"area"`
	Latency time.Duration `json:"latency"`
	Jitter  time.Duration `json:"jitter"`
	Loss    float64       `json:"loss"` // fraction, 0..1
	Rate    uint64        `json:"rate"` // bits per second; 0 is unlimited
	MTU     int           `json:"mtu"`
	Up      bool          `json:"up"`
	// Core is true when both ends run the IGP: core routers of one AS.
	Core bool `json:"core"`
	// InterAS marks a link between core routers of two ASes: no IGP or
	// LDP crosses it; its ends are ASBRs exchanging VPN routes over eBGP
	// (inter-AS option B, RFC 4364 section 10b).
	InterAS bool `json:"inter_as,omitempty"`
	// Space is the address space of the link's subnet (see Node.Space): a
	// PE–CE link is in its VRF's VPN.
	Space string   `json:"space,omitempty"`
	Auto  []string `json:"auto,omitempty"` // "subnet", "area", ...
	// Affinity names the admin groups of the link, which SR-TE dynamic
	// paths may exclude.
	Affinity []string `json:"affinity,omitempty"`
}

// Endpoint is one side of a link.
type Endpoint struct {
	Node      string     `json:"node"`
	Interface string     `json:"interface"`
	Addr      netip.Addr `json:"addr"`
}

// JoinMode is how a cloud joins the WAN (DESIGN.md section 4).
type JoinMode string

const (
	JoinFloatingIP      JoinMode = "floating-ip"     // 1: FIPs and provider networks, static routing at the CE
	JoinDynamicRouting  JoinMode = "dynamic-routing" // 2: neutron-dynamic-routing speaker peers with the CE
	JoinBGPVPN          JoinMode = "bgpvpn"          // 3: compute nodes are PEs (bagpipe)
	JoinInterconnection JoinMode = "interconnection" // 4: Neutron-to-Neutron interconnection
	JoinSDN             JoinMode = "sdn"             // 5: vRouters as PEs, DC gateway as option B ASBR
)

// JoinModes lists the join modes in the order of DESIGN.md.
var JoinModes = []JoinMode{JoinFloatingIP, JoinDynamicRouting, JoinBGPVPN, JoinInterconnection, JoinSDN}

// ActsAsPE reports whether the cloud's own nodes act as MPLS VPN PEs
// (and so must attach to the provider core rather than to a CE).
func (j JoinMode) ActsAsPE() bool {
	return j == JoinBGPVPN || j == JoinInterconnection || j == JoinSDN
}

// Cloud is an OpenStack cloud and how it joins the WAN. A cloud may join
// in several ways at once, as real ones do: floating IPs alongside dynamic
// routing, or BGPVPN with Neutron-to-Neutron interconnections built on it.
type Cloud struct {
	Name     string       `json:"name"`
	Join     []JoinMode   `json:"join"`
	Attach   string       `json:"attach"` // node the cloud's uplink connects to
	ASN      uint32       `json:"asn"`
	Prefix   netip.Prefix `json:"prefix"` // what the cloud may announce
	VPN      string       `json:"vpn,omitempty"`
	Node     string       `json:"node"`     // the node standing for the cloud's network node / gateway
	Computes []*Compute   `json:"computes"` // compute nodes
	LinkID   int          `json:"link"`     // the uplink, index into Model.Links
	// Control is an sdn cloud's control node, the route reflector of its
	// vRouters and its gateway (the cloud's node); nil for other clouds.
	Control *Compute `json:"control,omitempty"`
	// InitialNetworks: the cloud starts with DevStack's initial
	// resources (a public external network and subnet, a shared address
	// scope and subnet pool from Prefix, the demo project's private
	// network, subnet and router1); see internal/cloudapi.
	InitialNetworks bool     `json:"initial_networks"`
	Auto            []string `json:"auto,omitempty"`
}

// Joins reports whether the cloud joins the WAN in mode j.
func (c *Cloud) Joins(j JoinMode) bool {
	for _, x := range c.Join {
		if x == j {
			return true
		}
	}
	return false
}

// ActsAsPE reports whether the cloud's own nodes act as VPN PEs.
func (c *Cloud) ActsAsPE() bool {
	for _, x := range c.Join {
		if x.ActsAsPE() {
			return true
		}
	}
	return false
}

// JoinText is the join modes as written: "floating-ip+dynamic-routing".
func (c *Cloud) JoinText() string {
	var parts []string
	for _, j := range c.Join {
		parts = append(parts, string(j))
	}
	return strings.Join(parts, "+")
}

// Compute is one compute node of a cloud.
type Compute struct {
	Name     string       `json:"name"`
	Loopback netip.Prefix `json:"loopback"`
}

// VPN is a customer BGP/MPLS IP VPN: a VRF on each of its PEs.
type VPN struct {
	Name string `json:"name"`
	// Labels is how the PEs allocate VPN labels for the VPN's routes.
	Labels LabelAllocation `json:"labels"`
	Sites  []string        `json:"sites"` // CEs (and clouds) in the VPN
	VRFs   []VRF           `json:"vrfs"`  // one per PE, sorted by PE name
	Import []string        `json:"import_rts"`
	Export []string        `json:"export_rts"`
	// Color, when set, is the Color extended community (RFC 9012) the
	// PEs attach to the VPN's exported routes: an ingress PE with an SR
	// policy of that color to the route's PE steers onto it.
	Color uint32   `json:"color,omitempty"`
	Auto  []string `json:"auto,omitempty"`
}

// VRF is a VPN's instance on one PE.
type VRF struct {
	PE         string   `json:"pe"`
	RD         string   `json:"rd"`
	Interfaces []string `json:"interfaces"` // CE-facing interfaces on the PE
}

// SessionKind classifies a BGP session the lab will build.
type SessionKind string

const (
	SessionIBGPVPN   SessionKind = "ibgp-vpn"   // PE (or PE-acting cloud node) to route reflector, or PE full mesh
	SessionRRMesh    SessionKind = "ibgp-rr"    // between route reflectors of one AS
	SessionPECE      SessionKind = "ebgp-pe-ce" // in a VRF on the PE
	SessionCloudCE   SessionKind = "ebgp-cloud" // a cloud's BGP speaker to the router it attaches to
	SessionCloudCore SessionKind = "ibgp-cloud" // a PE-acting cloud to the route reflectors
	SessionInterAS   SessionKind = "ebgp-asbr"  // VPNv4 between ASBRs of two ASes (option B)
)

// Session is one BGP session to be built.
type Session struct {
	Kind     SessionKind `json:"kind"`
	A        string      `json:"a"`
	B        string      `json:"b"`
	AAddr    netip.Addr  `json:"a_addr"`
	BAddr    netip.Addr  `json:"b_addr"`
	AASN     uint32      `json:"a_asn"`
	BASN     uint32      `json:"b_asn"`
	Families []string    `json:"families"`      // "ipv4-unicast", "ipv4-vpn", ...
	VRF      string      `json:"vrf,omitempty"` // on A's side, for PE-CE sessions
	// RRClient is true when A is a client of route reflector B.
	RRClient bool `json:"rr_client,omitempty"`
	// BClient is true when B is a client of route reflector A (an
	// external PE, which is always written as B).
	BClient bool `json:"b_client,omitempty"`
}

// OnDemand reports whether the session starts only when a cloud asks
// for it through its OpenStack API (a dynamic-routing speaker, a
// bgpvpn, an interconnection, an SDN gateway), not when the lab comes
// up: inspect and graph show it as planned, and up does not count it.
func (s Session) OnDemand() bool {
	return s.Kind == SessionCloudCE || s.Kind == SessionCloudCore
}

// Pools are the ranges everything not pinned is allocated from.
type Pools struct {
	Loopbacks   netip.Prefix `json:"loopbacks"`
	Links       netip.Prefix `json:"links"`
	Clouds      netip.Prefix `json:"clouds"`
	CloudPrefix int          `json:"cloud_prefix_len"`
	ASNs        ASNRange     `json:"asns"`
	RT          NumRange     `json:"rt"` // the assigned-number part of RDs and RTs
}

// ASNRange is an inclusive range of AS numbers.
type ASNRange struct {
	First uint32 `json:"first"`
	Last  uint32 `json:"last"`
}

// NumRange is an inclusive range of small numbers.
type NumRange struct {
	First uint32 `json:"first"`
	Last  uint32 `json:"last"`
}

// Node returns the node called name, or nil.
func (m *Model) Node(name string) *Node {
	if m.byName != nil {
		return m.byName[name]
	}
	for _, n := range m.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Summary counts what a model holds.
type Summary struct {
	Nodes    int          `json:"nodes"`
	Roles    map[Role]int `json:"roles"`
	Links    int          `json:"links"`
	Clouds   int          `json:"clouds"`
	VPNs     int          `json:"vpns"`
	Sessions int          `json:"bgp_sessions"` // those up starts
	// OnDemand counts the clouds' sessions, which start only when the
	// cloud's OpenStack asks for them (see Session.OnDemand).
	OnDemand int `json:"bgp_sessions_on_demand,omitempty"`
	Areas    int `json:"areas"`
}

// Summarize counts the model's parts.
func (m *Model) Summarize() Summary {
	s := Summary{Nodes: len(m.Nodes), Roles: map[Role]int{}, Links: len(m.Links), Clouds: len(m.Clouds), VPNs: len(m.VPNs)}
	for _, ses := range m.Sessions {
		if ses.OnDemand() {
			s.OnDemand++
		} else {
			s.Sessions++
		}
	}
	areas := map[Area]bool{}
	for _, n := range m.Nodes {
		s.Roles[n.Role]++
	}
	for _, l := range m.Links {
		if l.Core {
			areas[l.Area] = true
		}
	}
	s.Areas = len(areas)
	return s
}

// String reads like "11 nodes (2 p, 2 pe, 2 ce, 3 cloud), 11 links, ...".
func (s Summary) String() string {
	var roles []string
	for _, r := range summaryRoles {
		if c := s.Roles[r]; c > 0 {
			roles = append(roles, fmt.Sprintf("%d %s", c, r))
		}
	}
	sessions := count(s.Sessions, "bgp session")
	if s.OnDemand > 0 {
		sessions += fmt.Sprintf(" (+%d when clouds ask for them)", s.OnDemand)
	}
	return fmt.Sprintf("%s (%s), %s, %s, %s, %s, %s",
		count(s.Nodes, "node"), strings.Join(roles, ", "), count(s.Links, "link"), count(s.Clouds, "cloud"),
		count(s.VPNs, "vpn"), sessions, count(s.Areas, "igp area"))
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// External is a real BGP daemon the lab peers with over TCP.
type External struct {
	Name string `json:"name"`
	// Plays is the role it takes in the lab's BGP: rr (a route reflector
	// of its AS: every PE of the AS peers with it), pe (a client of the
	// AS's reflectors, or meshed with its PEs) or ce (eBGP in a VRF of
	// the PE it attaches to).
	Plays  Role           `json:"plays"`
	ASN    uint32         `json:"asn"`
	Addr   netip.AddrPort `json:"address"`          // where it listens
	Attach string         `json:"attach,omitempty"` // ce: the PE
	VPN    string         `json:"vpn,omitempty"`    // ce: the VRF's VPN
	Auto   []string       `json:"auto,omitempty"`
}

// External returns the external peer called name, or nil.
func (m *Model) External(name string) *External {
	for _, e := range m.Externals {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// VPN returns the VPN called name, or nil.
func (m *Model) VPN(name string) *VPN {
	for _, v := range m.VPNs {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// LabelAllocation is how a PE labels the VPN routes it exports (RFC 4364
// leaves it to the PE).
type LabelAllocation string

const (
	// LabelsPerVRF: one label for the VRF; the egress PE pops it and
	// routes in the VRF (the default).
	LabelsPerVRF LabelAllocation = "per-vrf"
	// LabelsPerPrefix: a label per route; the egress PE pops it and sends
	// the packet straight to the CE the route came from, with no lookup.
	LabelsPerPrefix LabelAllocation = "per-prefix"
)
