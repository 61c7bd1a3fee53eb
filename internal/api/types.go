// Package api is the lab daemon's local REST API (/api/v1), served on
// 127.0.0.1, and the client every CLI command uses to talk to it.
package api

import (
	"net/netip"
	"time"
)

// DefaultAddr is where the daemon listens unless --api or INTERCLOUD_API
// says otherwise. 4950 is the RFC that puts label stacks in ICMP.
const DefaultAddr = "127.0.0.1:4950"

// EnvAddr names the environment variable that overrides DefaultAddr.
const EnvAddr = "INTERCLOUD_API"

// Error is the body of every non-2xx answer.
type Error struct {
	Error string `json:"error"`
}

// Status describes the running lab.
type Status struct {
	Topology    string        `json:"topology"`
	Source      string        `json:"source"`
	PID         int           `json:"pid"`
	API         string        `json:"api"`
	Started     time.Time     `json:"started"`
	Uptime      time.Duration `json:"uptime_ns"`
	Routers     int           `json:"routers"`
	Links       int           `json:"links"`
	LinksUp     int           `json:"links_up"`
	Adjacencies int           `json:"adjacencies"` // IGP adjacencies in state Full, counted once per link
	LDPSessions int           `json:"ldp_sessions"`
	LSPs        int           `json:"lsps"` // LFIB entries over all routers
	// BGPSessions counts BGP sessions whose ends route to each other;
	// BGPEstablished, those of them Established.
	BGPSessions    int           `json:"bgp_sessions"`
	BGPEstablished int           `json:"bgp_established"`
	Ready          bool          `json:"ready"`
	ReadyAfter     time.Duration `json:"ready_after_ns,omitempty"`
	// OpenStack is set when the daemon serves its clouds' APIs.
	OpenStack *OpenStack `json:"openstack,omitempty"`
}

// LinkChange is the body of PUT /api/v1/links/{a}/{b}.
type LinkChange struct {
	Up *bool `json:"up,omitempty"`
	// Impairment, when set, replaces the link's impairment both ways.
	Impairment *Impairment `json:"impairment,omitempty"`
}

// RestartBGP is the answer to POST /api/v1/nodes/{node}/restart-bgp.
type RestartBGP struct {
	Node string `json:"node"`
	// Speakers restarted: "global" and "vrf NAME" per VRF on a PE.
	Speakers []string `json:"speakers"`
	// Peers is how many BGP sessions the node has: each peer keeps the
	// node's routes as stale until the node's End-of-RIB.
	Peers int `json:"peers"`
	// RestartTime is the longest the peers keep them (RFC 4724).
	RestartTime time.Duration `json:"restart_time_ns"`
}

// PingRequest is the body of POST /api/v1/ping.
type PingRequest struct {
	Src      string        `json:"src"` // node name or address
	Dst      string        `json:"dst"` // node name or address
	VRF      string        `json:"vrf,omitempty"`
	Count    int           `json:"count,omitempty"`
	Interval time.Duration `json:"interval_ns,omitempty"`
	TTL      int           `json:"ttl,omitempty"`
	Size     int           `json:"size,omitempty"`
	Timeout  time.Duration `json:"timeout_ns,omitempty"`
}

// TraceRequest is the body of POST /api/v1/trace.
type TraceRequest struct {
	Src     string        `json:"src"`
	Dst     string        `json:"dst"`
	VRF     string        `json:"vrf,omitempty"`
	MaxHops int           `json:"max_hops,omitempty"`
	Probes  int           `json:"probes,omitempty"`
	Timeout time.Duration `json:"timeout_ns,omitempty"`
}

// PingResponse is the answer to POST /api/v1/ping.
type PingResponse struct {
	PingResult
	Names map[netip.Addr]string `json:"names"` // node owning each address in the result
}

// TraceResponse is the answer to POST /api/v1/trace.
type TraceResponse struct {
	TraceResult
	Names map[netip.Addr]string `json:"names"`
}

// OpenStack describes the OpenStack APIs the daemon serves for the lab's
// clouds: one Keystone, in which each cloud is a region with its own
// Neutron. It is the answer of GET /api/v1/openstack and part of Status.
type OpenStack struct {
	// AuthURL is Keystone's v3 root, OS_AUTH_URL.
	AuthURL string `json:"auth_url"`
	// Domain holds every seeded user and project (OS_USER_DOMAIN_NAME,
	// OS_PROJECT_DOMAIN_NAME).
	Domain string `json:"domain"`
	// Password is every seeded user's password.
	Password     string `json:"password"`
	AdminUser    string `json:"admin_user"`
	AdminProject string `json:"admin_project"`
	// AdminProjectID and the regions' ProjectID are OS_PROJECT_ID, by
	// which gophercloud and Terraform scope.
	AdminProjectID string `json:"admin_project_id,omitempty"`
	// Regions are the clouds, in the topology's order.
	Regions []OpenStackRegion `json:"regions"`
}

// OpenStackRegion is one cloud as a Keystone region.
type OpenStackRegion struct {
	Name       string `json:"name"`        // the cloud's name, OS_REGION_NAME
	NetworkURL string `json:"network_url"` // the cloud's Neutron endpoint
	User       string `json:"user"`        // the cloud's demo user...
	Project    string `json:"project"`     // ...member of its demo project
	ProjectID  string `json:"project_id,omitempty"`
}

// Region returns the region named name.
func (o *OpenStack) Region(name string) (OpenStackRegion, bool) {
	for _, r := range o.Regions {
		if r.Name == name {
			return r, true
		}
	}
	return OpenStackRegion{}, false
}

// CloudSummary is one cloud's OpenStack resources as GET /api/v1/clouds
// answers them: what a person looking at the lab wants to see of it, not
// the APIs' whole records (the openstack CLI shows those).
type CloudSummary struct {
	Name     string         `json:"name"`
	Projects []CloudProject `json:"projects"`
	Networks []CloudNetwork `json:"networks"`
	Routers  []CloudRouter  `json:"routers"`
	Servers  []CloudServer  `json:"servers"`
	Speakers []CloudSpeaker `json:"bgp_speakers"`
	BGPVPNs  []CloudBGPVPN  `json:"bgpvpns"`
}

// CloudBGPVPN is a networking-bgpvpn BGPVPN and what is associated
// with it (networks and routers by name, ports by their addresses).
type CloudBGPVPN struct {
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	Project             string   `json:"project_id"`
	Type                string   `json:"type"`
	RouteTargets        []string `json:"route_targets,omitempty"`
	ImportTargets       []string `json:"import_targets,omitempty"`
	ExportTargets       []string `json:"export_targets,omitempty"`
	RouteDistinguishers []string `json:"route_distinguishers,omitempty"`
	Networks            []string `json:"networks,omitempty"`
	Routers             []string `json:"routers,omitempty"`
	Ports               []string `json:"ports,omitempty"`
}

// CloudProject is a project owning some of a cloud's resources.
type CloudProject struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"` // when it is one of the seeded projects
}

// CloudNetwork is a Neutron network with its subnets' CIDRs.
type CloudNetwork struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Project  string   `json:"project_id"`
	External bool     `json:"external,omitempty"`
	Subnets  []string `json:"subnets"`
}

// CloudRouter is a Neutron router: its gateway's addresses and the
// subnets it has interfaces on.
type CloudRouter struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Project    string   `json:"project_id"`
	Gateway    []string `json:"gateway,omitempty"`
	Interfaces []string `json:"interfaces,omitempty"` // fixed addresses of its interface ports
}

// CloudServer is a Nova server: where it runs and its ports' addresses.
type CloudServer struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Project   string   `json:"project_id"`
	Host      string   `json:"host"`
	Addresses []string `json:"addresses,omitempty"`
}

// CloudSpeaker is a neutron-dynamic-routing BGP speaker.
type CloudSpeaker struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	LocalAS    int64    `json:"local_as"`
	Peers      []string `json:"peers,omitempty"`      // "ADDRESS AS N"
	Advertised []string `json:"advertised,omitempty"` // "PREFIX via NEXTHOP"
	Agents     []string `json:"agents,omitempty"`     // hosts of the agents running it
}
