package neutron

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/intercloud/intercloud/internal/store"
)

// Quotas (Neutron's "quotas", "quota_details" and "quota-check-limit"
// extensions, with its DbQuotaDriver's semantics): every project of a
// region may hold at most a limit of each counted resource, Neutron's
// default unless an admin set another for the project; -1 is unlimited.
// A create beyond the limit is refused with 409 OverQuota before anything
// is written. Limits are the region's: each cloud is its own Neutron.

// quotaResource is a resource Neutron counts per project.
type quotaResource struct {
	name string // its key in quota bodies
	def  int    // neutron.conf's [quotas] default
	// kind is the stored kind counted; empty for a resource this Neutron
	// does not offer yet (RBAC policies), whose quota is kept and shown,
	// as clients expect it, with nothing to count.
	kind string
}

// quotaResources are Neutron's registered quota resources (ML2 with the
// L3 and security group extensions, and networking-bgpvpn), sorted by
// name. Neutron's quotas
// leave out neutron-dynamic-routing's speakers and peers (its extension
// registers no quota), and here only an admin may create them anyway.
var quotaResources = []quotaResource{
	{"bgpvpn", -1, kindBGPVPN}, // networking-bgpvpn registers it, with quota_default
	{"floatingip", 50, kindFloatingIP},
	{"network", 100, kindNetwork},
	{"port", 500, kindPort},
	{"rbac_policy", 10, ""},
	{"router", 10, kindRouter},
	{"security_group", 10, kindSecurityGroup},
	{"security_group_rule", 100, kindSecurityGroupRule},
	{"subnet", 100, kindSubnet},
	{"subnetpool", -1, kindSubnetPool},
}

// maxQuotaLimit is the largest limit (neutron-lib's DB_INTEGER_MAX_VALUE).
const maxQuotaLimit = math.MaxInt32

func quotaResourceOfKind(kind string) (quotaResource, bool) {
	i := slices.IndexFunc(quotaResources, func(q quotaResource) bool { return q.kind == kind })
	if i < 0 {
		return quotaResource{}, false
	}
	return quotaResources[i], true
}

// quotaMigration keeps the limits an admin set: one row per (region,
// project, resource), as Neutron's quotas table; no row is the default.
func quotaMigration() store.Migration {
	return store.Migration{Version: 3, Name: "neutron quotas", Up: store.SQL(
		`CREATE TABLE neutron_quotas (
			region     TEXT    NOT NULL,
			project_id TEXT    NOT NULL,
			resource   TEXT    NOT NULL,
			hard_limit INTEGER NOT NULL,
			PRIMARY KEY (region, project_id, resource)
		)`,
	)}
}

// overQuota is neutron-lib's OverQuota.
func overQuota(resources ...string) *apiError {
	slices.Sort(resources)
	return conflict("OverQuota", "Quota exceeded for resources: %s.", pyRepr(resources))
}

// quotaLimits is project's limit of every resource: the defaults with
// what an admin set over them.
func (s *Service) quotaLimits(ctx context.Context, q querier, project string) (map[string]int, error) {
	limits := make(map[string]int, len(quotaResources))
	for _, r := range quotaResources {
		limits[r.name] = r.def
	}
	if q == nil {
		return limits, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT resource, hard_limit FROM neutron_quotas WHERE region = ? AND project_id = ?`, s.cfg.Region, project)
	if err != nil {
		return nil, fmt.Errorf("neutron: read quotas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var res string
		var limit int
		if err := rows.Scan(&res, &limit); err != nil {
			return nil, fmt.Errorf("neutron: read quotas: %w", err)
		}
		if _, known := limits[res]; known {
			limits[res] = limit
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("neutron: read quotas: %w", err)
	}
	return limits, nil
}

// quotaUsage counts project's resources of kind.
func quotaUsage(st *state, kind, project string) int {
	if kind == "" {
		return 0
	}
	return st.projectCount(kind, project)
}

// quotaCache keeps each project's limits once read, so a create costs
// no read of them. Quota updates go through this Service and drop the
// project's entry under the store's writer lock, before any later
// transaction begins; a limit set through another Service on the same
// store (another process) is seen once this one restarts.
type quotaCache struct {
	mu     sync.Mutex
	limits map[string]map[string]int // project -> resource -> limit
}

func (c *quotaCache) get(project string) (map[string]int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.limits[project]
	return l, ok
}

func (c *quotaCache) put(project string, l map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.limits == nil {
		c.limits = map[string]map[string]int{}
	}
	c.limits[project] = l
}

func (c *quotaCache) drop(project string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.limits, project)
}

// checkQuota refuses one more resource of kind for project when the
// project already holds its limit. The create paths call it inside the
// request's transaction, which holds the store's write lock, so the
// limits read on another connection (WAL) are the committed ones no one
// can change meanwhile, and the count is of the state being changed (a
// bulk create's earlier items included).
func (s *Service) checkQuota(st *state, kind, project string) error {
	qr, ok := quotaResourceOfKind(kind)
	if !ok {
		return nil
	}
	limits, ok := s.quotas.get(project)
	if !ok {
		var db querier
		if s.st != nil { // a Service without a store (the fuzz targets') has the defaults
			db = s.st.DB()
		}
		var err error
		if limits, err = s.quotaLimits(context.Background(), db, project); err != nil {
			return err
		}
		s.quotas.put(project, limits)
	}
	limit := limits[qr.name]
	// Fewer of kind in the whole region than the limit: no need to count.
	if limit < 0 || st.kindLen(kind) < limit {
		return nil
	}
	if quotaUsage(st, kind, project)+1 > limit {
		return overQuota(qr.name)
	}
	return nil
}

// quotaRoutes adds the quotas extension's resource.
func (s *Service) quotaRoutes(mux *routeTable) {
	mux.HandleFunc("GET /v2.0/quotas", s.authed(s.listQuotas))
	mux.HandleFunc("POST /v2.0/quotas", s.authed(func(w http.ResponseWriter, r *http.Request, _ *caller) {
		writeNeutronError(w, newErr(http.StatusNotImplemented, "HTTPNotImplemented", "POST requests are not supported on this resource."))
	}))
	mux.HandleFunc("GET /v2.0/quotas/project", s.authed(s.quotaProject("project")))
	mux.HandleFunc("GET /v2.0/quotas/tenant", s.authed(s.quotaProject("tenant")))
	mux.HandleFunc("GET /v2.0/quotas/{id}", s.authed(s.showQuota))
	mux.HandleFunc("GET /v2.0/quotas/{id}/default", s.authed(s.defaultQuota))
	mux.HandleFunc("GET /v2.0/quotas/{id}/details", s.authed(s.quotaDetails))
	mux.HandleFunc("PUT /v2.0/quotas/{id}", s.authed(s.updateQuota))
	mux.HandleFunc("DELETE /v2.0/quotas/{id}", s.authed(s.deleteQuota))
}

// quotaPolicy is Neutron's get/update/delete_quota rule: admins only,
// except that anyone may read their own project's quota.
func quotaPolicy(c *caller, action, project string) error {
	if c.admin || (action == "get_quota" && project != "" && project == c.project) {
		return nil
	}
	return policyDenied("rule:" + action)
}

func quotaView(limits map[string]int) map[string]any {
	v := make(map[string]any, len(limits))
	for k, n := range limits {
		v[k] = n
	}
	return v
}

// listQuotas answers GET /v2.0/quotas: the projects with a limit set,
// each with all its limits.
func (s *Service) listQuotas(w http.ResponseWriter, r *http.Request, c *caller) {
	if err := quotaPolicy(c, "get_quota", ""); err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := s.st.DB().QueryContext(r.Context(), `SELECT DISTINCT project_id FROM neutron_quotas WHERE region = ? ORDER BY project_id`, s.cfg.Region)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var projects []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			s.fail(w, r, err)
			return
		}
		projects = append(projects, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		s.fail(w, r, err)
		return
	}
	out := []any{}
	for _, p := range projects {
		limits, err := s.quotaLimits(r.Context(), s.st.DB(), p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v := quotaView(limits)
		v["project_id"], v["tenant_id"] = p, p
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"quotas": out})
}

// quotaProject answers GET /v2.0/quotas/project (and the deprecated
// /tenant): the caller's project.
func (s *Service) quotaProject(key string) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		if c.project == "" {
			s.fail(w, r, httpBadRequest("Tenant-id was missing from quota request."))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{key: map[string]any{key + "_id": c.project}})
	}
}

func (s *Service) showQuota(w http.ResponseWriter, r *http.Request, c *caller) {
	id := r.PathValue("id")
	if err := quotaPolicy(c, "get_quota", id); err != nil {
		s.fail(w, r, err)
		return
	}
	limits, err := s.quotaLimits(r.Context(), s.st.DB(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"quota": quotaView(limits)})
}

func (s *Service) defaultQuota(w http.ResponseWriter, r *http.Request, c *caller) {
	if err := quotaPolicy(c, "get_quota", r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	v := map[string]any{}
	for _, q := range quotaResources {
		v[q.name] = q.def
	}
	writeJSON(w, http.StatusOK, map[string]any{"quota": v})
}

// quotaDetails answers GET /v2.0/quotas/{id}/details: each resource's
// limit, use and reservations (none: a create reserves nothing that
// outlives its transaction).
func (s *Service) quotaDetails(w http.ResponseWriter, r *http.Request, c *caller) {
	id := r.PathValue("id")
	if !c.admin && id != c.project {
		// quotasv2_detail raises AdminRequired itself, not through policy.
		s.fail(w, r, newErr(http.StatusForbidden, "AdminRequired", "User does not have admin privileges: Only admin is authorized to access quotas for another tenant."))
		return
	}
	st, err := s.read(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limits, err := s.quotaLimits(r.Context(), s.st.DB(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := map[string]any{}
	for _, q := range quotaResources {
		v[q.name] = map[string]any{"limit": limits[q.name], "used": quotaUsage(st, q.kind, id), "reserved": 0}
	}
	writeJSON(w, http.StatusOK, map[string]any{"quota": v})
}

// quotaAttrs are what a quota update may set.
var quotaAttrs = func() attrs {
	a := attrs{}
	for _, q := range quotaResources {
		a[q.name] = attrSpec{aPut, tInt}
	}
	return a
}()

// parseQuotaLimit converts and validates one limit as Neutron's
// convert_to_int and type:range [-1, DB_INTEGER_MAX_VALUE] do.
func parseQuotaLimit(b *body, k string) (int, error) {
	v := b.m[k]
	// Python's int(): exact for integers of any size, truncating for a
	// float (1.5 is 1), digits for a string, 0 or 1 for a boolean.
	n := new(big.Int)
	ok := false
	switch x := v.(type) {
	case json.Number:
		if _, ok = n.SetString(x.String(), 10); !ok {
			if f, err := x.Float64(); err == nil && !math.IsInf(f, 0) {
				big.NewFloat(f).Int(n)
				ok = true
			}
		}
	case string:
		_, ok = n.SetString(strings.TrimSpace(x), 10)
	case bool:
		ok = true
		if x {
			n.SetInt64(1)
		}
	}
	if !ok {
		return 0, invalidInput("'%s' is not an integer", pyStr(v))
	}
	if n.Cmp(big.NewInt(-1)) < 0 {
		return 0, b.invalid(k, "'%s' is too small - must be at least '-1'", n)
	}
	if n.Cmp(big.NewInt(maxQuotaLimit)) > 0 {
		return 0, b.invalid(k, "'%s' is too large - must be no larger than '%d'", n, maxQuotaLimit)
	}
	return int(n.Int64()), nil
}

// updateQuota answers PUT /v2.0/quotas/{id}: sets the limits given and
// answers all of them. With check_limit (quota-check-limit), a limit
// below what the project already uses is refused.
func (s *Service) updateQuota(w http.ResponseWriter, r *http.Request, c *caller) {
	id := r.PathValue("id")
	if err := quotaPolicy(c, "update_quota", id); err != nil {
		s.fail(w, r, err)
		return
	}
	raw, err := decodeBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	checkLimit := false
	if top, ok := raw.(map[string]any); ok {
		if q, ok := top["quota"].(map[string]any); ok {
			// Options, popped before validation as Neutron's controller
			// does; force wins over check_limit.
			force, _ := toBool(q["force"])
			check, _ := toBool(q["check_limit"])
			delete(q, "force")
			delete(q, "check_limit")
			checkLimit = check && !force
		}
	}
	s.setQuota(w, r, c, id, raw, checkLimit)
}

func (s *Service) setQuota(w http.ResponseWriter, r *http.Request, c *caller, id string, raw any, checkLimit bool) {
	col := &collection{member: "quota", attrs: quotaAttrs}
	b, err := col.prepare(c, raw, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	set := map[string]int{}
	for _, q := range quotaResources {
		if !b.has(q.name) {
			continue
		}
		n, err := parseQuotaLimit(b, q.name)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		set[q.name] = n
	}
	var limits map[string]int
	err = s.st.WriteTx(r.Context(), func(tx *sql.Tx) error {
		if checkLimit {
			st, err := s.current(r.Context(), tx)
			if err != nil {
				return err
			}
			for _, q := range quotaResources {
				n, ok := set[q.name]
				if !ok || n < 0 {
					continue
				}
				if used := quotaUsage(st, q.kind, id); used > n {
					return httpBadRequest("Quota limit %d for %s must be greater than or equal to already used %d", n, q.name, used)
				}
			}
		}
		for res, n := range set {
			if _, err := tx.ExecContext(r.Context(), `INSERT INTO neutron_quotas (region, project_id, resource, hard_limit) VALUES (?, ?, ?, ?)
				ON CONFLICT (region, project_id, resource) DO UPDATE SET hard_limit = excluded.hard_limit`, s.cfg.Region, id, res, n); err != nil {
				return fmt.Errorf("neutron: write quota: %w", err)
			}
		}
		limits, err = s.quotaLimits(r.Context(), tx, id)
		return err
	}, func() { s.quotas.drop(id) })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"quota": quotaView(limits)})
}

// deleteQuota answers DELETE /v2.0/quotas/{id}: the project's limits go
// back to the defaults; 404 when it had none set.
func (s *Service) deleteQuota(w http.ResponseWriter, r *http.Request, c *caller) {
	id := r.PathValue("id")
	if err := quotaPolicy(c, "delete_quota", id); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.st.WriteTx(r.Context(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(r.Context(), `DELETE FROM neutron_quotas WHERE region = ? AND project_id = ?`, s.cfg.Region, id)
		if err != nil {
			return fmt.Errorf("neutron: delete quota: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return notFound("TenantQuotaNotFound", "Quota for tenant %s could not be found.", id)
		}
		return nil
	}, func() { s.quotas.drop(id) })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkPoolQuota enforces a subnet pool's default_quota: the addresses
// (IPv4 /32 units) one project's subnets may take from the pool, the
// new one included. Neutron's API reference defines it per project;
// its allocator counts the pool owner's subnets instead, which leaves
// every other project of a shared pool unlimited: here it is the
// allocating project's, as documented.
func (st *state) checkPoolQuota(sp *SubnetPool, project string, want netip.Prefix) error {
	if sp.DefaultQuota == nil || *sp.DefaultQuota == 0 {
		return nil
	}
	used := uint64(1) << (32 - want.Bits())
	for _, o := range st.subnets() {
		if o.SubnetPoolID != nil && *o.SubnetPoolID == sp.ID && o.ProjectID == project {
			used += uint64(1) << (32 - subnetPrefix(o).Bits())
		}
	}
	if used > uint64(*sp.DefaultQuota) {
		return conflict("SubnetPoolQuotaExceeded", "Per-tenant subnet pool prefix quota exceeded.")
	}
	return nil
}
