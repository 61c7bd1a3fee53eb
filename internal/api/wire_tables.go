package api

import (
	"net/netip"
	"time"
)

// The tables and answers of /api/v1 on the wire. Each type mirrors the
// value of the package that computes it (named in its comment) with the
// same JSON, and is filled by an explicit conversion (convert.go): a Go
// field renamed in router, igp, ldp, bgp, srte, dataplane or lab breaks
// the build there instead of changing the API. Enumerations (states,
// LSA types, areas, durations the IGP prints as 00:01:02) travel as
// the text their package writes. TestWireGolden pins the JSON of every
// answer on the seed lab.

// RouteTable is router.RouteTable on the wire.
type RouteTable struct {
	VRF    string  `json:"vrf"`
	Routes []Route `json:"routes"`
}

// Route is router.RouteRow on the wire.
type Route struct {
	Code     string         `json:"code"`
	Protocol string         `json:"protocol"`
	Prefix   netip.Prefix   `json:"prefix"`
	Distance uint8          `json:"distance"`
	Metric   uint32         `json:"metric"`
	Selected bool           `json:"selected"`
	FIB      bool           `json:"installed"`
	Nexthops []RouteNexthop `json:"nexthops"`
	Info     string         `json:"info,omitempty"`
	Uptime   time.Duration  `json:"uptime_ns"`
}

// RouteNexthop is router.RouteNexthop on the wire.
type RouteNexthop struct {
	Addr      netip.Addr `json:"addr,omitzero"`
	Iface     string     `json:"iface,omitempty"`
	Connected bool       `json:"directly_connected,omitempty"`
	Recursive bool       `json:"recursive,omitempty"`
	Resolved  bool       `json:"resolved,omitempty"`
	Active    bool       `json:"active"`
	Labels    []uint32   `json:"labels,omitempty"`
	// Tunnel is the IP tunnel the labels go into ("mpls-in-udp SRC > DST").
	Tunnel string `json:"tunnel,omitempty"`
}

// LFIBEntry is router.LFIBRow on the wire.
type LFIBEntry struct {
	InLabel  uint32       `json:"in_label"`
	FEC      netip.Prefix `json:"fec,omitzero"`
	Nexthop  netip.Addr   `json:"nexthop,omitzero"`
	Iface    string       `json:"iface,omitempty"`
	OutLabel uint32       `json:"out_label"`
	Pushed   []uint32     `json:"pushed,omitempty"`
	Via      netip.Addr   `json:"via,omitzero"`
	// Tunnel is the IP tunnel the swapped packet goes into.
	Tunnel   string `json:"tunnel,omitempty"`
	Inactive bool   `json:"inactive,omitempty"`
	Backup   string `json:"backup,omitempty"`
	Repair   bool   `json:"repair,omitempty"`
}

// Event is router.Event on the wire.
type Event struct {
	Time   time.Time `json:"time"`
	Node   string    `json:"node"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail"`
}

// SecurityGroups is lab.SecurityGroupTable on the wire.
type SecurityGroups struct {
	Rules   []SecurityGroupRule           `json:"rules"`
	Dropped map[netip.Addr]uint64         `json:"dropped"`
	Sources map[netip.Addr][]netip.Prefix `json:"sources"`
	Spoofed map[netip.Addr]uint64         `json:"spoofed"`
}

// SecurityGroupRule is lab.SecurityGroupRow on the wire.
type SecurityGroupRule struct {
	Addr      netip.Addr `json:"addr"`
	Group     string     `json:"group"`
	Rule      string     `json:"rule"`
	Direction string     `json:"direction"`
	Protocol  string     `json:"protocol"`
	Ports     string     `json:"ports"`
	Remote    string     `json:"remote"`
	Packets   uint64     `json:"packets"`
}

// Advertised is lab.CloudAdvertised on the wire.
type Advertised struct {
	Cloud    string         `json:"cloud"`
	Join     string         `json:"join"`
	Prefix   netip.Prefix   `json:"prefix"`
	Prefixes []netip.Prefix `json:"prefixes"`
	Outside  []netip.Prefix `json:"outside"`
}

// SRPolicyState is srte.PolicyView on the wire.
type SRPolicyState struct {
	Name             string            `json:"name,omitempty"`
	Color            uint32            `json:"color"`
	Endpoint         netip.Addr        `json:"endpoint"`
	EndpointName     string            `json:"endpoint_name,omitempty"`
	State            string            `json:"state"`
	ActivePreference uint32            `json:"active_preference,omitempty"`
	Paths            []SRCandidatePath `json:"candidate_paths"`
}

// SRCandidatePath is srte.PathView on the wire.
type SRCandidatePath struct {
	Name       string       `json:"name,omitempty"`
	Preference uint32       `json:"preference"`
	Type       string       `json:"type"`
	Strict     bool         `json:"strict,omitempty"`
	Metric     string       `json:"metric,omitempty"`
	ExcludeAny []string     `json:"exclude_any,omitempty"`
	Active     bool         `json:"active"`
	Valid      bool         `json:"valid"`
	Reason     string       `json:"reason,omitempty"`
	Segments   []SRSegment  `json:"segments,omitempty"`
	Hops       []netip.Addr `json:"hops,omitempty"`
	Cost       uint64       `json:"cost,omitempty"`
	Nexthops   []Nexthop    `json:"nexthops,omitempty"`
}

// SRSegment is srte.Segment on the wire.
type SRSegment struct {
	Node      netip.Addr `json:"node"`
	Name      string     `json:"name,omitempty"`
	Index     uint32     `json:"sid_index"`
	Label     uint32     `json:"label"`
	Adjacency bool       `json:"adjacency,omitempty"`
	Link      netip.Addr `json:"link,omitzero"`
}

// Nexthop is router.Nexthop on the wire.
type Nexthop struct {
	Addr   netip.Addr `json:"addr,omitzero"`
	Iface  string     `json:"iface"`
	Labels []uint32   `json:"labels,omitempty"`
	Backup *Nexthop   `json:"backup,omitempty"`
	Remote netip.Addr `json:"remote,omitzero"`
	// Tunnel makes Addr the far end of an IP tunnel (router.Tunnel).
	Tunnel *Tunnel `json:"tunnel,omitempty"`
}

// Tunnel is router.Tunnel on the wire: an MPLS-in-UDP or MPLS-in-GRE
// tunnel a nexthop sends into.
type Tunnel struct {
	Encap     string     `json:"encap"`
	Src       netip.Addr `json:"src,omitzero"`
	UnlessLSP bool       `json:"unless_lsp,omitempty"`
}

// IGPNeighbor is igp.Neighbor on the wire.
type IGPNeighbor struct {
	RouterID  netip.Addr `json:"neighbor_id"`
	State     string     `json:"state"`
	Uptime    string     `json:"uptime"`
	DeadTime  string     `json:"dead_time"`
	Address   netip.Addr `json:"address"`
	Interface string     `json:"interface"`
	IfAddr    netip.Addr `json:"interface_address"`
	Area      string     `json:"area"`
}

// IGPDatabaseScope is igp.DatabaseScope on the wire.
type IGPDatabaseScope struct {
	Area *string `json:"area,omitempty"`
	LSAs []LSA   `json:"lsas"`
}

// LSA is igp.LSAInfo on the wire.
type LSA struct {
	Type        string       `json:"type"`
	LinkStateID netip.Addr   `json:"link_state_id"`
	AdvRouter   netip.Addr   `json:"adv_router"`
	Seq         string       `json:"seq"`
	Age         int          `json:"age"`
	MaxAge      bool         `json:"max_age,omitempty"`
	LinkCount   int          `json:"link_count,omitempty"`
	Route       netip.Prefix `json:"route,omitzero"`
	Metric      uint32       `json:"metric,omitempty"`
	Detail      *LSADetail   `json:"detail,omitempty"`
}

// LSADetail is igp.LSADetail on the wire.
type LSADetail struct {
	Flags      []string         `json:"flags,omitempty"`
	Links      []LSARouterLink  `json:"links,omitempty"`
	MetricType string           `json:"metric_type,omitempty"`
	OpaqueType string           `json:"opaque_type,omitempty"`
	SRGB       *SRGB            `json:"srgb,omitempty"`
	PrefixSID  *PrefixSID       `json:"prefix_sid,omitempty"`
	Link       *LSAExtendedLink `json:"extended_link,omitempty"`
}

// LSARouterLink is igp.RouterLinkInfo on the wire.
type LSARouterLink struct {
	Type     string     `json:"type"`
	LinkID   netip.Addr `json:"link_id"`
	LinkData netip.Addr `json:"link_data"`
	Metric   uint32     `json:"metric"`
}

// SRGB is igp.SRGB on the wire.
type SRGB struct {
	Base uint32
	Size uint32
}

// PrefixSID is igp.PrefixSIDInfo on the wire.
type PrefixSID struct {
	Index uint32   `json:"index"`
	Flags []string `json:"flags,omitempty"`
}

// LSAExtendedLink is igp.ExtLink on the wire.
type LSAExtendedLink struct {
	Neighbor netip.Addr `json:"neighbor"`
	IfAddr   netip.Addr `json:"if_addr"`
	AdjSID   uint32     `json:"adj_sid"`
}

// IGPRoute is igp.Route on the wire.
type IGPRoute struct {
	Prefix     netip.Prefix `json:"prefix"`
	Type       string       `json:"type"`
	Area       *string      `json:"area,omitempty"`
	Cost       uint32       `json:"cost"`
	E2Metric   uint32       `json:"e2_metric,omitempty"`
	Attached   string       `json:"directly_attached,omitempty"`
	Nexthops   []Nexthop    `json:"nexthops"`
	AdvRouters []netip.Addr `json:"adv_routers"`
	SIDIndex   *uint32      `json:"sid_index,omitempty"`
}

// IGPStatus is igp.Status on the wire.
type IGPStatus struct {
	RouterID netip.Addr `json:"router_id"`
	ABR      bool       `json:"abr"`
	ASBR     bool       `json:"asbr"`
	SR       bool       `json:"segment_routing"`
	// PrefixSuppression: transit links' subnets are not advertised (RFC 6860).
	PrefixSuppression bool      `json:"prefix_suppression,omitempty"`
	SPFRuns           int       `json:"spf_runs"`
	LastSPF           time.Time `json:"last_spf,omitzero"`
	Areas             []IGPArea `json:"areas"`
	External          int       `json:"external_lsas"`
}

// IGPArea is igp.AreaStatus on the wire.
type IGPArea struct {
	Area       string `json:"area"`
	Interfaces int    `json:"interfaces"`
	Full       int    `json:"full_adjacencies"`
	LSAs       int    `json:"lsas"`
}

// IGPRange is igp.RangeStatus on the wire: an ABR's area range, active
// while a route of its area falls in it, and then advertised at Cost.
type IGPRange struct {
	Area       string       `json:"area"`
	Prefix     netip.Prefix `json:"prefix"`
	Active     bool         `json:"active"`
	Advertised bool         `json:"advertised"`
	Cost       uint32       `json:"cost,omitempty"`
}

// SRBinding is igp.SRBinding on the wire.
type SRBinding struct {
	Prefix     netip.Prefix `json:"prefix"`
	SIDIndex   uint32       `json:"sid_index"`
	Label      uint32       `json:"label"`
	Local      bool         `json:"local,omitempty"`
	Type       string       `json:"type"`
	AdvRouters []netip.Addr `json:"adv_routers"`
	Nexthops   []SRNexthop  `json:"nexthops"`
}

// SRNexthop is igp.SRNexthop on the wire.
type SRNexthop struct {
	Addr     netip.Addr `json:"addr"`
	Iface    string     `json:"iface"`
	OutLabel uint32     `json:"out_label"`
}

// AdjSID is igp.AdjSID on the wire.
type AdjSID struct {
	Area     string     `json:"area"`
	Router   netip.Addr `json:"router"`
	Neighbor netip.Addr `json:"neighbor"`
	IfAddr   netip.Addr `json:"if_addr"`
	Label    uint32     `json:"label"`
	Local    bool       `json:"local,omitempty"`
	Iface    string     `json:"iface,omitempty"`
}

// FRRReport is lab.FRRReport on the wire.
type FRRReport struct {
	Destinations int            `json:"destinations"`
	Protected    int            `json:"protected"`
	ByProtection map[string]int `json:"by_protection"`
	ByRepair     map[string]int `json:"by_repair"`
	Unprotected  map[string]int `json:"unprotected"`
	Rows         []FRRRow       `json:"rows"`
}

// FRRRow is igp.FRRRow on the wire.
type FRRRow struct {
	Prefix       netip.Prefix `json:"prefix"`
	Nexthop      netip.Addr   `json:"nexthop"`
	Iface        string       `json:"iface"`
	Backup       netip.Addr   `json:"backup,omitzero"`
	BackupIface  string       `json:"backup_iface,omitempty"`
	Protection   string       `json:"protection"`
	Why          string       `json:"why,omitempty"`
	Repair       string       `json:"repair,omitempty"`
	Segments     []FRRSegment `json:"segments,omitempty"`
	PQ           netip.Addr   `json:"pq,omitzero"`
	BackupLabels []uint32     `json:"backup_labels,omitempty"`
}

// FRRSegment is igp.Segment on the wire.
type FRRSegment struct {
	Adjacency bool       `json:"adjacency,omitempty"`
	Router    netip.Addr `json:"router"`
	Neighbor  netip.Addr `json:"neighbor,omitzero"`
	Label     uint32     `json:"label"`
}

// LDPBinding is ldp.Binding on the wire.
type LDPBinding struct {
	FEC        netip.Prefix       `json:"prefix"`
	LocalLabel uint32             `json:"local_label"`
	Remote     []LDPRemoteBinding `json:"remote"`
}

// LDPRemoteBinding is ldp.Remote on the wire.
type LDPRemoteBinding struct {
	Peer  netip.Addr `json:"peer"`
	Label uint32     `json:"label"`
	InUse bool       `json:"in_use"`
}

// LDPNeighbor is ldp.Neighbor on the wire.
type LDPNeighbor struct {
	LSRID      netip.Addr   `json:"lsr_id"`
	State      string       `json:"state"`
	Interfaces []string     `json:"interfaces"`
	Targeted   bool         `json:"targeted,omitempty"`
	Addresses  []netip.Addr `json:"addresses"`
	Uptime     string       `json:"uptime"`
	Received   int          `json:"labels_received"`
	OnDemand   bool         `json:"on_demand,omitempty"`
}

// BGPNeighbor is bgp.Neighbor on the wire.
type BGPNeighbor struct {
	Neighbor    netip.Addr    `json:"neighbor"`
	Description string        `json:"description,omitempty"`
	AS          uint32        `json:"remoteAs"`
	RouterID    netip.Addr    `json:"remoteRouterId"`
	MsgRcvd     uint64        `json:"msgRcvd"`
	MsgSent     uint64        `json:"msgSent"`
	UpDown      time.Duration `json:"peerUptime"`
	EverUp      bool          `json:"everUp"`
	State       string        `json:"state"`
	PfxRcd      int           `json:"pfxRcd"`
	PfxSnt      int           `json:"pfxSnt"`
	LastError   string        `json:"lastError,omitempty"`
	RRClient    bool          `json:"routeReflectorClient,omitempty"`
}

// BGPRoute is bgp.RouteView on the wire.
type BGPRoute struct {
	RD      string   `json:"rd,omitempty"`
	Prefix  string   `json:"prefix"`
	NextHop string   `json:"nexthop"`
	Label   uint32   `json:"label,omitempty"`
	RTs     []string `json:"routeTargets,omitempty"`
	Colors  []uint32 `json:"colors,omitempty"`
	// Encapsulation are the tunnels the egress offers (RFC 9012).
	Encapsulation []BGPTunnel `json:"encapsulation,omitempty"`
	// EVPN is an EVPN route's fields (RFC 7432).
	EVPN      *BGPEVPN `json:"evpn,omitempty"`
	Best      bool     `json:"bestpath"`
	Valid     bool     `json:"valid"`
	Internal  bool     `json:"internal"`
	Local     bool     `json:"local,omitempty"`
	Peer      string   `json:"peer,omitempty"`
	MED       *uint32  `json:"metric,omitempty"`
	LocalPref *uint32  `json:"locPrf,omitempty"`
	Path      string   `json:"path"`
	Origin    string   `json:"origin"`
}

// BGPEVPN is bgp.EVPNView on the wire: an EVPN route's type and fields.
type BGPEVPN struct {
	RouteType   uint8    `json:"routeType"`
	ESI         string   `json:"esi,omitempty"`
	EthTag      uint32   `json:"ethTag"`
	MAC         string   `json:"mac,omitempty"`
	IP          string   `json:"ip,omitempty"`
	Labels      []uint32 `json:"labels,omitempty"`
	Originator  string   `json:"originatorIp,omitempty"`
	Value       string   `json:"value,omitempty"`
	PMSITunnel  string   `json:"pmsiTunnel,omitempty"`
	MACMobility string   `json:"macMobility,omitempty"`
}

// BGPTunnel is bgp.TunnelView on the wire: a tunnel a route offers.
type BGPTunnel struct {
	Type     string `json:"type"`
	Code     uint16 `json:"code"`
	Endpoint string `json:"endpoint,omitempty"`
	UDPPort  uint16 `json:"udpPort,omitempty"`
	From     string `json:"from"`
	Unusable string `json:"unusable,omitempty"`
}

// BGPNeighborDetail is bgp.NeighborDetail on the wire.
type BGPNeighborDetail struct {
	BGPNeighbor
	LocalAS         uint32         `json:"localAs"`
	LocalAddr       netip.Addr     `json:"hostLocal,omitzero"`
	Internal        bool           `json:"nbrInternalLink"`
	HoldTime        time.Duration  `json:"bgpTimerHoldTimeMsecs"`
	Keepalive       time.Duration  `json:"bgpTimerKeepAliveIntervalMsecs"`
	Families        []string       `json:"afiSafis"`
	FourOctetAS     bool           `json:"4byteAs"`
	GracefulRestart bool           `json:"gracefulRestart"`
	RestartTime     time.Duration  `json:"gracefulRestartTimeMsecs,omitempty"`
	RTConstraint    bool           `json:"rtConstraint"`
	RTMembership    []string       `json:"rtMembership,omitempty"`
	NextHopSelf     bool           `json:"nextHopSelf,omitempty"`
	ASOverride      bool           `json:"asOverride,omitempty"`
	AllowASIn       int            `json:"allowAsIn,omitempty"`
	Accept          []netip.Prefix `json:"prefixListIn,omitempty"`
	Filtered        []netip.Prefix `json:"prefixesFiltered,omitempty"`
	FilteredTotal   int            `json:"prefixesFilteredTotal,omitempty"`
}

// VRF is lab.VRFInfo on the wire.
type VRF struct {
	Name       string   `json:"name"`
	RD         string   `json:"rd"`
	Import     []string `json:"import_rts"`
	Export     []string `json:"export_rts"`
	Label      uint32   `json:"label"`
	Interfaces []string `json:"interfaces"`
	Routes     int      `json:"routes"`
	// BGPVPN and Attached: on a compute node, the attachment VRF's
	// BGPVPN id and the ports' addresses it exports; on a network node,
	// its router associations' VRF and the routers' subnets it exports.
	BGPVPN   string         `json:"bgpvpn,omitempty"`
	Attached []netip.Prefix `json:"attached,omitempty"`
	// RouterAssociation: the VRF serves the BGPVPN's router
	// associations (as their PE on a network node, holding their VMs on
	// a compute).
	RouterAssociation bool `json:"router_association,omitempty"`
	// Readvertised: another BGPVPN's prefixes it readvertises (a port
	// association's routes of type bgpvpn).
	Readvertised []netip.Prefix `json:"readvertised,omitempty"`
	// MACVRF: on a compute node, an EVPN instance of an l2 BGPVPN.
	MACVRF *MACVRF `json:"mac_vrf,omitempty"`
}

// MACVRF is lab.MACVRF on the wire.
type MACVRF struct {
	Encap    string      `json:"encap"`
	VNI      uint32      `json:"vni,omitempty"`
	MACs     []MACEntry  `json:"macs"`
	Flood    []string    `json:"flood"`
	Counters EVICounters `json:"counters"`
}

// MACEntry is l2vpn.MACEntry on the wire.
type MACEntry struct {
	MAC   string       `json:"mac"`
	IPs   []netip.Addr `json:"ips,omitempty"`
	Where string       `json:"where"`
	Port  string       `json:"port,omitempty"`
	PE    string       `json:"pe,omitempty"`
	Encap string       `json:"encap,omitempty"`
	Label uint32       `json:"label,omitempty"`
	Seq   uint32       `json:"seq,omitempty"`
}

// EVICounters is l2vpn.Counters on the wire.
type EVICounters struct {
	FromPorts     uint64 `json:"from_ports"`
	ToPorts       uint64 `json:"to_ports"`
	Encapsulated  uint64 `json:"encapsulated"`
	Decapsulated  uint64 `json:"decapsulated"`
	Replicas      uint64 `json:"bum_replicas"`
	ARPSuppressed uint64 `json:"arp_suppressed"`
	Dropped       uint64 `json:"dropped"`
}

// Link is lab.LinkInfo on the wire.
type Link struct {
	ID         int        `json:"id"`
	A          string     `json:"a"`
	B          string     `json:"b"`
	Up         bool       `json:"up"`
	Impairment Impairment `json:"impairment"`
	AStats     LinkStats  `json:"a_stats"`
	BStats     LinkStats  `json:"b_stats"`
}

// Impairment is dataplane.Impairment on the wire.
type Impairment struct {
	Latency    time.Duration `json:"latency_ns"`
	Jitter     time.Duration `json:"jitter_ns"`
	Loss       float64       `json:"loss"`
	Rate       uint64        `json:"rate_bps"`
	QueueBytes int           `json:"queue_bytes,omitempty"`
}

// LinkStats is dataplane.Stats on the wire.
type LinkStats struct {
	TxFrames uint64 `json:"tx_frames"`
	TxBytes  uint64 `json:"tx_bytes"`
	RxFrames uint64 `json:"rx_frames"`
	RxBytes  uint64 `json:"rx_bytes"`
}

// Session is lab.SessionState on the wire.
type Session struct {
	A         string `json:"a"`
	B         string `json:"b"`
	VRF       string `json:"vrf,omitempty"`
	State     string `json:"state"`
	Reachable bool   `json:"reachable"`
}

// NumberedEvent is lab.NumberedEvent on the wire.
type NumberedEvent struct {
	ID uint64 `json:"id"`
	Event
}

// PingResult is router.PingResult on the wire.
type PingResult struct {
	Dst      netip.Addr    `json:"dst"`
	Src      netip.Addr    `json:"src"`
	Size     int           `json:"size"`
	Sent     int           `json:"sent"`
	Received int           `json:"received"`
	Replies  []PingReply   `json:"replies"`
	MinRTT   time.Duration `json:"min_rtt_ns"`
	AvgRTT   time.Duration `json:"avg_rtt_ns"`
	MaxRTT   time.Duration `json:"max_rtt_ns"`
}

// PingReply is router.PingReply on the wire.
type PingReply struct {
	Seq    int           `json:"seq"`
	From   netip.Addr    `json:"from,omitzero"`
	RTT    time.Duration `json:"rtt_ns"`
	TTL    uint8         `json:"ttl,omitempty"`
	Size   int           `json:"bytes,omitempty"`
	Error  string        `json:"error,omitempty"`
	Labels []MPLSLabel   `json:"labels,omitempty"`
	Lost   bool          `json:"lost,omitempty"`
}

// MPLSLabel is router.MPLSLabel on the wire.
type MPLSLabel struct {
	Label uint32 `json:"label"`
	CoS   uint8  `json:"cos"`
	S     bool   `json:"s"`
	TTL   uint8  `json:"ttl"`
}

// TraceResult is router.TraceResult on the wire.
type TraceResult struct {
	Dst     netip.Addr `json:"dst"`
	Src     netip.Addr `json:"src"`
	MaxHops int        `json:"max_hops"`
	Size    int        `json:"size"`
	Hops    []TraceHop `json:"hops"`
	Reached bool       `json:"reached"`
}

// TraceHop is router.TraceHop on the wire.
type TraceHop struct {
	TTL    int          `json:"ttl"`
	Probes []TraceProbe `json:"probes"`
}

// TraceProbe is router.TraceProbe on the wire.
type TraceProbe struct {
	From   netip.Addr    `json:"from,omitzero"`
	RTT    time.Duration `json:"rtt_ns"`
	Lost   bool          `json:"lost,omitempty"`
	Labels []MPLSLabel   `json:"labels,omitempty"`
	// Via is the incoming interface the hop named (RFC 5837): a tunnel.
	Via  string `json:"via,omitempty"`
	Flag string `json:"flag,omitempty"`
}

// TunnelCounters is router.TunnelCounters on the wire: the MPLS-in-UDP
// and MPLS-in-GRE packets a router encapsulated and decapsulated.
type TunnelCounters struct {
	EncapUDP   uint64 `json:"encap_mpls_in_udp"`
	EncapGRE   uint64 `json:"encap_mpls_in_gre"`
	DecapUDP   uint64 `json:"decap_mpls_in_udp"`
	DecapGRE   uint64 `json:"decap_mpls_in_gre"`
	EncapDrops uint64 `json:"encap_drops"`
}
