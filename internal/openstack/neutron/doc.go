// Package neutron is intercloud's Neutron: the OpenStack Networking API
// v2.0 of one cloud, with Neutron's semantics and wire format, as the
// openstack CLI, gophercloud and Terraform speak it.
//
// # One Neutron per cloud, one database
//
// The lab runs a Service per cloud (a Keystone region) and mounts its
// Handler at ADDR/cloud/CLOUD/network/ (internal/cloudapi), which is the
// network endpoint Keystone's catalog lists for the region. Every region keeps its resources in the
// same store, in one table, neutron_resources, keyed by (region, kind, id):
// a region column rather than per-region tables, so a region needs no
// migration of its own, a new cloud is a new value, and a region's state
// is one indexed range of rows. Each row's body is the resource in
// Neutron's wire format (JSON); seq keeps creation order, which is the
// order lists have when no sort is asked for.
//
// A request that changes anything runs in one store transaction (begun
// IMMEDIATE, so such requests are serialized): it reads the region's
// resources, checks and applies the change, writes what changed and
// commits before the API answers. A refused request writes nothing.
// Reads see the last committed state. The Service keeps that state
// decoded between requests: each region has a revision
// (neutron_revisions) bumped in every transaction that changes it, and a
// request uses the kept state only when its revision is the store's, so
// a change committed by another Service or process on the same store is
// seen as soon as it is committed. A change works on a copy, which is
// kept once committed. Config.OnChange is called after
// each committed change; Service.Snapshot returns the region's resources
// for the lab to turn into data-plane state.
//
// # What is implemented
//
// Networks (self-service VXLAN networks with a VNI allocated per region;
// admin-made flat and VLAN provider networks on configured physnets, also
// through multi-provider's one-segment "segments"; router:external;
// shared; mtu), subnets (IPv4 only: gateway and allocation pools by
// default or given and validated, DNS servers, host routes, overlap
// refused per network, allocation from subnet pools), subnet pools and
// address scopes, ports (fixed IPs allocated lowest-first from the pools
// or requested, MAC addresses fa:16:3e:xx:xx:xx), routers (external
// gateway with SNAT, interfaces by subnet or port, extra routes whose next
// hop must be on a connected subnet) and floating IPs (allocated on the
// external network, associated through a router that connects the port's
// subnet to that network), and neutron-dynamic-routing (below). GET
// /v2.0/extensions lists exactly these behaviours by Neutron's aliases:
// each feature's file registers its own (extensions.go).
//
// # Revisions, tags and atomic edits
//
// Every change to a resource with standard attributes bumps its
// revision_number; an update or delete with "If-Match:
// revision_number=N" applies only at revision N, else 412
// RevisionNumberConstraintFailed (ifmatch.go). Networks, subnets, ports,
// routers, floating IPs, subnet pools and security groups take tags
// through /v2.0/{collection}/{id}/tags, and lists filter on tags,
// tags-any, not-tags and not-tags-any (tags.go). A router's extra routes
// change as sets with add_extraroutes and remove_extraroutes
// (extraroutes.go), a pool's prefixes with add_prefixes and
// remove_prefixes, kept compacted as Neutron keeps them (prefixops.go,
// prefixset.go); a gateway update naming the gateway's own subnets and
// addresses changes nothing (routergateway.go).
//
// # Dynamic routing (bgp.go, agents.go)
//
// neutron-dynamic-routing's API ("bgp", "bgp_4byte_asn",
// "bgp_dragent_scheduler"): BGP speakers (local_as 1..4294967295, given as
// a number or, as the openstack CLI sends it, a string of digits; IPv4
// only) with their peers (add_bgp_peer, remove_bgp_peer; one peer per
// address) and gateway networks (add_gateway_network,
// remove_gateway_network), BGP peers (auth_type none or md5 with a
// password, which is stored but never shown), and the routes a speaker
// advertises (get_advertised_routes): for each gateway network, the
// floating IPs associated through a router with a gateway on it (FIP/32
// via the router's gateway address) and the subnets behind such routers
// whose subnet pool is in the address scope of the gateway network's
// subnets (the subnet's cidr via the gateway address). Agents
// (/v2.0/agents) are the region's BGP dynamic routing agents, one per
// Config.DRAgentHosts (REGION-network by default), registered at start;
// as neutron-dynamic-routing's scheduler does, a new speaker is hosted by
// an enabled agent that hosts none (an agent hosts one speaker), and
// bgp-drinstances move speakers between agents. All of it is admin-only,
// as its default policy is. Snapshot returns the speakers with their
// peers, routes and agents resolved, for the lab to run the BGP sessions.
//
// # BGP VPNs (bgpvpn.go)
//
// networking-bgpvpn's API ("bgpvpn", "bgpvpn-routes-control",
// "bgpvpn-vni") under /v2.0/bgpvpn/bgpvpns: BGPVPNs of type l3 or l2
// with route targets (import, export) and route distinguishers in the
// three forms of RFC 4364 (ASN:NN with a 2-byte ASN and 32-bit number,
// A.B.C.D:NN and 4-byte-ASN:NN, as its regex checks them), local_pref and
// a VNI; and as sub-resources their network, router
// (advertise_extra_routes) and port associations (routes of type prefix
// or bgpvpn, advertise_fixed_ips), with the service plugin's checks and
// the database's cascades (deleting a network, router or port drops its
// associations). Its default policy: only an admin creates or deletes a
// BGPVPN and sees or sets its RTs, RDs and VNI; the owning
// project sees the rest, renames it and associates its own resources.
// Snapshot lists them for the lab.
//
// Every collection takes Neutron's list parameters: attribute filters
// (a repeated key is OR; unknown keys refused as filter-validation does),
// fields, sort_key/sort_dir, limit/marker/page_reverse with the
// <collection>_links Neutron returns. Bodies carry both tenant_id and
// project_id. Bulk create (a list under the collection name) is all or
// nothing.
//
// # Quotas and limits (quotas.go, limits.go)
//
// Neutron's per-project quotas ("quotas", "quota_details",
// "quota-check-limit") with its defaults, kept per region in
// neutron_quotas: a create beyond the limit is 409 OverQuota and writes
// nothing; admins set limits, a member reads its own. A subnet pool's
// default_quota bounds each project's addresses from it. Neutron's list
// limits (fixed IPs, DNS servers, host routes, extra routes) and its
// 114688-byte request body limit hold too.
//
// # Authorization
//
// Tokens are checked by a TokenValidator (*keystone.Service), answering
// keystonemiddleware's 401 when missing or invalid. Neutron's default
// policy is reduced to admin versus member: an admin (a token with the
// admin role) sees and changes everything and may create for another
// project; a member sees its project's resources plus shared and external
// networks (and their subnets) and shared pools and scopes, never another
// project's (404 with the resource's NotFound error, as Neutron answers),
// may not set admin-only attributes (provider:*, shared, router:external,
// enable_snat, external_fixed_ips, floating_ip_address: 403
// PolicyNotAuthorized), and may not change what it can see but does not
// own (403).
//
// # Errors
//
// Refusals are Neutron's: the status code and
// {"NeutronError": {"type", "message", "detail"}} with the exception
// class name and message Neutron uses (neutron-lib's exceptions, webob's
// HTTPBadRequest for malformed requests, oslo.policy's
// PolicyNotAuthorized).
package neutron
