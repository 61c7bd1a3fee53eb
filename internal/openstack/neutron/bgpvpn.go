package neutron

import (
	"encoding/json"
	"math/big"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// networking-bgpvpn's API (extensions "bgpvpn", "bgpvpn-routes-control"
// and "bgpvpn-vni"): BGP VPNs under /v2.0/bgpvpn/bgpvpns and their
// network, router and port associations as sub-resources, with the
// validation, policy and answers of its service plugin and database
// layer (networking_bgpvpn.neutron.services.plugin, db/bgpvpn_db.py).
//
// Only an admin creates or deletes a BGPVPN, usually for a tenant
// (tenant_id); the tenant then sees it, may rename it or change its
// local_pref, and associates its own networks, routers and ports. Route
// targets, route distinguishers and the VNI are admin-only attributes: a
// member neither sees nor sets them.
//
// What the lab makes of them (the compute nodes as PEs) reads
// Service.Snapshot's BGPVPN lists; every change commits with OnChange.

func init() {
	registerExtensions(
		extension{"bgpvpn", "BGPVPN Extension", "Provides support for BGP VPN interconnections", "2014-06-10T17:00:00-00:00"},
		extension{"bgpvpn-routes-control", "BGPVPN Routes Control Extension", "Provides support for controlling routes advertised to a BGPVPN", "2017-05-20T00:00:00-00:00"},
		extension{"bgpvpn-vni", "BGPVPN VXLAN VNI extension", "BGPVPN VXLAN VNI extension", "2017-09-12T10:00:00-00:00"},
	)
}

// Kinds of the BGPVPN resources, as stored.
const (
	kindBGPVPN            = "bgpvpn"
	kindBGPVPNNetAssoc    = "bgpvpn_network_association"
	kindBGPVPNRouterAssoc = "bgpvpn_router_association"
	kindBGPVPNPortAssoc   = "bgpvpn_port_association"
)

// BGPVPN types.
const (
	BGPVPNTypeL3 = "l3"
	BGPVPNTypeL2 = "l2"
)

// Port association route types.
const (
	RouteTypePrefix = "prefix"
	RouteTypeBGPVPN = "bgpvpn"
)

// Bounds of local_pref (RFC 4271's LOCAL_PREF, 32 bits) and of a VXLAN
// VNI (24 bits, 0 reserved).
const (
	maxLocalPref = 1<<32 - 1
	minVNI       = 1
	maxVNI       = 1<<24 - 1
)

// BGPVPN is a BGP VPN. The route targets and distinguishers are strings
// in one of the three forms of RFC 4364 section 4.2 (validRTRD), which
// internal/bgp's ParseRouteTarget and ParseRD read. Its networks,
// routers and ports are its associations. It has no standard attributes
// (networking-bgpvpn does not implement standard-attr-bgpvpn): the views
// drop those of Common.
type BGPVPN struct {
	Common
	Type                string   `json:"type"`
	RouteTargets        []string `json:"route_targets"`
	ImportTargets       []string `json:"import_targets"`
	ExportTargets       []string `json:"export_targets"`
	RouteDistinguishers []string `json:"route_distinguishers"`
	LocalPref           *int64   `json:"local_pref"`
	VNI                 *int     `json:"vni"`
}

// BGPVPNNetworkAssociation puts a network in a BGPVPN.
type BGPVPNNetworkAssociation struct {
	Common
	BGPVPNID  string `json:"bgpvpn_id"`
	NetworkID string `json:"network_id"`
}

// BGPVPNRouterAssociation puts the networks behind a router in an l3
// BGPVPN; AdvertiseExtraRoutes also advertises the router's extra routes.
type BGPVPNRouterAssociation struct {
	Common
	BGPVPNID             string `json:"bgpvpn_id"`
	RouterID             string `json:"router_id"`
	AdvertiseExtraRoutes bool   `json:"advertise_extra_routes"`
}

// BGPVPNPortAssociation puts a port in a BGPVPN: its fixed IPs when
// AdvertiseFixedIPs, and Routes via the port.
type BGPVPNPortAssociation struct {
	Common
	BGPVPNID          string            `json:"bgpvpn_id"`
	PortID            string            `json:"port_id"`
	Routes            []BGPVPNPortRoute `json:"routes"`
	AdvertiseFixedIPs bool              `json:"advertise_fixed_ips"`
}

// BGPVPNPortRoute is a route a port association advertises: a prefix
// (Type "prefix") or the routes of another BGPVPN (Type "bgpvpn",
// leaking), each with an optional LOCAL_PREF.
type BGPVPNPortRoute struct {
	Type      string `json:"type"`
	Prefix    string `json:"prefix,omitempty"`
	BGPVPNID  string `json:"bgpvpn_id,omitempty"`
	LocalPref *int64 `json:"local_pref"`
}

func (s *state) bgpvpn(id string) *BGPVPN { return get[*BGPVPN](s, id) }
func (s *state) bgpvpns() []*BGPVPN       { return all[*BGPVPN](s, kindBGPVPN) }
func (s *state) bgpvpnNetAssocs() []*BGPVPNNetworkAssociation {
	return all[*BGPVPNNetworkAssociation](s, kindBGPVPNNetAssoc)
}
func (s *state) bgpvpnRouterAssocs() []*BGPVPNRouterAssociation {
	return all[*BGPVPNRouterAssociation](s, kindBGPVPNRouterAssoc)
}
func (s *state) bgpvpnPortAssocs() []*BGPVPNPortAssociation {
	return all[*BGPVPNPortAssociation](s, kindBGPVPNPortAssoc)
}

// The BGPVPN attributes. Admin-only ones are networking-bgpvpn's
// get_bgpvpn:ATTR rules. Its get_bgpvpn:project_id rule hides nothing:
// Neutron's controller decides project_id's visibility by tenant_id's,
// which no rule restricts.
var bgpvpnAttrs = attrs{
	"id":                   {aFilter | aSort, tStr},
	"tenant_id":            {aPost | aFilter | aSort, tStr},
	"project_id":           {aPost | aFilter | aSort, tStr},
	"name":                 {aPost | aPut | aFilter | aSort, tStr},
	"type":                 {aPost | aFilter | aSort, tStr},
	"route_targets":        {aPost | aPut | aFilter | aAdmin, tStr},
	"import_targets":       {aPost | aPut | aFilter | aAdmin, tStr},
	"export_targets":       {aPost | aPut | aFilter | aAdmin, tStr},
	"route_distinguishers": {aPost | aPut | aFilter | aAdmin, tStr},
	"networks":             {aFilter, tStr},
	"routers":              {aFilter, tStr},
	"ports":                {aFilter, tStr},
	"local_pref":           {aPost | aPut | aFilter | aSort, tInt},
	"vni":                  {aPost | aFilter | aSort | aAdmin, tInt},
}

var bgpvpnNetAssocAttrs = attrs{
	"id":         {aFilter | aSort, tStr},
	"tenant_id":  {aPost | aFilter | aSort, tStr},
	"project_id": {aPost | aFilter | aSort, tStr},
	"network_id": {aPost | aReq | aFilter | aSort, tStr},
}

var bgpvpnRouterAssocAttrs = attrs{
	"id":                     {aFilter | aSort, tStr},
	"tenant_id":              {aPost | aFilter | aSort, tStr},
	"project_id":             {aPost | aFilter | aSort, tStr},
	"router_id":              {aPost | aReq | aFilter | aSort, tStr},
	"advertise_extra_routes": {aPost | aPut | aFilter | aSort, tBool},
}

var bgpvpnPortAssocAttrs = attrs{
	"id":                  {aFilter | aSort, tStr},
	"tenant_id":           {aPost | aFilter | aSort, tStr},
	"project_id":          {aPost | aFilter | aSort, tStr},
	"port_id":             {aPost | aReq | aFilter | aSort, tStr},
	"routes":              {aPost | aPut, tOther},
	"advertise_fixed_ips": {aPost | aPut | aFilter | aSort, tBool},
}

func bgpvpnNotFound(id string) *apiError {
	return notFound("BGPVPNNotFound", "BGPVPN %s could not be found", id)
}

// bgpvpnRequest is neutron_lib's BadRequest for resource "bgpvpn", the
// plugin's refusal of an association.
func bgpvpnRequest(format string, args ...any) *apiError {
	return badRequest("bgpvpn", format, args...)
}

// notAuthorized is neutron_lib's NotAuthorized, whose message ignores
// the reason the plugin gives.
func notAuthorized() *apiError {
	return newErr(http.StatusForbidden, "NotAuthorized", "Not authorized.")
}

// stdHidden are the attributes of Common the BGPVPN resources do not
// have.
var stdHidden = []string{"description", "created_at", "updated_at", "revision_number", "tags"}

func (s *Service) bgpvpnCollection() *collection {
	return &collection{
		name: "bgpvpns", member: "bgpvpn", kind: kindBGPVPN, attrs: bgpvpnAttrs,
		notFound: bgpvpnNotFound, lenientFilters: true,
		visible: func(st *state, c *caller, r resource) bool { return c.owns(r.base().ProjectID) },
		view:    func(st *state, r resource) map[string]any { return st.bgpvpnView(r.(*BGPVPN)) },
		create:  s.createBGPVPN,
		update:  s.updateBGPVPN,
		delete: func(st *state, c *caller, r resource) error {
			if !c.admin {
				return policyDenied("rule:delete_bgpvpn")
			}
			st.dropBGPVPN(r.base().ID)
			return nil
		},
	}
}

// bgpvpnView is a BGPVPN with its networks, routers and ports: the ids of
// its associations' resources, in the order they were associated.
func (st *state) bgpvpnView(b *BGPVPN) map[string]any {
	v := toMap(b)
	for _, k := range stdHidden {
		delete(v, k)
	}
	nets, routers, ports := []any{}, []any{}, []any{}
	for _, a := range st.bgpvpnNetAssocs() {
		if a.BGPVPNID == b.ID {
			nets = append(nets, a.NetworkID)
		}
	}
	for _, a := range st.bgpvpnRouterAssocs() {
		if a.BGPVPNID == b.ID {
			routers = append(routers, a.RouterID)
		}
	}
	for _, a := range st.bgpvpnPortAssocs() {
		if a.BGPVPNID == b.ID {
			ports = append(ports, a.PortID)
		}
	}
	v["networks"], v["routers"], v["ports"] = nets, routers, ports
	return v
}

// assocView is an association as the API shows it: without its BGPVPN's
// id (not an attribute of the sub-resource) or a name.
func assocView(r resource) map[string]any {
	v := toMap(r)
	for _, k := range stdHidden {
		delete(v, k)
	}
	delete(v, "name")
	delete(v, "bgpvpn_id")
	if pa, ok := r.(*BGPVPNPortAssociation); ok {
		v["routes"] = routesView(pa.Routes)
	}
	return v
}

// routesView writes port association routes as the plugin does: type and
// local_pref, with the prefix or the bgpvpn_id the type has.
func routesView(routes []BGPVPNPortRoute) []any {
	out := make([]any, 0, len(routes))
	for _, r := range routes {
		m := map[string]any{"type": r.Type, "local_pref": nil}
		if r.LocalPref != nil {
			m["local_pref"] = float64(*r.LocalPref)
		}
		if r.Type == RouteTypePrefix {
			m["prefix"] = r.Prefix
		} else {
			m["bgpvpn_id"] = r.BGPVPNID
		}
		out = append(out, m)
	}
	return out
}

// dropBGPVPN removes what goes with a deleted BGPVPN (ON DELETE CASCADE
// in networking-bgpvpn's tables): its associations, and the routes of
// other port associations that leak its routes.
func (st *state) dropBGPVPN(id string) {
	for _, a := range st.bgpvpnNetAssocs() {
		if a.BGPVPNID == id {
			st.remove(a.ID)
		}
	}
	for _, a := range st.bgpvpnRouterAssocs() {
		if a.BGPVPNID == id {
			st.remove(a.ID)
		}
	}
	for _, a := range st.bgpvpnPortAssocs() {
		if a.BGPVPNID == id {
			st.remove(a.ID)
			continue
		}
		kept := slices.DeleteFunc(slices.Clone(a.Routes), func(r BGPVPNPortRoute) bool {
			return r.Type == RouteTypeBGPVPN && r.BGPVPNID == id
		})
		if len(kept) != len(a.Routes) {
			a.Routes = kept
			st.mark(a)
		}
	}
}

// dropBGPVPNAssociationsOf removes the associations of a network, router
// or port being deleted (ON DELETE CASCADE on their foreign keys). It
// runs at every removal, so it looks without taking copies.
func (st *state) dropBGPVPNAssociationsOf(id, kind string) {
	var assocKind string
	var refers func(r resource) bool
	switch kind {
	case kindNetwork:
		assocKind = kindBGPVPNNetAssoc
		refers = func(r resource) bool { return r.(*BGPVPNNetworkAssociation).NetworkID == id }
	case kindRouter:
		assocKind = kindBGPVPNRouterAssoc
		refers = func(r resource) bool { return r.(*BGPVPNRouterAssociation).RouterID == id }
	case kindPort:
		assocKind = kindBGPVPNPortAssoc
		refers = func(r resource) bool { return r.(*BGPVPNPortAssociation).PortID == id }
	default:
		return
	}
	var gone []string
	st.lists[assocKind].each(func(aid string) bool {
		if e, ok := st.items.get(aid); ok && refers(e.r) {
			gone = append(gone, aid)
		}
		return true
	})
	for _, aid := range gone {
		st.remove(aid)
	}
}

// rtrdPattern is networking-bgpvpn's RTRD_REGEX: ASN2:NN4, IPv4:NN2 or
// ASN4:NN2, in decimal without leading zeros.
var rtrdPattern = func() *regexp.Regexp {
	u32 := `(0|[1-9]\d{0,8}|[1-3]\d{9}|4[01]\d{8}|42[0-8]\d{7}|429[0-3]\d{6}|4294[0-8]\d{5}|42949[0-5]\d{4}|429496[0-6]\d{3}|4294967[0-1]\d{2}|42949672[0-8]\d|429496729[0-5])`
	u16 := `(0|[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])`
	u8 := `(0|[1-9]\d?|1\d{2}|2[0-4]\d|25[0-5])`
	ip4 := u8 + `\.` + u8 + `\.` + u8 + `\.` + u8
	return regexp.MustCompile(`^(` + u16 + `:` + u32 + `|` + ip4 + `:` + u16 + `|` + u32 + `:` + u16 + `)$`)
}()

// validRTRD reports whether s is a route target or distinguisher the
// API accepts.
func validRTRD(s string) bool { return rtrdPattern.MatchString(s) }

// rtrdList reads a list of route targets or distinguishers as
// convert_to_list and list_of_regex_or_none do: null is the empty list, a
// single value a list of it; no duplicates.
func (b *body) rtrdList(k string) ([]string, error) {
	var items []any
	switch x := b.m[k].(type) {
	case nil:
	case []any:
		items = x
	case map[string]any: // list() of a dict is its keys
		keys := make([]string, 0, len(x))
		for key := range x {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			items = append(items, key)
		}
	default:
		items = []any{x}
	}
	if dups := duplicates(items); len(dups) > 0 {
		return nil, b.invalid(k, "Duplicate items in the list: '%s'", strings.Join(dups, ", "))
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok || !validRTRD(s) {
			return nil, b.invalid(k, "'%s' is not a valid input", pyStr(it))
		}
		out = append(out, s)
	}
	return out, nil
}

// duplicates are the items of list that occur more than once, each once,
// as Python's str() writes them.
func duplicates(list []any) []string {
	var out []string
	seen := map[string]int{}
	for _, it := range list {
		key := pyRepr(it) // a dict's repr is its keys sorted: equal dicts, equal reprs
		seen[key]++
		if seen[key] == 2 {
			out = append(out, pyStr(it))
		}
	}
	return out
}

// rangeOrNone reads an integer attribute validated by type:range_or_none
// (null allowed) after int() as Python does it.
func (b *body) rangeOrNone(k string, lo, hi int64) (*int64, error) {
	v := b.m[k]
	if v == nil {
		return nil, nil
	}
	n, ok := pyInt(v)
	if !ok {
		return nil, b.invalid(k, "'%s' is not an integer", pyStr(v))
	}
	if n.Cmp(big.NewInt(lo)) < 0 {
		return nil, b.invalid(k, "'%s' is too small - must be at least '%d'", n, lo)
	}
	if n.Cmp(big.NewInt(hi)) > 0 {
		return nil, b.invalid(k, "'%s' is too large - must be no larger than '%d'", n, hi)
	}
	x := n.Int64()
	return &x, nil
}

// bgpvpnPolicy are the BGPVPN attributes networking-bgpvpn's policy
// checks on create and update, in its attribute map's order; RTs, RDs and
// the VNI are admin-only.
func bgpvpnPolicy(admin bool) []policyAttr {
	return []policyAttr{
		{name: "tenant_id", allowed: true},
		{name: "name", def: "", allowed: true},
		{name: "type", def: BGPVPNTypeL3, allowed: true},
		{name: "route_targets", allowed: admin},
		{name: "import_targets", allowed: admin},
		{name: "export_targets", allowed: admin},
		{name: "route_distinguishers", allowed: admin},
		{name: "local_pref", def: jsonNull{}, allowed: true},
		{name: "vni", def: jsonNull{}, allowed: admin},
	}
}

// readBGPVPN applies the attributes of a create or update body to v.
func (b *body) readBGPVPN(v *BGPVPN) error {
	if b.has("name") {
		n, err := b.str("name", 255)
		if err != nil {
			return err
		}
		v.Name = n
	}
	if b.has("type") {
		t, ok := b.m["type"].(string)
		if !ok || (t != BGPVPNTypeL3 && t != BGPVPNTypeL2) {
			return b.invalid("type", "%s is not in valid_values", pyStr(b.m["type"]))
		}
		v.Type = t
	}
	for _, f := range []struct {
		k   string
		dst *[]string
	}{{"route_targets", &v.RouteTargets}, {"import_targets", &v.ImportTargets},
		{"export_targets", &v.ExportTargets}, {"route_distinguishers", &v.RouteDistinguishers}} {
		if !b.has(f.k) {
			continue
		}
		l, err := b.rtrdList(f.k)
		if err != nil {
			return err
		}
		*f.dst = l
	}
	if b.has("local_pref") {
		lp, err := b.rangeOrNone("local_pref", 0, maxLocalPref)
		if err != nil {
			return err
		}
		v.LocalPref = lp
	}
	if b.has("vni") && b.m["vni"] != nil {
		// convert_to_int_if_not_none, then range_or_none.
		n, ok := pyInt(b.m["vni"])
		if !ok {
			return invalidInput("'%s' is not an integer", pyStr(b.m["vni"]))
		}
		b.m["vni"] = json.Number(n.String())
		x, err := b.rangeOrNone("vni", minVNI, maxVNI)
		if err != nil {
			return err
		}
		vni := int(*x)
		v.VNI = &vni
	}
	return nil
}

func (s *Service) createBGPVPN(st *state, c *caller, b *body) (resource, error) {
	v := &BGPVPN{Type: BGPVPNTypeL3, RouteTargets: []string{}, ImportTargets: []string{},
		ExportTargets: []string{}, RouteDistinguishers: []string{}}
	if err := b.readBGPVPN(v); err != nil {
		return nil, err
	}
	// create_bgpvpn is admin-only; the rule Neutron shows is composed
	// with the attributes given away from their defaults, and tenant_id,
	// which has none and which Neutron fills in before the check.
	if !c.admin {
		if !b.has("tenant_id") {
			b.m["tenant_id"] = c.project
		}
		pas := bgpvpnPolicy(false)
		for i := range pas {
			pas[i].allowed = false
		}
		if err := enforce("create_bgpvpn", b, true, pas); err != nil {
			return nil, err
		}
		return nil, policyDenied("rule:create_bgpvpn")
	}
	if err := b.common(c, &v.Common, true, 255); err != nil {
		return nil, err
	}
	if err := s.checkQuota(st, kindBGPVPN, v.ProjectID); err != nil {
		return nil, err
	}
	s.stamp(&v.Common)
	st.add(kindBGPVPN, v)
	return v, nil
}

func (s *Service) updateBGPVPN(st *state, c *caller, r resource, b *body) error {
	v := r.(*BGPVPN)
	if err := enforce("update_bgpvpn", b, false, bgpvpnPolicy(c.admin)); err != nil {
		return err
	}
	return b.readBGPVPN(v)
}

// bgpvpnRoutes adds the BGPVPNs and their associations to mux.
func (s *Service) bgpvpnRoutes(mux *routeTable) {
	const base = "/v2.0/bgpvpn/bgpvpns"
	col := s.bgpvpnCollection()
	mux.HandleFunc("GET "+base, s.authed(s.listHandler(col)))
	mux.HandleFunc("POST "+base, s.authed(s.createHandler(col)))
	mux.HandleFunc("GET "+base+"/{id}", s.authed(s.showHandler(col)))
	mux.HandleFunc("PUT "+base+"/{id}", s.authed(s.updateHandler(col)))
	mux.HandleFunc("DELETE "+base+"/{id}", s.authed(s.deleteHandler(col)))
	for name, sub := range map[string]func(parent string) *collection{
		"network_associations": s.netAssocCollection,
		"router_associations":  s.routerAssocCollection,
		"port_associations":    s.portAssocCollection,
	} {
		path := base + "/{bgpvpn_id}/" + name
		// The parent is a path parameter: the collection is made per
		// request, for the generic handlers.
		per := func(h func(*collection) func(http.ResponseWriter, *http.Request, *caller)) http.HandlerFunc {
			return s.authed(func(w http.ResponseWriter, r *http.Request, c *caller) {
				h(sub(r.PathValue("bgpvpn_id")))(w, r, c)
			})
		}
		mux.HandleFunc("GET "+path, per(s.listHandler))
		mux.HandleFunc("POST "+path, per(s.createHandler))
		mux.HandleFunc("GET "+path+"/{id}", per(s.showHandler))
		mux.HandleFunc("PUT "+path+"/{id}", per(s.updateHandler))
		mux.HandleFunc("DELETE "+path+"/{id}", per(s.deleteHandler))
	}
}

// assocCollection is the association sub-collection of BGPVPN parent:
// what the caller may see of it is what its project owns there. word
// names the association kind in the not-found error, typ is its type.
func assocCollection(name, member, kind string, a attrs, parent, typ, word string) *collection {
	return &collection{
		name: name, member: member, kind: kind, attrs: a, bulk: true, lenientFilters: true,
		notFound: func(id string) *apiError {
			return notFound(typ, "BGPVPN %s association %s could not be found for BGPVPN %s", word, id, parent)
		},
		visible: func(st *state, c *caller, r resource) bool {
			return c.owns(r.base().ProjectID) && assocParent(r) == parent
		},
		view:   func(st *state, r resource) map[string]any { return assocView(r) },
		delete: func(st *state, c *caller, r resource) error { return nil },
	}
}

func assocParent(r resource) string {
	switch a := r.(type) {
	case *BGPVPNNetworkAssociation:
		return a.BGPVPNID
	case *BGPVPNRouterAssociation:
		return a.BGPVPNID
	case *BGPVPNPortAssociation:
		return a.BGPVPNID
	}
	return ""
}

// assocBGPVPN is the BGPVPN an association is made on, as the plugin's
// get_bgpvpn finds it for the caller, checked to be the project's the
// association and its resource are (resourceProject).
func assocBGPVPN(st *state, c *caller, parent, assocProject, resourceProject string) (*BGPVPN, error) {
	v := st.bgpvpn(parent)
	if v == nil || !c.owns(v.ProjectID) {
		return nil, bgpvpnNotFound(parent)
	}
	if resourceProject != v.ProjectID || assocProject != v.ProjectID {
		return nil, notAuthorized()
	}
	return v, nil
}

func (s *Service) netAssocCollection(parent string) *collection {
	col := assocCollection("network_associations", "network_association", kindBGPVPNNetAssoc, bgpvpnNetAssocAttrs,
		parent, "BGPVPNNetAssocNotFound", "network")
	col.create = func(st *state, c *caller, b *body) (resource, error) {
		netID, err := b.uuid("network_id")
		if err != nil {
			return nil, err
		}
		a := &BGPVPNNetworkAssociation{BGPVPNID: parent, NetworkID: netID}
		if err := b.common(c, &a.Common, true, 0); err != nil {
			return nil, err
		}
		net := st.network(netID)
		if net == nil || !st.networkVisible(c, net) {
			return nil, networkNotFound(netID)
		}
		// A network behind a router already in a BGPVPN of its project
		// is in that VPN already.
		if via := st.bgpvpnsViaRouters(net); len(via) > 0 {
			return nil, bgpvpnRequest("Network %s is linked to a router which is already associated to bgpvpn(s) %s", netID, pyRepr(via))
		}
		if _, err := assocBGPVPN(st, c, parent, a.ProjectID, net.ProjectID); err != nil {
			return nil, err
		}
		for _, o := range st.bgpvpnNetAssocs() {
			if o.BGPVPNID == parent && o.NetworkID == netID {
				return nil, bgpvpnRequestTyped("BGPVPNNetAssocAlreadyExists", "network %s is already associated to BGPVPN %s", netID, parent)
			}
		}
		s.stamp(&a.Common)
		st.add(kindBGPVPNNetAssoc, a)
		return a, nil
	}
	col.update = func(st *state, c *caller, r resource, b *body) error { return nil } // nothing is writable
	return col
}

func (s *Service) routerAssocCollection(parent string) *collection {
	col := assocCollection("router_associations", "router_association", kindBGPVPNRouterAssoc, bgpvpnRouterAssocAttrs,
		parent, "BGPVPNRouterAssocNotFound", "router")
	col.create = func(st *state, c *caller, b *body) (resource, error) {
		routerID, err := b.uuid("router_id")
		if err != nil {
			return nil, err
		}
		a := &BGPVPNRouterAssociation{BGPVPNID: parent, RouterID: routerID, AdvertiseExtraRoutes: true}
		if err := b.common(c, &a.Common, true, 0); err != nil {
			return nil, err
		}
		if b.has("advertise_extra_routes") {
			if a.AdvertiseExtraRoutes, err = b.boolean("advertise_extra_routes"); err != nil {
				return nil, err
			}
		}
		rt := st.router(routerID)
		if rt == nil || !c.owns(rt.ProjectID) {
			return nil, routerNotFound(routerID)
		}
		if netID, via := st.bgpvpnsOfRouterNetworks(rt); len(via) > 0 {
			return nil, bgpvpnRequest("router %s has an attached network %s which is already associated to bgpvpn(s) %s", routerID, netID, pyRepr(via))
		}
		v := st.bgpvpn(parent)
		if v == nil || !c.owns(v.ProjectID) {
			return nil, bgpvpnNotFound(parent)
		}
		if v.Type != BGPVPNTypeL3 {
			return nil, bgpvpnRequest("Router associations require the bgpvpn to be of type %s", BGPVPNTypeL3)
		}
		if _, err := assocBGPVPN(st, c, parent, a.ProjectID, rt.ProjectID); err != nil {
			return nil, err
		}
		for _, o := range st.bgpvpnRouterAssocs() {
			if o.BGPVPNID == parent && o.RouterID == routerID {
				return nil, bgpvpnRequestTyped("BGPVPNRouterAssocAlreadyExists", "router %s is already associated to BGPVPN %s", routerID, parent)
			}
		}
		s.stamp(&a.Common)
		st.add(kindBGPVPNRouterAssoc, a)
		return a, nil
	}
	col.update = func(st *state, c *caller, r resource, b *body) error {
		a := r.(*BGPVPNRouterAssociation)
		if b.has("advertise_extra_routes") {
			v, err := b.boolean("advertise_extra_routes")
			if err != nil {
				return err
			}
			a.AdvertiseExtraRoutes = v
		}
		return nil
	}
	return col
}

func (s *Service) portAssocCollection(parent string) *collection {
	col := assocCollection("port_associations", "port_association", kindBGPVPNPortAssoc, bgpvpnPortAssocAttrs,
		parent, "BGPVPNPortAssocNotFound", "port")
	col.create = func(st *state, c *caller, b *body) (resource, error) {
		portID, err := b.uuid("port_id")
		if err != nil {
			return nil, err
		}
		a := &BGPVPNPortAssociation{BGPVPNID: parent, PortID: portID, Routes: []BGPVPNPortRoute{}, AdvertiseFixedIPs: true}
		if err := b.common(c, &a.Common, true, 0); err != nil {
			return nil, err
		}
		if err := b.readPortAssoc(a); err != nil {
			return nil, err
		}
		p := st.port(portID)
		if p == nil || !c.owns(p.ProjectID) {
			return nil, portNotFound(portID)
		}
		v, err := assocBGPVPN(st, c, parent, a.ProjectID, p.ProjectID)
		if err != nil {
			return nil, err
		}
		if v.Type == BGPVPNTypeL2 {
			// The EVPN of this cloud (internal/l2vpn) carries the ports
			// of associated networks, not ports on their own.
			return nil, bgpvpnRequest("Port associations require the bgpvpn to be of type %s: this cloud's EVPN (type %s) takes network associations only", BGPVPNTypeL3, BGPVPNTypeL2)
		}
		if err := st.checkLeakRoutes(c, v, a); err != nil {
			return nil, err
		}
		for _, o := range st.bgpvpnPortAssocs() {
			if o.BGPVPNID == parent && o.PortID == portID {
				return nil, bgpvpnRequestTyped("BGPVPNPortAssocAlreadyExists", "port %s is already associated to BGPVPN %s", portID, parent)
			}
		}
		s.stamp(&a.Common)
		st.add(kindBGPVPNPortAssoc, a)
		return a, nil
	}
	col.update = func(st *state, c *caller, r resource, b *body) error {
		a := r.(*BGPVPNPortAssociation)
		if err := b.readPortAssoc(a); err != nil {
			return err
		}
		v := st.bgpvpn(parent)
		if v == nil {
			return bgpvpnNotFound(parent)
		}
		return st.checkLeakRoutes(c, v, a)
	}
	return col
}

// bgpvpnRequestTyped is a BadRequest subclass of networking-bgpvpn: its
// own type, neutron_lib's BadRequest status.
func bgpvpnRequestTyped(typ, format string, args ...any) *apiError {
	return newErr(http.StatusBadRequest, typ, format, args...)
}

// networkVisible reports whether the caller may see net (its project's,
// shared or external), as get_network finds it.
func (st *state) networkVisible(c *caller, net *Network) bool {
	return c.owns(net.ProjectID) || net.Shared || net.External
}

// bgpvpnsViaRouters are the BGPVPNs of net's project that a router net
// is on is associated with.
func (st *state) bgpvpnsViaRouters(net *Network) []string {
	routers := map[string]bool{}
	for _, p := range st.portsOf(net.ID) {
		if p.DeviceOwner == ownerRouterInterface {
			routers[p.DeviceID] = true
		}
	}
	var out []string
	for _, a := range st.bgpvpnRouterAssocs() {
		v := st.bgpvpn(a.BGPVPNID)
		if routers[a.RouterID] && v != nil && v.ProjectID == net.ProjectID && !slices.Contains(out, v.ID) {
			out = append(out, v.ID)
		}
	}
	return out
}

// bgpvpnsOfRouterNetworks finds a network on rt's interfaces that a
// BGPVPN of rt's project has, with those BGPVPNs.
func (st *state) bgpvpnsOfRouterNetworks(rt *Router) (string, []string) {
	for _, p := range st.routerPorts(rt.ID) {
		if p.DeviceOwner != ownerRouterInterface {
			continue
		}
		var via []string
		for _, a := range st.bgpvpnNetAssocs() {
			v := st.bgpvpn(a.BGPVPNID)
			if a.NetworkID == p.NetworkID && v != nil && v.ProjectID == rt.ProjectID && !slices.Contains(via, v.ID) {
				via = append(via, v.ID)
			}
		}
		if len(via) > 0 {
			return p.NetworkID, via
		}
	}
	return "", nil
}

// checkRouterInterfaceBGPVPN refuses, as the plugin's BEFORE_CREATE
// router interface callback does, an interface between a router in a
// BGPVPN and a network in an l3 BGPVPN.
func (st *state) checkRouterInterfaceBGPVPN(routerID, netID string) error {
	inVPN := slices.ContainsFunc(st.bgpvpnRouterAssocs(), func(a *BGPVPNRouterAssociation) bool { return a.RouterID == routerID })
	if !inVPN {
		return nil
	}
	for _, a := range st.bgpvpnNetAssocs() {
		if v := st.bgpvpn(a.BGPVPNID); a.NetworkID == netID && v != nil && v.Type == BGPVPNTypeL3 {
			return bgpvpnRequest("It is not allowed to add an interface to a router if both the router and the network are bound to an L3 BGPVPN")
		}
	}
	return nil
}

// readPortAssoc applies routes and advertise_fixed_ips of a body to a.
func (b *body) readPortAssoc(a *BGPVPNPortAssociation) error {
	if b.has("routes") {
		routes, err := parsePortRoutes(b.m["routes"])
		if err != nil {
			return err
		}
		a.Routes = routes
	}
	if b.has("advertise_fixed_ips") {
		v, err := b.boolean("advertise_fixed_ips")
		if err != nil {
			return err
		}
		a.AdvertiseFixedIPs = v
	}
	return nil
}

// parsePortRoutes validates routes as list_of_any_key_specs_or_none with
// the two route specs of bgpvpn-routes-control: each a dict that is
// {type: prefix, prefix: CIDR[, local_pref]} or {type: bgpvpn,
// bgpvpn_id: UUID[, local_pref]}.
func parsePortRoutes(v any) ([]BGPVPNPortRoute, error) {
	if v == nil {
		return []BGPVPNPortRoute{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, invalidInput("'%s' is not a list", pyStr(v))
	}
	if dups := duplicates(list); len(dups) > 0 {
		return nil, invalidInput("Duplicate items in the list: '%s'", strings.Join(dups, ", "))
	}
	out := make([]BGPVPNPortRoute, 0, len(list))
	for _, it := range list {
		r, ok := portRoute(it)
		if !ok {
			return nil, invalidInput("No valid key specs matched for: %s", pyRepr(it))
		}
		out = append(out, r)
	}
	return out, nil
}

// portRoute reads one route, reporting whether it matches a route spec.
func portRoute(v any) (BGPVPNPortRoute, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return BGPVPNPortRoute{}, false
	}
	typ, _ := m["type"].(string)
	r := BGPVPNPortRoute{Type: typ}
	var key string
	switch typ {
	case RouteTypePrefix:
		key = "prefix"
		s, ok := m["prefix"].(string)
		if !ok || !validSubnet(s) {
			return r, false
		}
		r.Prefix = s
	case RouteTypeBGPVPN:
		key = "bgpvpn_id"
		s, ok := m["bgpvpn_id"].(string)
		if !ok || !isUUID(s) {
			return r, false
		}
		r.BGPVPNID = s
	default:
		return r, false
	}
	for k := range m {
		if k != "type" && k != key && k != "local_pref" {
			return r, false
		}
	}
	if lp, given := m["local_pref"]; given {
		n, ok := pyInt(lp)
		if !ok || n.Sign() < 0 || n.Cmp(big.NewInt(maxLocalPref)) > 0 {
			return r, false
		}
		x := n.Int64()
		r.LocalPref = &x
	}
	return r, true
}

// validSubnet is type:subnet: an address and prefix length, an IPv4 one
// written in full.
func validSubnet(s string) bool {
	p, err := netip.ParsePrefix(s)
	if err != nil || strings.ContainsAny(s, " \t\n") {
		return false
	}
	return !p.Addr().Is4() || p.String() == s
}

// checkLeakRoutes checks the bgpvpn routes of a port association on v:
// each names a BGPVPN the caller sees, of v's type and the association's
// project.
func (st *state) checkLeakRoutes(c *caller, v *BGPVPN, a *BGPVPNPortAssociation) error {
	for _, r := range a.Routes {
		if r.Type != RouteTypeBGPVPN {
			continue
		}
		o := st.bgpvpn(r.BGPVPNID)
		if o == nil || !c.owns(o.ProjectID) {
			return bgpvpnRequestTyped("BGPVPNPortAssocRouteNoSuchBGPVPN", "bgpvpn specified in route does not exist (%s)", r.BGPVPNID)
		}
		if o.Type != v.Type {
			return bgpvpnRequestTyped("BGPVPNPortAssocRouteBGPVPNTypeDiffer",
				"bgpvpn specified in route is of type %s, differing from type of associated BGPVPN %s)", o.Type, v.Type)
		}
		if o.ProjectID != a.ProjectID {
			return bgpvpnRequestTyped("BGPVPNPortAssocRouteWrongBGPVPNProject", "bgpvpn specified in route does not belong to the project (%s)", r.BGPVPNID)
		}
	}
	return nil
}

// snapshotBGPVPNs adds the BGPVPNs and their associations to out.
func (st *state) snapshotBGPVPNs(out *State) {
	for _, x := range st.bgpvpns() {
		out.BGPVPNs = append(out.BGPVPNs, *x)
	}
	for _, x := range st.bgpvpnNetAssocs() {
		out.BGPVPNNetworkAssociations = append(out.BGPVPNNetworkAssociations, *x)
	}
	for _, x := range st.bgpvpnRouterAssocs() {
		out.BGPVPNRouterAssociations = append(out.BGPVPNRouterAssociations, *x)
	}
	for _, x := range st.bgpvpnPortAssocs() {
		out.BGPVPNPortAssociations = append(out.BGPVPNPortAssociations, *x)
	}
}
