package topology

import (
	"net/netip"
	"time"
)

// spec is a topology file as written, before resolution: pins are set, the
// rest is zero. Every item remembers where its keys were so that later
// checks can point at the exact line and column.
type spec struct {
	Name     string
	Defaults defaultsSpec
	Pools    poolsSpec
	Nodes    []*nodeSpec
	Links    []*linkSpec
	Clouds   []*cloudSpec
	VPNs     []*vpnSpec
	Checks   []*Check // validate:, run by intercloud validate --live
	// SRPolicies is the sr-policies: block, per headend in file order.
	SRPolicies []*srPolicySpec
	// Areas is the areas: block, in file order.
	Areas []*areaSpec
	at
}

// at records the position of an item and of each of its keys' values.
type at struct {
	pos  Pos
	keys map[string]Pos
}

// where returns where key's value is, or the item's own position when the key
// was not written.
func (a *at) where(key string) Pos {
	if p, ok := a.keys[key]; ok {
		return p
	}
	return a.pos
}

func (a *at) has(key string) bool { _, ok := a.keys[key]; return ok }

func (a *at) set(key string, p Pos) {
	if a.keys == nil {
		a.keys = map[string]Pos{}
	}
	a.keys[key] = p
}

type defaultsSpec struct {
	ASN       uint32
	LabelMode LabelMode
	Cost      int
	Area      Area
	Latency   time.Duration
	Jitter    time.Duration
	Loss      float64
	Rate      uint64
	MTU       int
	Computes  int
	FRR       *bool // fast reroute lab-wide; on when unset
	// PrefixSuppression: core nodes leave their transit links' subnets
	// out of the IGP (RFC 6860); off when unset.
	PrefixSuppression *bool
	// InitialNetworks: clouds get DevStack's initial networks; on when unset.
	InitialNetworks *bool
	at
}

type poolsSpec struct {
	Loopbacks   netip.Prefix
	Links       netip.Prefix
	Clouds      netip.Prefix
	CloudPrefix int
	ASNs        ASNRange
	RT          NumRange
	at
}

type nodeSpec struct {
	Name      string
	Role      Role
	Loopback  netip.Prefix
	ASN       uint32
	RouterID  netip.Addr
	Area      *Area
	LabelMode LabelMode
	SRIndex   *int
	RR        bool
	ClusterID netip.Addr
	Statics   []staticSpec
	FRR       *bool // fast reroute on this node, over the default
	// PrefixSuppression on this node, over the default.
	PrefixSuppression *bool
	// External peers only (role external).
	Address netip.AddrPort
	Plays   Role
	Attach  string
	VPN     string
	// implicit is true for a node that only appears in links.
	implicit bool
	at
}

type staticSpec struct {
	Prefix  netip.Prefix
	NextHop netip.Addr
	VRF     string
	at
}

type endpointSpec struct {
	Node      string
	Interface string
	Addr      netip.Prefix
	pos       Pos
}

type linkSpec struct {
	A, B    endpointSpec
	Subnet  netip.Prefix
	Cost    int
	Area    *Area
	Latency *time.Duration
	Jitter  *time.Duration
	Loss    *float64
	Rate    *uint64
	MTU     int
	Down    bool
	// Affinity names the link's admin groups (SR-TE excludes by them).
	Affinity    []string
	AffinityPos []Pos
	// short is the text of a short-form link ("p1-p2"), split once the
	// node names are known.
	short string
	at
}

type cloudSpec struct {
	Name        string
	Attach      string
	Join        []JoinMode
	ComputeN    int
	ComputeList []string
	Prefix      netip.Prefix
	ASN         uint32
	VPN         string
	// InitialNetworks overrides defaults.initial_networks for the cloud.
	InitialNetworks *bool
	// Loopbacks is the block the cloud's node, then its compute nodes (by
	// name) and an sdn cloud's control node take their loopbacks from, in
	// that order, in place of the loopback pool: what lets an area's range
	// cover the hosts behind its PEs.
	Loopbacks netip.Prefix
	at
}

type vpnSpec struct {
	Name     string
	Sites    []string
	SitesPos []Pos
	PEs      []string
	PEsPos   []Pos
	Import   []string
	Export   []string
	Labels   LabelAllocation
	Color    uint32 // the Color extended community exported routes carry
	at
}
