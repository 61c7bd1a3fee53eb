package neutron

import (
	"context"
	"database/sql"
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
	PortSecurity    *bool   `json:"port_security_enabled"` // nil: true
	DNSDomain       string  `json:"dns_domain"`            // dns-integration (dns.go)
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
	ServiceTypes    []string    `json:"service_types"` // subnet-service-types (servicetypes.go)
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
	// SecurityGroups are the ids of the port's groups; PortSecurity is
	// port_security_enabled (nil: true, as for ports stored before it).
	SecurityGroups []string `json:"security_groups"`
	PortSecurity   *bool    `json:"port_security_enabled"`
	PortAttrs               // allowed address pairs, extra DHCP options, binding (portattrs.go)
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
	DNSName           string  `json:"dns_name"`   // dns-integration (dns.go)
	DNSDomain         string  `json:"dns_domain"` // dns-integration
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

// cloneResource is a deep copy of r. The resources with a case of their
// own are copied field by field (TestCloneResource checks that nothing is
// left shared); any other goes through deepCopy.
func cloneResource(r resource) resource {
	switch x := r.(type) {
	case *Port:
		c := *x
		c.Common = x.Common.clone()
		c.FixedIPs = slices.Clone(x.FixedIPs)
		c.SecurityGroups = slices.Clone(x.SecurityGroups)
		c.PortSecurity = clonePtr(x.PortSecurity)
		c.PortAttrs = x.PortAttrs.clone()
		return &c
	case *Network:
		c := *x
		c.Common = x.Common.clone()
		c.PhysicalNetwork = clonePtr(x.PhysicalNetwork)
		c.SegmentationID = clonePtr(x.SegmentationID)
		c.PortSecurity = clonePtr(x.PortSecurity)
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
		c.ServiceTypes = slices.Clone(x.ServiceTypes)
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
	case kindSecurityGroup:
		return &SecurityGroup{}
	case kindSecurityGroupRule:
		return &SecurityGroupRule{}
	case kindAddressGroup:
		return &AddressGroup{}
	case kindBGPVPN:
		return &BGPVPN{}
	case kindBGPVPNNetAssoc:
		return &BGPVPNNetworkAssociation{}
	case kindBGPVPNRouterAssoc:
		return &BGPVPNRouterAssociation{}
	case kindBGPVPNPortAssoc:
		return &BGPVPNPortAssociation{}
	case kindInterconnection:
		return &Interconnection{}
	case kindInterconnectionNotice:
		return &interconnectionNotice{}
	}
	return nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
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
