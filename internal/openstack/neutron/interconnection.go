package neutron

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// neutron-interconnection's API (extension "inter"): a tenant asks two
// clouds for connectivity between a router or network of each. Each cloud
// holds one half, an interconnection naming its local resource and the
// remote one (region, Keystone, resource id). The halves check each other
// through the clouds' APIs, exchange route targets through their
// local_parameters, and each cloud builds an admin-made BGPVPN for the
// tenant (export its route target, import the peer's) associated with
// its local router or network.
//
// This file is the resource, its API and the state changes done in one
// transaction; talking to the other cloud is internal/interconnect's job
// (an Interconnector, told after every commit that needs it).

func init() {
	registerExtensions(extension{"inter", "Neutron-Neutron Interconnection",
		"Provides support for Neutron-Neutron Interconnections", "2019-01-14T16:30:00-00:00"})
}

const kindInterconnection = "interconnection"

// Interconnection types.
const (
	InterconnectionRouter    = "router"
	InterconnectionNetworkL3 = "network_l3"
	InterconnectionNetworkL2 = "network_l2"
)

// Interconnection states: the spec's lifecycle without its transient
// (locking) states, which a serialized worker does not need.
const (
	// StateToValidate: the remote half has not been found yet.
	StateToValidate = "TO_VALIDATE"
	// StateValidated: the remote half exists and points back; this half's
	// route target is allocated, the peer's is not known yet.
	StateValidated = "VALIDATED"
	// StateActive: both route targets are known and the BGPVPN is built.
	StateActive = "ACTIVE"
	// StateTeardown: the remote half was deleted; the BGPVPN is gone.
	StateTeardown = "TEARDOWN"
)

// BGPVPN is the key of the route target in local_parameters and
// remote_parameters, as the BGPVPN driver of neutron-interconnection
// named it.
const paramBGPVPN = "bgpvpn"

// Interconnection is one half of an interconnection.
type Interconnection struct {
	Common
	Type             string `json:"type"`
	State            string `json:"state"`
	StateReason      string `json:"state_reason"`
	LocalResourceID  string `json:"local_resource_id"`
	RemoteResourceID string `json:"remote_resource_id"`
	RemoteKeystone   string `json:"remote_keystone"`
	RemoteRegion     string `json:"remote_region"`
	// RemoteKeystoneIsLab: RemoteKeystone names this lab's own Keystone
	// (interconnection_keystone.go; not in the API).
	RemoteKeystoneIsLab bool `json:"remote_keystone_is_lab,omitempty"`
	// RemoteInterconnectionID is the remote half, once found.
	RemoteInterconnectionID *string `json:"remote_interconnection_id"`
	// LocalRT is the route target this half allocated and exports
	// (local_parameters), RemoteRT the peer's, imported
	// (remote_parameters); empty while unknown.
	LocalRT  string `json:"local_rt"`
	RemoteRT string `json:"remote_rt"`
	// BGPVPNIDs are the BGPVPNs built for this half (not in the API).
	BGPVPNIDs []string `json:"bgpvpn_ids"`
}

func (s *state) interconnection(id string) *Interconnection { return get[*Interconnection](s, id) }
func (s *state) interconnections() []*Interconnection {
	return all[*Interconnection](s, kindInterconnection)
}

// Interconnector is told what the other cloud must hear about, after the
// change is committed: internal/interconnect's engine.
type Interconnector interface {
	// InterconnectionChanged: id was created or a refresh was asked for.
	InterconnectionChanged(id string)
	// InterconnectionDeleted: ic (a copy) was deleted, its BGPVPNs with it.
	// A notice of it stays in the store (PendingDeletions) until the
	// engine calls DeletionTold.
	InterconnectionDeleted(ic Interconnection)
}

// RTPool is where a cloud's interconnections take their route targets:
// ASN:N for N in [First, Last]. Each cloud of a lab gets its own slice of
// the lab's pool, so no two clouds allocate the same one.
type RTPool struct {
	ASN         uint32
	First, Last uint32
}

type interWiring struct {
	ic   Interconnector
	pool RTPool
}

// SetInterconnector wires the engine that talks to other clouds and the
// route targets this cloud allocates from. Without it interconnections
// are kept but never leave TO_VALIDATE.
func (s *Service) SetInterconnector(ic Interconnector, pool RTPool) {
	s.inter.Store(&interWiring{ic: ic, pool: pool})
}

var interAttrs = attrs{
	"id":                        {aFilter | aSort, tStr},
	"tenant_id":                 {aPost | aFilter | aSort, tStr},
	"project_id":                {aPost | aFilter | aSort, tStr},
	"name":                      {aPost | aPut | aFilter | aSort, tStr},
	"type":                      {aPost | aReq | aFilter | aSort, tStr},
	"state":                     {aFilter | aSort, tStr},
	"state_reason":              {0, tStr},
	"local_resource_id":         {aPost | aReq | aFilter, tStr},
	"remote_resource_id":        {aPost | aReq | aFilter, tStr},
	"remote_keystone":           {aPost | aReq | aFilter, tStr},
	"remote_region":             {aPost | aReq | aFilter, tStr},
	"remote_interconnection_id": {aFilter, tStr},
	// The policy of neutron-interconnection shows the parameters to
	// admins and peers only (a peer reads as an admin here: interRead).
	"local_parameters":  {aAdmin, tOther},
	"remote_parameters": {aAdmin, tOther},
}

func interconnectionNotFound(id string) *apiError {
	return notFound("InterconnectionNotFound", "Interconnection %s could not be found.", id)
}

func interRequest(format string, args ...any) *apiError {
	return badRequest("interconnection", format, args...)
}

func (s *Service) interconnectionCollection() *collection {
	return &collection{
		name: "interconnections", member: "interconnection", kind: kindInterconnection, attrs: interAttrs,
		notFound: interconnectionNotFound, lenientFilters: true,
		visible: func(st *state, c *caller, r resource) bool { return c.owns(r.base().ProjectID) || c.peer },
		view:    func(st *state, r resource) map[string]any { return interView(r.(*Interconnection)) },
		create:  s.createInterconnection,
		update: func(st *state, c *caller, r resource, b *body) error {
			if b.has("name") {
				n, err := b.str("name", 255)
				if err != nil {
					return err
				}
				r.(*Interconnection).Name = n
			}
			return nil
		},
		delete: func(st *state, c *caller, r resource) error { return nil },
	}
}

// interView is an interconnection as the API shows it.
func interView(ic *Interconnection) map[string]any {
	v := toMap(ic)
	for _, k := range stdHidden {
		delete(v, k)
	}
	delete(v, "local_rt")
	delete(v, "remote_rt")
	delete(v, "bgpvpn_ids")
	delete(v, "remote_keystone_is_lab")
	v["local_parameters"] = params(ic.LocalRT)
	v["remote_parameters"] = params(ic.RemoteRT)
	return v
}

func params(rt string) map[string]any {
	if rt == "" {
		return map[string]any{}
	}
	return map[string]any{paramBGPVPN: rt}
}

// readInterconnection validates a create body into ic.
func (s *Service) readInterconnection(st *state, c *caller, b *body, ic *Interconnection) error {
	typ, ok := b.m["type"].(string)
	valid := []string{InterconnectionRouter, InterconnectionNetworkL2, InterconnectionNetworkL3}
	if !ok || !slices.Contains(valid, typ) {
		return b.invalid("type", "'%s' is not in %s", pyStr(b.m["type"]), pyRepr(valid))
	}
	ic.Type = typ
	var err error
	if ic.LocalResourceID, err = b.uuid("local_resource_id"); err != nil {
		return err
	}
	if ic.RemoteResourceID, err = b.uuid("remote_resource_id"); err != nil {
		return err
	}
	region, ok := b.m["remote_region"].(string)
	if !ok || strings.TrimSpace(region) == "" || len(region) > 255 {
		return b.invalid("remote_region", "'%s' is not a region name", pyStr(b.m["remote_region"]))
	}
	ic.RemoteRegion = region
	// null: this lab's own Keystone, where every cloud is a region.
	ic.RemoteKeystone = s.cfg.AuthURI
	if ks := b.m["remote_keystone"]; ks != nil {
		str, ok := ks.(string)
		u, err := url.Parse(str)
		if !ok || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(str) > 255 {
			return b.invalid("remote_keystone", "'%s' is not a Keystone URL (http[s]://HOST[:PORT]/PATH)", pyStr(ks))
		}
		ic.RemoteKeystone = str
	}
	if ic.RemoteKeystone == "" {
		return b.invalid("remote_keystone", "'None' is not a Keystone URL and this cloud knows no default")
	}
	ic.RemoteKeystoneIsLab = sameKeystone(ic.RemoteKeystone, s.cfg.AuthURI)
	switch typ {
	case InterconnectionRouter:
		if rt := st.router(ic.LocalResourceID); rt == nil || !c.owns(rt.ProjectID) {
			return routerNotFound(ic.LocalResourceID)
		}
	case InterconnectionNetworkL3, InterconnectionNetworkL2:
		if n := st.network(ic.LocalResourceID); n == nil || !c.owns(n.ProjectID) {
			return networkNotFound(ic.LocalResourceID)
		}
	}
	return nil
}

func (s *Service) createInterconnection(st *state, c *caller, b *body) (resource, error) {
	ic := &Interconnection{State: StateToValidate, BGPVPNIDs: []string{}}
	if err := b.common(c, &ic.Common, true, 255); err != nil {
		return nil, err
	}
	if err := s.readInterconnection(st, c, b, ic); err != nil {
		return nil, err
	}
	for _, o := range st.interconnections() {
		if o.ProjectID == ic.ProjectID && o.LocalResourceID == ic.LocalResourceID && o.RemoteResourceID == ic.RemoteResourceID &&
			o.RemoteRegion == ic.RemoteRegion && o.State != StateTeardown {
			return nil, conflict("InterconnectionExists", "Interconnection %s already connects %s to %s in region %s.",
				o.ID, ic.LocalResourceID, ic.RemoteResourceID, ic.RemoteRegion)
		}
	}
	ic.StateReason = fmt.Sprintf("looking for the interconnection in region %s that points back at %s", ic.RemoteRegion, ic.LocalResourceID)
	if s.inter.Load() == nil {
		ic.StateReason = "this cloud has no interconnection service to reach region " + ic.RemoteRegion
	}
	s.stamp(&ic.Common)
	st.add(kindInterconnection, ic)
	return ic, nil
}

// interconnectionRoutes adds the interconnections to mux.
func (s *Service) interconnectionRoutes(mux *routeTable) {
	const base = "/v2.0/interconnection/interconnections"
	col := s.interconnectionCollection()
	mux.HandleFunc("GET "+base, s.authed(interRead(s.listHandler(col))))
	mux.HandleFunc("POST "+base, s.authed(s.createInterconnectionHandler(col)))
	mux.HandleFunc("GET "+base+"/{id}", s.authed(interRead(s.showHandler(col))))
	mux.HandleFunc("PUT "+base+"/{id}", s.authed(s.updateHandler(col)))
	mux.HandleFunc("DELETE "+base+"/{id}", s.authed(s.deleteInterconnectionHandler(col)))
	mux.HandleFunc("PUT "+base+"/{id}/refresh", s.authed(s.refreshInterconnectionHandler(col)))
}

// interRead lets a peer read every interconnection with its parameters,
// as neutron-interconnection's get_interconnection policy does.
func interRead(h func(http.ResponseWriter, *http.Request, *caller)) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		if c.peer && !c.admin {
			cc := *c
			cc.admin = true
			c = &cc
		}
		h(w, r, c)
	}
}

// createInterconnectionHandler is the generic create (no bulk), then the
// engine's turn.
func (s *Service) createInterconnectionHandler(col *collection) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		raw, err := decodeBody(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if top, ok := raw.(map[string]any); ok && top[col.key()] != nil {
			s.fail(w, r, httpBadRequest("Bulk operation not supported"))
			return
		}
		b, err := col.prepare(c, raw, true)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var view map[string]any
		var id string
		err = s.update(r.Context(), func(st *state) error {
			res, err := col.create(st, c, b)
			if err != nil {
				return err
			}
			id = res.base().ID
			view = col.render(st, c, res)
			return nil
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{col.member: view})
		if wi := s.inter.Load(); wi != nil {
			wi.ic.InterconnectionChanged(id)
		}
	}
}

// deleteInterconnectionHandler deletes a half with its BGPVPNs and
// associations, then has the engine tell the peer; the notice that the
// peer is owed is stored in the delete's transaction
// (interconnection_notices.go).
func (s *Service) deleteInterconnectionHandler(col *collection) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		var gone Interconnection
		err := s.update(r.Context(), func(st *state) error {
			res, err := col.find(st, c, r.PathValue("id"))
			if err != nil {
				return err
			}
			if !c.owns(res.base().ProjectID) {
				return policyDenied("rule:delete_interconnection")
			}
			ic := res.(*Interconnection)
			st.dropInterconnectionBGPVPNs(ic)
			gone = *ic
			gone.State, gone.StateReason = StateTeardown, "deleted"
			st.remove(ic.ID)
			if s.inter.Load() != nil {
				s.noteDeleted(st, gone)
			}
			return nil
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		if wi := s.inter.Load(); wi != nil {
			wi.ic.InterconnectionDeleted(gone)
		}
	}
}

// refreshInterconnectionHandler is PUT .../refresh: the peer (or the
// owner, or an admin) asks this half to look at the other again.
func (s *Service) refreshInterconnectionHandler(col *collection) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		if _, err := decodeBody(r); err != nil {
			s.fail(w, r, err)
			return
		}
		st, err := s.read(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		res, err := col.find(st, c, r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if c.peer && !c.admin {
			cc := *c
			cc.admin = true
			c = &cc
		}
		writeJSON(w, http.StatusOK, map[string]any{col.member: col.render(st, c, res)})
		if wi := s.inter.Load(); wi != nil {
			wi.ic.InterconnectionChanged(res.base().ID)
		}
	}
}

// dropInterconnectionBGPVPNs removes the BGPVPNs built for ic, with
// their associations.
func (st *state) dropInterconnectionBGPVPNs(ic *Interconnection) {
	for _, id := range ic.BGPVPNIDs {
		if st.bgpvpn(id) != nil {
			st.dropBGPVPN(id)
			st.remove(id)
		}
	}
	ic.BGPVPNIDs = []string{}
}

// Interconnection is a copy of the region's interconnection id.
func (s *Service) Interconnection(ctx context.Context, id string) (Interconnection, bool, error) {
	cur, err := s.read(ctx)
	if err != nil {
		return Interconnection{}, false, err
	}
	ic := cur.detached().interconnection(id)
	if ic == nil {
		return Interconnection{}, false, nil
	}
	return *ic, true, nil
}

// Interconnections are copies of the region's interconnections, in
// creation order.
func (s *Service) Interconnections(ctx context.Context) ([]Interconnection, error) {
	cur, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	var out []Interconnection
	for _, ic := range cur.detached().interconnections() {
		out = append(out, *ic)
	}
	return out, nil
}

// changeInterconnection runs fn on interconnection id in a transaction;
// a missing or torn down one is left alone (fn is not called).
func (s *Service) changeInterconnection(ctx context.Context, id string, fn func(st *state, ic *Interconnection) error) (Interconnection, error) {
	var out Interconnection
	err := s.update(ctx, func(st *state) error {
		ic := st.interconnection(id)
		if ic == nil || ic.State == StateTeardown {
			if ic != nil {
				out = *ic
			}
			return nil
		}
		before := *ic
		before.BGPVPNIDs = slices.Clone(ic.BGPVPNIDs)
		if err := fn(st, ic); err != nil {
			return err
		}
		if !sameInterconnection(&before, ic) {
			st.touch(ic, s.now())
		}
		out = *ic
		return nil
	})
	return out, err
}

func sameInterconnection(a, b *Interconnection) bool {
	same := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.State == b.State && a.StateReason == b.StateReason && a.LocalRT == b.LocalRT && a.RemoteRT == b.RemoteRT &&
		same(a.RemoteInterconnectionID, b.RemoteInterconnectionID) && slices.Equal(a.BGPVPNIDs, b.BGPVPNIDs)
}

// NoteInterconnection records why interconnection id is where it is:
// state (TO_VALIDATE, or "" to keep the current one) and reason. A half
// that falls back to TO_VALIDATE keeps its route target and BGPVPN: the
// peer may only be unreachable.
func (s *Service) NoteInterconnection(ctx context.Context, id, newState, reason string) (Interconnection, error) {
	return s.changeInterconnection(ctx, id, func(st *state, ic *Interconnection) error {
		if newState != "" {
			ic.State = newState
		}
		ic.StateReason = reason
		return nil
	})
}

// RemoteHalf is what the engine found of the other half.
type RemoteHalf struct {
	ID     string
	Region string
	// RT is the route target the remote half exports (its
	// local_parameters), "" while it has none.
	RT string
}

// ApplyRemote records the remote half of interconnection id, allocates
// this half's route target when it has none, and, once the peer's is
// known too, builds (or updates) the BGPVPN: export ours, import theirs,
// associated with the local router or network. The state becomes
// VALIDATED or ACTIVE, in the same transaction.
func (s *Service) ApplyRemote(ctx context.Context, id string, remote RemoteHalf) (Interconnection, error) {
	return s.changeInterconnection(ctx, id, func(st *state, ic *Interconnection) error {
		rid := remote.ID
		ic.RemoteInterconnectionID = &rid
		ic.RemoteRT = remote.RT
		if ic.LocalRT == "" {
			rt, err := s.allocateRT(st)
			if err != nil {
				ic.State, ic.StateReason = StateToValidate, err.Error()
				return nil
			}
			ic.LocalRT = rt
		}
		if ic.RemoteRT == "" {
			ic.State = StateValidated
			ic.StateReason = fmt.Sprintf("interconnection %s in region %s points back; waiting for its route target", rid, remote.Region)
			return nil
		}
		if err := s.buildBGPVPN(st, ic); err != nil {
			ic.State, ic.StateReason = StateValidated, "cannot build the BGPVPN: "+err.Error()
			return nil
		}
		ic.State = StateActive
		ic.StateReason = fmt.Sprintf("exporting %s, importing %s from interconnection %s in region %s", ic.LocalRT, ic.RemoteRT, rid, remote.Region)
		return nil
	})
}

// TeardownInterconnection ends interconnection id because its remote
// half is gone: its BGPVPNs and associations are removed, its route
// target freed, its state TEARDOWN (terminal: delete it, or make a new
// pair).
func (s *Service) TeardownInterconnection(ctx context.Context, id, reason string) (Interconnection, error) {
	return s.changeInterconnection(ctx, id, func(st *state, ic *Interconnection) error {
		st.dropInterconnectionBGPVPNs(ic)
		ic.LocalRT, ic.RemoteRT = "", ""
		ic.State, ic.StateReason = StateTeardown, reason
		return nil
	})
}

// allocateRT is the first route target of the pool no interconnection of
// the region holds.
func (s *Service) allocateRT(st *state) (string, error) {
	wi := s.inter.Load()
	if wi == nil || wi.pool.Last < wi.pool.First || wi.pool.First == 0 {
		return "", fmt.Errorf("this cloud has no route target pool for interconnections")
	}
	used := map[string]bool{}
	for _, o := range st.interconnections() {
		if o.LocalRT != "" {
			used[o.LocalRT] = true
		}
	}
	for _, n := range st.interconnectionNotices() { // the peer may still import it
		if n.Half.LocalRT != "" {
			used[n.Half.LocalRT] = true
		}
	}
	for n := uint64(wi.pool.First); n <= uint64(wi.pool.Last); n++ {
		rt := fmt.Sprintf("%d:%d", wi.pool.ASN, n)
		if !used[rt] {
			return rt, nil
		}
	}
	return "", fmt.Errorf("no free route target in %d:%d-%d", wi.pool.ASN, wi.pool.First, wi.pool.Last)
}

// buildBGPVPN makes (or brings up to date) ic's BGPVPN and its
// association, as an admin does for the tenant: the checks of
// networking-bgpvpn's associations apply.
func (s *Service) buildBGPVPN(st *state, ic *Interconnection) error {
	for _, id := range ic.BGPVPNIDs {
		if v := st.bgpvpn(id); v != nil {
			if !slices.Equal(v.ImportTargets, []string{ic.RemoteRT}) || !slices.Equal(v.ExportTargets, []string{ic.LocalRT}) {
				v.ImportTargets, v.ExportTargets = []string{ic.RemoteRT}, []string{ic.LocalRT}
				st.mark(v)
			}
			if st.interconnectionAssociated(ic, id) {
				return nil
			}
			// The association went (the tenant removed it): build anew.
			st.dropBGPVPN(id)
			st.remove(id)
		}
	}
	ic.BGPVPNIDs = []string{}
	v := &BGPVPN{Type: BGPVPNTypeL3, RouteTargets: []string{}, ImportTargets: []string{ic.RemoteRT},
		ExportTargets: []string{ic.LocalRT}, RouteDistinguishers: []string{}}
	v.Name = "interconnection:" + ic.ID
	v.ProjectID = ic.ProjectID
	if ic.Type == InterconnectionNetworkL2 {
		v.Type = BGPVPNTypeL2 // EVPN between the networks' ports (internal/l2vpn)
	}
	switch ic.Type {
	case InterconnectionRouter:
		rt := st.router(ic.LocalResourceID)
		if rt == nil {
			return fmt.Errorf("router %s is gone", ic.LocalResourceID)
		}
		if netID, via := st.bgpvpnsOfRouterNetworks(rt); len(via) > 0 {
			return fmt.Errorf("router %s has an attached network %s which is already associated to bgpvpn(s) %s", rt.ID, netID, pyRepr(via))
		}
		s.stamp(&v.Common)
		st.add(kindBGPVPN, v)
		a := &BGPVPNRouterAssociation{BGPVPNID: v.ID, RouterID: rt.ID, AdvertiseExtraRoutes: true}
		a.ProjectID = ic.ProjectID
		s.stamp(&a.Common)
		st.add(kindBGPVPNRouterAssoc, a)
	default:
		net := st.network(ic.LocalResourceID)
		if net == nil {
			return fmt.Errorf("network %s is gone", ic.LocalResourceID)
		}
		if via := st.bgpvpnsViaRouters(net); len(via) > 0 {
			return fmt.Errorf("network %s is linked to a router which is already associated to bgpvpn(s) %s", net.ID, pyRepr(via))
		}
		s.stamp(&v.Common)
		st.add(kindBGPVPN, v)
		a := &BGPVPNNetworkAssociation{BGPVPNID: v.ID, NetworkID: net.ID}
		a.ProjectID = ic.ProjectID
		s.stamp(&a.Common)
		st.add(kindBGPVPNNetAssoc, a)
	}
	ic.BGPVPNIDs = []string{v.ID}
	return nil
}

// interconnectionAssociated reports whether BGPVPN id still has ic's
// local resource.
func (st *state) interconnectionAssociated(ic *Interconnection, id string) bool {
	if ic.Type == InterconnectionRouter {
		return slices.ContainsFunc(st.bgpvpnRouterAssocs(), func(a *BGPVPNRouterAssociation) bool {
			return a.BGPVPNID == id && a.RouterID == ic.LocalResourceID
		})
	}
	return slices.ContainsFunc(st.bgpvpnNetAssocs(), func(a *BGPVPNNetworkAssociation) bool {
		return a.BGPVPNID == id && a.NetworkID == ic.LocalResourceID
	})
}
