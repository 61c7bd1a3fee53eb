package neutron

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// Kinds of resource, as stored.
const (
	kindNetwork      = "network"
	kindSubnet       = "subnet"
	kindPort         = "port"
	kindRouter       = "router"
	kindFloatingIP   = "floatingip"
	kindSubnetPool   = "subnetpool"
	kindAddressScope = "address_scope"
	kindBGPSpeaker   = "bgp_speaker"
	kindBGPPeer      = "bgp_peer"
	kindAgent        = "agent"
)

// Device owners Neutron gives the ports it makes itself.
const (
	ownerRouterInterface = "network:router_interface"
	ownerRouterGateway   = "network:router_gateway"
	ownerFloatingIP      = "network:floatingip"
)

// Common holds the attributes every Neutron resource with standard
// attributes has. Its JSON is the wire format (tenant_id is added on
// output).
type Common struct {
	ID             string   `json:"id"`
	ProjectID      string   `json:"project_id"`
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
	RevisionNumber int      `json:"revision_number"`
	Tags           []string `json:"tags"`
}

func (c *Common) base() *Common { return c }

// Network is a Neutron network.
type Network struct {
	Common
	AdminStateUp    bool    `json:"admin_state_up"`
	Status          string  `json:"status"`
	Shared          bool    `json:"shared"`
	External        bool    `json:"router:external"`
	MTU             int     `json:"mtu"`
	NetworkType     string  `json:"provider:network_type"`
	PhysicalNetwork *string `json:"provider:physical_network"`
	SegmentationID  *int    `json:"provider:segmentation_id"`
}

// Subnet is an IPv4 subnet of a network.
type Subnet struct {
	Common
	NetworkID       string      `json:"network_id"`
	IPVersion       int         `json:"ip_version"`
	CIDR            string      `json:"cidr"`
	GatewayIP       *string     `json:"gateway_ip"`
	AllocationPools []Pool      `json:"allocation_pools"`
	DNSNameservers  []string    `json:"dns_nameservers"`
	HostRoutes      []HostRoute `json:"host_routes"`
	EnableDHCP      bool        `json:"enable_dhcp"`
	SubnetPoolID    *string     `json:"subnetpool_id"`
	IPv6RAMode      *string     `json:"ipv6_ra_mode"`
	IPv6AddressMode *string     `json:"ipv6_address_mode"`
}

// Pool is an allocation pool: an inclusive range of addresses.
type Pool struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// HostRoute is a subnet's host route or a router's extra route.
type HostRoute struct {
	Destination string `json:"destination"`
	Nexthop     string `json:"nexthop"`
}

// Port is a port on a network.
type Port struct {
	Common
	NetworkID    string    `json:"network_id"`
	AdminStateUp bool      `json:"admin_state_up"`
	Status       string    `json:"status"`
	MACAddress   string    `json:"mac_address"`
	FixedIPs     []FixedIP `json:"fixed_ips"`
	DeviceID     string    `json:"device_id"`
	DeviceOwner  string    `json:"device_owner"`
}

// FixedIP is an address of a port on one subnet.
type FixedIP struct {
	SubnetID  string `json:"subnet_id"`
	IPAddress string `json:"ip_address"`
}

// Router is a Neutron router.
type Router struct {
	Common
	AdminStateUp bool         `json:"admin_state_up"`
	Status       string       `json:"status"`
	GatewayInfo  *GatewayInfo `json:"external_gateway_info"`
	Routes       []HostRoute  `json:"routes"`
}

// GatewayInfo is a router's external gateway. ExternalFixedIPs are the
// gateway port's addresses.
type GatewayInfo struct {
	NetworkID        string    `json:"network_id"`
	EnableSNAT       bool      `json:"enable_snat"`
	ExternalFixedIPs []FixedIP `json:"external_fixed_ips"`
}

// FloatingIP is a floating IP on an external network, with its
// association to a port's fixed IP when it has one.
type FloatingIP struct {
	Common
	FloatingNetworkID string  `json:"floating_network_id"`
	FloatingIPAddress string  `json:"floating_ip_address"`
	RouterID          *string `json:"router_id"`
	PortID            *string `json:"port_id"`
	FixedIPAddress    *string `json:"fixed_ip_address"`
	Status            string  `json:"status"`
}

// SubnetPool is a pool of prefixes subnets are allocated from.
type SubnetPool struct {
	Common
	Prefixes         []string `json:"prefixes"`
	IPVersion        int      `json:"ip_version"`
	DefaultPrefixlen int      `json:"default_prefixlen"`
	MinPrefixlen     int      `json:"min_prefixlen"`
	MaxPrefixlen     int      `json:"max_prefixlen"`
	Shared           bool     `json:"shared"`
	IsDefault        bool     `json:"is_default"`
	AddressScopeID   *string  `json:"address_scope_id"`
	DefaultQuota     *int     `json:"default_quota"`
}

// AddressScope is an address scope. Neutron gives address scopes no
// standard attributes; the view drops those of Common.
type AddressScope struct {
	Common
	Shared    bool `json:"shared"`
	IPVersion int  `json:"ip_version"`
}

// BGPSpeaker is a neutron-dynamic-routing BGP speaker: a local AS that
// advertises the routes of its gateway networks (Networks) to its peers
// (Peers, BGPPeer ids). Like address scopes it has no standard
// attributes; the view drops those of Common.
type BGPSpeaker struct {
	Common
	LocalAS                       int64    `json:"local_as"`
	IPVersion                     int      `json:"ip_version"`
	AdvertiseFloatingIPHostRoutes bool     `json:"advertise_floating_ip_host_routes"`
	AdvertiseTenantNetworks       bool     `json:"advertise_tenant_networks"`
	Peers                         []string `json:"peers"`
	Networks                      []string `json:"networks"`
}

// BGPPeer is a BGP neighbour speakers may peer with. Password (for
// auth_type md5) is stored but never shown by the API.
type BGPPeer struct {
	Common
	PeerIP   string  `json:"peer_ip"`
	RemoteAS int64   `json:"remote_as"`
	AuthType string  `json:"auth_type"`
	Password *string `json:"password"`
}

// Agent is a Neutron agent; this Neutron has BGP dynamic routing agents
// (neutron-bgp-dragent), one per configured host. BGPSpeakers are the
// speakers it hosts (the bgp_speaker_dragent_bindings), which the API
// shows through bgp-drinstances, not as an attribute.
type Agent struct {
	Common
	AgentType    string   `json:"agent_type"`
	Binary       string   `json:"binary"`
	Topic        string   `json:"topic"`
	Host         string   `json:"host"`
	AdminStateUp bool     `json:"admin_state_up"`
	Desc         *string  `json:"description"`
	StartedAt    string   `json:"started_at"`
	BGPSpeakers  []string `json:"bgp_speakers"`
}

type resource interface{ base() *Common }

// state is one region's resources, read in a transaction, changed by
// one request and written back when it succeeds.
//
// A state the Service caches (see Service.read) is shared by concurrent
// readers and never changed: a request that changes anything works on a
// clone.
type state struct {
	region  string
	rev     int64 // the region's revision this state is (neutron_revisions)
	items   map[string]resource
	kinds   map[string]string     // id -> kind
	order   []string              // ids in creation order
	byKind  map[string][]resource // kind -> resources in creation order
	seq     map[string]int64
	next    int64
	dirty   map[string]bool
	removed map[string]string // id -> kind
}

func newState(region string) *state {
	return &state{region: region, items: map[string]resource{}, kinds: map[string]string{},
		byKind: map[string][]resource{}, seq: map[string]int64{}, next: 1, dirty: map[string]bool{}, removed: map[string]string{}}
}

// clone is a deep copy of s, for a request to change without touching
// s, which readers may share.
func (s *state) clone() *state {
	c := &state{region: s.region, rev: s.rev, next: s.next,
		items:   maps.Clone(s.items),
		kinds:   maps.Clone(s.kinds),
		order:   slices.Clone(s.order),
		byKind:  make(map[string][]resource, len(s.byKind)),
		seq:     maps.Clone(s.seq),
		dirty:   maps.Clone(s.dirty),
		removed: maps.Clone(s.removed),
	}
	for k, rs := range s.byKind {
		cs := make([]resource, len(rs))
		for i, r := range rs {
			cs[i] = cloneResource(r)
			c.items[r.base().ID] = cs[i]
		}
		c.byKind[k] = cs
	}
	return c
}

// cloneResource is a deep copy of r. The resources with a case of their
// own are copied field by field (TestCloneResource checks that nothing is
// left shared); any other goes through deepCopy.
func cloneResource(r resource) resource {
	switch x := r.(type) {
	case *Port:
		c := *x
		c.Common = x.Common.clone()
		c.FixedIPs = slices.Clone(x.FixedIPs)
		return &c
	case *Network:
		c := *x
		c.Common = x.Common.clone()
		c.PhysicalNetwork = clonePtr(x.PhysicalNetwork)
		c.SegmentationID = clonePtr(x.SegmentationID)
		return &c
	case *Subnet:
		c := *x
		c.Common = x.Common.clone()
		c.GatewayIP = clonePtr(x.GatewayIP)
		c.AllocationPools = slices.Clone(x.AllocationPools)
		c.DNSNameservers = slices.Clone(x.DNSNameservers)
		c.HostRoutes = slices.Clone(x.HostRoutes)
		c.SubnetPoolID = clonePtr(x.SubnetPoolID)
		c.IPv6RAMode = clonePtr(x.IPv6RAMode)
		c.IPv6AddressMode = clonePtr(x.IPv6AddressMode)
		return &c
	case *FloatingIP:
		c := *x
		c.Common = x.Common.clone()
		c.RouterID = clonePtr(x.RouterID)
		c.PortID = clonePtr(x.PortID)
		c.FixedIPAddress = clonePtr(x.FixedIPAddress)
		return &c
	}
	return deepCopy(reflect.ValueOf(r)).Interface().(resource)
}

func (c Common) clone() Common {
	c.Tags = slices.Clone(c.Tags)
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// deepCopy copies v with everything it points to (the resources are
// plain structs of strings, numbers, booleans, pointers and slices).
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(deepCopy(v.Elem()))
		return c
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		for i := range v.NumField() {
			switch v.Field(i).Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Struct, reflect.Map, reflect.Interface:
				c.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(deepCopy(v.Index(i)))
		}
		return c
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			c.SetMapIndex(it.Key(), deepCopy(it.Value()))
		}
		return c
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type()).Elem()
		c.Set(deepCopy(v.Elem()))
		return c
	}
	return v
}

func newOfKind(kind string) resource {
	switch kind {
	case kindNetwork:
		return &Network{}
	case kindSubnet:
		return &Subnet{}
	case kindPort:
		return &Port{}
	case kindRouter:
		return &Router{}
	case kindFloatingIP:
		return &FloatingIP{}
	case kindSubnetPool:
		return &SubnetPool{}
	case kindAddressScope:
		return &AddressScope{}
	case kindBGPSpeaker:
		return &BGPSpeaker{}
	case kindBGPPeer:
		return &BGPPeer{}
	case kindAgent:
		return &Agent{}
	}
	return nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readRevision is region's revision: the number of transactions that
// changed its resources (0 before the first).
func readRevision(ctx context.Context, q querier, region string) (int64, error) {
	var rev int64
	err := q.QueryRowContext(ctx, `SELECT revision FROM neutron_revisions WHERE region = ?`, region).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("neutron: read revision: %w", err)
	}
	return rev, nil
}

// loadState reads every resource of region.
func loadState(ctx context.Context, q querier, region string) (*state, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, id, seq, body FROM neutron_resources WHERE region = ? ORDER BY seq`, region)
	if err != nil {
		return nil, fmt.Errorf("neutron: read state: %w", err)
	}
	defer rows.Close()
	s := newState(region)
	for rows.Next() {
		var kind, id, body string
		var seq int64
		if err := rows.Scan(&kind, &id, &seq, &body); err != nil {
			return nil, fmt.Errorf("neutron: read state: %w", err)
		}
		r := newOfKind(kind)
		if r == nil {
			return nil, fmt.Errorf("neutron: read state: unknown kind %q of %s", kind, id)
		}
		if err := json.Unmarshal([]byte(body), r); err != nil {
			return nil, fmt.Errorf("neutron: read %s %s: %w", kind, id, err)
		}
		s.items[id], s.kinds[id], s.seq[id] = r, kind, seq
		s.order = append(s.order, id)
		s.byKind[kind] = append(s.byKind[kind], r)
		s.next = max(s.next, seq+1)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("neutron: read state: %w", err)
	}
	return s, nil
}

// save writes what changed and, when something did, bumps the region's
// revision (s.rev becomes the new one).
func (s *state) save(ctx context.Context, tx *sql.Tx) error {
	if !s.changed() {
		return nil
	}
	rev, err := readRevision(ctx, tx, s.region)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO neutron_revisions (region, revision) VALUES (?, ?)
		ON CONFLICT (region) DO UPDATE SET revision = excluded.revision`, s.region, rev+1); err != nil {
		return fmt.Errorf("neutron: write revision: %w", err)
	}
	s.rev = rev + 1
	for id, kind := range s.removed {
		if _, err := tx.ExecContext(ctx, `DELETE FROM neutron_resources WHERE region = ? AND kind = ? AND id = ?`, s.region, kind, id); err != nil {
			return fmt.Errorf("neutron: delete %s %s: %w", kind, id, err)
		}
	}
	for _, id := range s.order {
		if !s.dirty[id] {
			continue
		}
		r, ok := s.items[id]
		if !ok {
			continue
		}
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("neutron: encode %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO neutron_resources (region, kind, id, seq, project_id, body) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (region, kind, id) DO UPDATE SET body = excluded.body, project_id = excluded.project_id`,
			s.region, s.kinds[id], id, s.seq[id], r.base().ProjectID, string(b)); err != nil {
			return fmt.Errorf("neutron: write %s %s: %w", s.kinds[id], id, err)
		}
	}
	return nil
}

func (s *state) changed() bool { return len(s.dirty) > 0 || len(s.removed) > 0 }

// add stores a new resource.
func (s *state) add(kind string, r resource) {
	id := r.base().ID
	s.items[id], s.kinds[id], s.seq[id] = r, kind, s.next
	s.next++
	s.order = append(s.order, id)
	s.byKind[kind] = append(s.byKind[kind], r)
	s.dirty[id] = true
	delete(s.removed, id)
}

// touch marks r as changed, bumping its revision and update time.
func (s *state) touch(r resource, now string) {
	c := r.base()
	c.RevisionNumber++
	c.UpdatedAt = now
	s.dirty[c.ID] = true
}

func (s *state) remove(id string) {
	if kind, ok := s.kinds[id]; ok {
		s.removed[id] = kind
		s.byKind[kind] = slices.DeleteFunc(s.byKind[kind], func(x resource) bool { return x.base().ID == id })
	}
	delete(s.items, id)
	delete(s.kinds, id)
	delete(s.dirty, id)
	s.order = slices.DeleteFunc(s.order, func(x string) bool { return x == id })
}

// all returns the resources of kind in creation order.
func all[T resource](s *state, kind string) []T {
	rs := s.byKind[kind]
	if len(rs) == 0 {
		return nil
	}
	out := make([]T, len(rs))
	for i, r := range rs {
		out[i] = r.(T)
	}
	return out
}

func get[T resource](s *state, id string) T {
	t, _ := s.items[id].(T)
	return t
}

func (s *state) network(id string) *Network           { return get[*Network](s, id) }
func (s *state) subnet(id string) *Subnet             { return get[*Subnet](s, id) }
func (s *state) port(id string) *Port                 { return get[*Port](s, id) }
func (s *state) router(id string) *Router             { return get[*Router](s, id) }
func (s *state) floatingIP(id string) *FloatingIP     { return get[*FloatingIP](s, id) }
func (s *state) subnetPool(id string) *SubnetPool     { return get[*SubnetPool](s, id) }
func (s *state) addressScope(id string) *AddressScope { return get[*AddressScope](s, id) }
func (s *state) bgpSpeaker(id string) *BGPSpeaker     { return get[*BGPSpeaker](s, id) }
func (s *state) bgpPeer(id string) *BGPPeer           { return get[*BGPPeer](s, id) }
func (s *state) agent(id string) *Agent               { return get[*Agent](s, id) }

func (s *state) networks() []*Network           { return all[*Network](s, kindNetwork) }
func (s *state) subnets() []*Subnet             { return all[*Subnet](s, kindSubnet) }
func (s *state) ports() []*Port                 { return all[*Port](s, kindPort) }
func (s *state) routers() []*Router             { return all[*Router](s, kindRouter) }
func (s *state) floatingIPs() []*FloatingIP     { return all[*FloatingIP](s, kindFloatingIP) }
func (s *state) subnetPools() []*SubnetPool     { return all[*SubnetPool](s, kindSubnetPool) }
func (s *state) addressScopes() []*AddressScope { return all[*AddressScope](s, kindAddressScope) }
func (s *state) bgpSpeakers() []*BGPSpeaker     { return all[*BGPSpeaker](s, kindBGPSpeaker) }
func (s *state) bgpPeers() []*BGPPeer           { return all[*BGPPeer](s, kindBGPPeer) }
func (s *state) agents() []*Agent               { return all[*Agent](s, kindAgent) }

// mark records that r changed without bumping its revision (resources
// without standard attributes, or a change Neutron does not count).
func (s *state) mark(r resource) { s.dirty[r.base().ID] = true }

// subnetsOf lists a network's subnets in creation order.
func (s *state) subnetsOf(networkID string) []*Subnet {
	var out []*Subnet
	for _, sn := range s.subnets() {
		if sn.NetworkID == networkID {
			out = append(out, sn)
		}
	}
	return out
}

// portsOf lists a network's ports.
func (s *state) portsOf(networkID string) []*Port {
	var out []*Port
	for _, p := range s.ports() {
		if p.NetworkID == networkID {
			out = append(out, p)
		}
	}
	return out
}

// routerPorts lists the ports a router owns (interfaces and gateway).
func (s *state) routerPorts(routerID string) []*Port {
	var out []*Port
	for _, p := range s.ports() {
		if p.DeviceID == routerID && (p.DeviceOwner == ownerRouterInterface || p.DeviceOwner == ownerRouterGateway) {
			out = append(out, p)
		}
	}
	return out
}
