package neutron

import (
	"encoding/json"
	"math"
	"math/big"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// neutron-dynamic-routing: BGP speakers and peers (API extensions "bgp"
// and "bgp_4byte_asn"), the routes a speaker advertises, and the
// scheduling of speakers on BGP dynamic routing agents
// ("bgp_dragent_scheduler", in agents.go). Every call is admin-only by
// the project's default policy.

// AS numbers are 4-byte (bgp_4byte_asn).
const (
	minASN = 1
	maxASN = 4294967295
)

// Authentication types of a BGP peer.
const (
	authNone = "none"
	authMD5  = "md5"
)

// Standard attributes BGP resources lack (they are not Neutron standard
// resources): the views drop these of Common.
var bgpHidden = []string{"description", "created_at", "updated_at", "revision_number", "tags"}

var bgpSpeakerAttrs = attrs{
	"id":                                {aFilter | aSort, tStr},
	"name":                              {aPost | aPut | aFilter | aSort, tStr},
	"local_as":                          {aPost | aFilter | aSort, tStr},
	"ip_version":                        {aPost | aFilter | aSort, tInt},
	"tenant_id":                         {aPost | aFilter | aSort, tStr},
	"project_id":                        {aPost | aFilter | aSort, tStr},
	"peers":                             {0, tOther},
	"networks":                          {0, tOther},
	"advertise_floating_ip_host_routes": {aPost | aPut | aFilter | aSort, tBool},
	"advertise_tenant_networks":         {aPost | aPut | aFilter | aSort, tBool},
}

var bgpPeerAttrs = attrs{
	"id":         {aFilter | aSort, tStr},
	"name":       {aPost | aPut | aFilter | aSort, tStr},
	"peer_ip":    {aPost | aReq | aFilter | aSort, tStr},
	"remote_as":  {aPost | aFilter | aSort, tStr},
	"auth_type":  {aPost | aReq | aFilter | aSort, tStr},
	"password":   {aPost | aPut, tStr},
	"tenant_id":  {aPost | aFilter | aSort, tStr},
	"project_id": {aPost | aFilter | aSort, tStr},
}

func bgpSpeakerNotFound(id string) *apiError {
	return notFound("BgpSpeakerNotFound", "BGP speaker %s could not be found.", id)
}
func bgpPeerNotFound(id string) *apiError {
	return notFound("BgpPeerNotFound", "BGP peer %s could not be found.", id)
}

func (s *Service) bgpSpeakerCollection() *collection {
	return &collection{
		name: "bgp-speakers", member: "bgp_speaker", kind: kindBGPSpeaker, attrs: bgpSpeakerAttrs,
		notFound: bgpSpeakerNotFound, adminOnly: true, lenientFilters: true,
		visible: func(st *state, c *caller, r resource) bool { return c.owns(r.base().ProjectID) },
		view: func(st *state, r resource) map[string]any {
			v := toMap(r)
			for _, k := range bgpHidden {
				delete(v, k)
			}
			return v
		},
		create: s.createBGPSpeaker,
		update: s.updateBGPSpeaker,
		delete: func(st *state, c *caller, r resource) error {
			// Its bindings go with it; an agent it freed takes a speaker
			// still waiting, as the scheduler's periodic task would.
			for _, a := range st.agents() {
				if i := slices.Index(a.BGPSpeakers, r.base().ID); i >= 0 {
					a.BGPSpeakers = slices.Delete(a.BGPSpeakers, i, i+1)
					st.mark(a)
				}
			}
			for _, sp := range st.bgpSpeakers() {
				if sp.ID != r.base().ID {
					st.scheduleSpeaker(sp)
				}
			}
			return nil
		},
	}
}

func (s *Service) bgpPeerCollection() *collection {
	return &collection{
		name: "bgp-peers", member: "bgp_peer", kind: kindBGPPeer, attrs: bgpPeerAttrs,
		notFound: bgpPeerNotFound, adminOnly: true, lenientFilters: true,
		visible: func(st *state, c *caller, r resource) bool { return c.owns(r.base().ProjectID) },
		view: func(st *state, r resource) map[string]any {
			v := toMap(r)
			for _, k := range bgpHidden {
				delete(v, k)
			}
			delete(v, "password") // is_visible: False
			return v
		},
		create: s.createBGPPeer,
		update: s.updateBGPPeer,
		delete: func(st *state, c *caller, r resource) error {
			// ON DELETE CASCADE: the peer leaves the speakers it was on.
			for _, sp := range st.bgpSpeakers() {
				if i := slices.Index(sp.Peers, r.base().ID); i >= 0 {
					sp.Peers = slices.Delete(sp.Peers, i, i+1)
					st.mark(sp)
				}
			}
			return nil
		},
	}
}

// pyInt converts as Python's int() does the values JSON can carry: whole
// numbers, floats (truncated), strings of digits with optional sign,
// surrounding blanks and single underscores between digits, booleans.
func pyInt(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return big.NewInt(1), true
		}
		return big.NewInt(0), true
	case json.Number:
		if n, ok := new(big.Int).SetString(x.String(), 10); ok {
			return n, true
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, false
		}
		n, _ := big.NewFloat(math.Trunc(f)).Int(nil)
		return n, true
	case string:
		s := strings.TrimSpace(x)
		sign := ""
		if s != "" && (s[0] == '+' || s[0] == '-') {
			sign, s = s[:1], s[1:]
		}
		if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
			return nil, false
		}
		for _, c := range s {
			if !(c >= '0' && c <= '9' || c == '_') {
				return nil, false
			}
		}
		n, ok := new(big.Int).SetString(sign+strings.ReplaceAll(s, "_", ""), 10)
		return n, ok
	}
	return nil, false
}

// asNumber validates an AS number attribute as type:range (1,
// 4294967295) does: any value int() takes, so "65010" as the openstack
// CLI sends it.
func (b *body) asNumber(k string) (int64, error) {
	v := b.m[k]
	n, ok := pyInt(v)
	if !ok {
		return 0, b.invalid(k, "'%s' is not an integer", pyStr(v))
	}
	if n.Cmp(big.NewInt(minASN)) < 0 {
		return 0, b.invalid(k, "'%s' is too small - must be at least '%d'", n, minASN)
	}
	if n.Cmp(big.NewInt(maxASN)) > 0 {
		return 0, b.invalid(k, "'%s' is too large - must be no larger than '%d'", n, int64(maxASN))
	}
	return n.Int64(), nil
}

// required refuses a create that lacks k. local_as and remote_as have a
// default of None in the attribute map, which the database then refuses
// (a 500 in Neutron); this Neutron answers as for a required attribute.
func (b *body) required(k string) error {
	if !b.has(k) {
		return httpBadRequest("Failed to parse request. Required attribute '%s' not specified", k)
	}
	return nil
}

// adminOnlyCreate checks create_X's admin-only policy, composing the
// rule with the explicitly set policy attributes as Neutron does.
func adminOnlyCreate(c *caller, action string, b *body, attrs []string) error {
	if c.admin {
		return nil
	}
	var pas []policyAttr
	for _, a := range attrs {
		pas = append(pas, policyAttr{name: a, def: true})
	}
	if err := enforce(action, b, true, pas); err != nil {
		return err
	}
	return policyDenied("rule:" + action)
}

func (s *Service) createBGPSpeaker(st *state, c *caller, b *body) (resource, error) {
	sp := &BGPSpeaker{IPVersion: 4, AdvertiseFloatingIPHostRoutes: true, AdvertiseTenantNetworks: true,
		Peers: []string{}, Networks: []string{}}
	if b.has("name") {
		n, err := b.str("name", 255)
		if err != nil {
			return nil, err
		}
		sp.Name = n
	}
	if err := b.required("local_as"); err != nil {
		return nil, err
	}
	as, err := b.asNumber("local_as")
	if err != nil {
		return nil, err
	}
	sp.LocalAS = as
	if b.has("ip_version") {
		v := b.m["ip_version"]
		n, isNum := v.(json.Number)
		f, ferr := n.Float64()
		if !isNum || ferr != nil || (f != 4 && f != 6) {
			return nil, b.invalid("ip_version", "%s is not in valid_values", pyStr(v))
		}
		if f == 6 {
			return nil, invalidInput("only IPv4 BGP speakers are supported by this Neutron, not ip_version 6")
		}
	}
	if err := speakerFlags(sp, b); err != nil {
		return nil, err
	}
	if err := adminOnlyCreate(c, "create_bgp_speaker", b, []string{"advertise_floating_ip_host_routes", "advertise_tenant_networks"}); err != nil {
		return nil, err
	}
	s.stamp(&sp.Common)
	// neutron-dynamic-routing gives the speaker the caller's project,
	// whatever tenant_id the body names.
	sp.ProjectID = c.project
	if sp.ProjectID == "" {
		sp.ProjectID, _ = b.m["project_id"].(string)
	}
	st.add(kindBGPSpeaker, sp)
	st.scheduleSpeaker(sp)
	return sp, nil
}

func speakerFlags(sp *BGPSpeaker, b *body) error {
	for _, k := range []string{"advertise_floating_ip_host_routes", "advertise_tenant_networks"} {
		if !b.has(k) {
			continue
		}
		v, err := b.boolean(k)
		if err != nil {
			return err
		}
		if k == "advertise_tenant_networks" {
			sp.AdvertiseTenantNetworks = v
		} else {
			sp.AdvertiseFloatingIPHostRoutes = v
		}
	}
	return nil
}

func (s *Service) updateBGPSpeaker(st *state, c *caller, r resource, b *body) error {
	sp := r.(*BGPSpeaker)
	if b.has("name") {
		n, err := b.str("name", 255)
		if err != nil {
			return err
		}
		sp.Name = n
	}
	return speakerFlags(sp, b)
}

func (s *Service) createBGPPeer(st *state, c *caller, b *body) (resource, error) {
	p := &BGPPeer{}
	if err := b.common(c, &p.Common, true, 255); err != nil {
		return nil, err
	}
	a, err := parseV4Addr("peer_ip", b.m["peer_ip"])
	if err != nil {
		return nil, err
	}
	p.PeerIP = a.String()
	if err := b.required("remote_as"); err != nil {
		return nil, err
	}
	if p.RemoteAS, err = b.asNumber("remote_as"); err != nil {
		return nil, err
	}
	at, ok := b.m["auth_type"].(string)
	if !ok || (at != authNone && at != authMD5) {
		return nil, b.invalid("auth_type", "%s is not in valid_values", pyStr(b.m["auth_type"]))
	}
	p.AuthType = at
	if err := peerPassword(p, b); err != nil {
		return nil, err
	}
	if err := adminOnlyCreate(c, "create_bgp_peer", b, nil); err != nil {
		return nil, err
	}
	if p.AuthType == authMD5 && (p.Password == nil || *p.Password == "") {
		return nil, newErr(http.StatusBadRequest, "InvalidBgpPeerMd5Authentication", "A password must be supplied when using auth_type md5.")
	}
	s.stamp(&p.Common)
	st.add(kindBGPPeer, p)
	return p, nil
}

// peerPassword reads password (type:string_or_none).
func peerPassword(p *BGPPeer, b *body) error {
	if !b.has("password") {
		return nil
	}
	if b.m["password"] == nil {
		p.Password = nil
		return nil
	}
	pw, err := b.str("password", 0)
	if err != nil {
		return err
	}
	p.Password = &pw
	return nil
}

func (s *Service) updateBGPPeer(st *state, c *caller, r resource, b *body) error {
	p := r.(*BGPPeer)
	if b.has("name") {
		n, err := b.str("name", 255)
		if err != nil {
			return err
		}
		p.Name = n
	}
	if b.has("password") && b.m["password"] != nil {
		if _, err := b.str("password", 0); err != nil {
			return err
		}
		if p.AuthType == authNone {
			return notFound("BgpPeerNotAuthenticated", "BGP peer %s not authenticated.", p.ID)
		}
	}
	return peerPassword(p, b)
}

// AdvertisedRoute is a route a BGP speaker advertises.
type AdvertisedRoute struct {
	Destination string `json:"destination"`
	NextHop     string `json:"next_hop"`
}

// gatewayIP is the router's first IPv4 gateway address on network netID
// ("" when it has no gateway there).
func (st *state) gatewayIP(rt *Router, netID string) string {
	for _, p := range st.routerPorts(rt.ID) {
		if p.DeviceOwner != ownerRouterGateway || p.NetworkID != netID {
			continue
		}
		for _, f := range p.FixedIPs {
			if a, err := netip.ParseAddr(f.IPAddress); err == nil && a.Is4() {
				return f.IPAddress
			}
		}
	}
	return ""
}

// scopesOf are the address scopes of a network's subnets (through their
// subnet pools).
func (st *state) scopesOf(netID string) map[string]bool {
	out := map[string]bool{}
	for _, sn := range st.subnetsOf(netID) {
		if sn.SubnetPoolID == nil {
			continue
		}
		if sp := st.subnetPool(*sn.SubnetPoolID); sp != nil && sp.AddressScopeID != nil {
			out[*sp.AddressScopeID] = true
		}
	}
	return out
}

// advertisedRoutes computes what the speaker advertises, as
// neutron-dynamic-routing's get_routes_by_bgp_speaker_id does for
// centralized routers: first the floating IP host routes, then the
// tenant networks.
//
// Floating IP host routes (when advertise_floating_ip_host_routes): each
// floating IP on a gateway network that is associated (so has a router),
// whose router is up and has a gateway on that network: FIP/32 via the
// router's IPv4 gateway address.
//
// Tenant networks (when advertise_tenant_networks): for each gateway
// network, each subnet behind an up router (on a router interface) whose
// subnet pool is in an address scope of the gateway network's subnets,
// the subnet's cidr via the router's gateway address on that network.
// Subnets of the gateway network itself are not advertised.
func (st *state) advertisedRoutes(sp *BGPSpeaker) []AdvertisedRoute {
	out := []AdvertisedRoute{}
	if sp.IPVersion != 4 {
		return out
	}
	seen := map[AdvertisedRoute]bool{}
	add := func(r AdvertisedRoute) {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	if sp.AdvertiseFloatingIPHostRoutes {
		for _, f := range st.floatingIPs() {
			if f.RouterID == nil || !slices.Contains(sp.Networks, f.FloatingNetworkID) {
				continue
			}
			rt := st.router(*f.RouterID)
			if rt == nil || !rt.AdminStateUp {
				continue
			}
			if nh := st.gatewayIP(rt, f.FloatingNetworkID); nh != "" {
				add(AdvertisedRoute{Destination: f.FloatingIPAddress + "/32", NextHop: nh})
			}
		}
	}
	if sp.AdvertiseTenantNetworks {
		for _, netID := range sp.Networks {
			scopes := st.scopesOf(netID)
			if len(scopes) == 0 {
				continue
			}
			for _, rt := range st.routers() {
				if !rt.AdminStateUp {
					continue
				}
				nh := st.gatewayIP(rt, netID)
				if nh == "" {
					continue
				}
				for _, p := range st.routerPorts(rt.ID) {
					if p.DeviceOwner != ownerRouterInterface {
						continue
					}
					for _, f := range p.FixedIPs {
						sn := st.subnet(f.SubnetID)
						if sn == nil || sn.NetworkID == netID || sn.IPVersion != sp.IPVersion || sn.SubnetPoolID == nil {
							continue
						}
						pool := st.subnetPool(*sn.SubnetPoolID)
						if pool == nil || pool.AddressScopeID == nil || !scopes[*pool.AddressScopeID] {
							continue
						}
						add(AdvertisedRoute{Destination: sn.CIDR, NextHop: nh})
					}
				}
			}
		}
	}
	return out
}

// bgpRoutes adds the BGP speakers' member actions and the dragent
// scheduler's sub-resources to mux.
func (s *Service) bgpRoutes(mux *routeTable) {
	for _, a := range []string{"add_bgp_peer", "remove_bgp_peer", "add_gateway_network", "remove_gateway_network"} {
		mux.HandleFunc("PUT /v2.0/bgp-speakers/{id}/"+a, s.authed(s.speakerActionHandler(a)))
	}
	mux.HandleFunc("GET /v2.0/bgp-speakers/{id}/get_advertised_routes", s.authed(s.getAdvertisedRoutes))
	mux.HandleFunc("GET /v2.0/bgp-speakers/{id}/bgp-dragents", s.authed(s.dragentsHostingSpeaker))
	mux.HandleFunc("GET /v2.0/agents/{id}/bgp-drinstances", s.authed(s.speakersOnDragent))
	mux.HandleFunc("POST /v2.0/agents/{id}/bgp-drinstances", s.authed(s.addSpeakerToDragent))
	mux.HandleFunc("DELETE /v2.0/agents/{id}/bgp-drinstances/{speaker}", s.authed(s.removeSpeakerFromDragent))
}

// actionSpeaker finds the speaker of a member action as Neutron's
// controller does: the speaker must exist for the caller (404
// BgpSpeakerNotFound) and the caller must be allowed to get it (else
// webob's 404).
func (s *Service) actionSpeaker(st *state, c *caller, id string) (*BGPSpeaker, error) {
	r, err := s.bgpSpeakerCollection().find(st, c, id)
	if err != nil {
		return nil, err
	}
	if !c.admin {
		// get_bgp_speaker, checked before the action's own (also
		// admin-only) rule, refuses a member.
		return nil, httpNotFound()
	}
	return r.(*BGPSpeaker), nil
}

// actionID reads an id a speaker action needs, as the plugin's
// _get_id_for does.
func actionID(info map[string]any, k string) (string, error) {
	v, ok := info[k]
	if !ok {
		return "", badRequest("bgp-speaker", "%s must be specified", k)
	}
	s, isStr := v.(string)
	if !isStr || !isUUID(s) {
		return "", badRequest("bgp-speaker", "'%s' is not a valid UUID", pyStr(v))
	}
	return s, nil
}

func (s *Service) speakerActionHandler(action string) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		info, err := decodeActionBody(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var answer any
		err = s.update(r.Context(), func(st *state) error {
			sp, err := s.actionSpeaker(st, c, r.PathValue("id"))
			if err != nil {
				return err
			}
			answer, err = st.speakerAction(sp, action, info)
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, answer)
	}
}

// speakerAction applies a member action's body to sp and returns the
// answer: add_bgp_peer and remove_bgp_peer take {"bgp_peer_id"},
// add_gateway_network and remove_gateway_network {"network_id"}.
func (st *state) speakerAction(sp *BGPSpeaker, action string, info map[string]any) (any, error) {
	var answer any
	switch action {
	case "add_bgp_peer", "remove_bgp_peer":
		id, err := actionID(info, "bgp_peer_id")
		if err != nil {
			return nil, err
		}
		if action == "remove_bgp_peer" {
			i := slices.Index(sp.Peers, id)
			if i < 0 {
				return nil, notFound("BgpSpeakerPeerNotAssociated", "BGP peer %s is not associated with BGP speaker %s.", id, sp.ID)
			}
			sp.Peers = slices.Delete(sp.Peers, i, i+1)
			answer = nil // the plugin returns nothing: "null"
			break
		}
		p := st.bgpPeer(id)
		if p == nil {
			return nil, bgpPeerNotFound(id)
		}
		for _, have := range sp.Peers {
			if o := st.bgpPeer(have); o != nil && o.PeerIP == p.PeerIP {
				return nil, conflict("DuplicateBgpPeerIpException",
					"BGP Speaker %s is already configured to peer with a BGP Peer at %s, it cannot peer with BGP Peer %s.", sp.ID, p.PeerIP, p.ID)
			}
		}
		sp.Peers = append(sp.Peers, id)
		answer = map[string]any{"bgp_peer_id": id}
	case "add_gateway_network", "remove_gateway_network":
		id, err := actionID(info, "network_id")
		if err != nil {
			return nil, err
		}
		if action == "remove_gateway_network" {
			i := slices.Index(sp.Networks, id)
			if i < 0 {
				return nil, notFound("BgpSpeakerNetworkNotAssociated", "Network %s is not associated with BGP speaker %s.", id, sp.ID)
			}
			sp.Networks = slices.Delete(sp.Networks, i, i+1)
			answer = map[string]any{"network_id": id}
			break
		}
		// Any network will do, external or not: the plugin only
		// checks that it exists.
		if st.network(id) == nil {
			return nil, networkNotFound(id)
		}
		if slices.Contains(sp.Networks, id) {
			return nil, conflict("BgpSpeakerNetworkBindingError", "Network %s is already bound to BgpSpeaker %s.", id, sp.ID)
		}
		sp.Networks = append(sp.Networks, id)
		answer = map[string]any{"network_id": id}
	default:
		return nil, httpNotFound()
	}
	st.mark(sp)
	return answer, nil
}

func (s *Service) getAdvertisedRoutes(w http.ResponseWriter, r *http.Request, c *caller) {
	st, err := s.read(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sp, err := s.actionSpeaker(st, c, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"advertised_routes": st.advertisedRoutes(sp)})
}
