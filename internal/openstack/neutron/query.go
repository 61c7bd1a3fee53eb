package neutron

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// listQuery is a list request's filters, sorting and pagination.
type listQuery struct {
	filters  []filter
	sorts    []sortKey
	limit    int
	marker   string
	reverse  bool
	fields   []string
	rawPairs [][2]string // the query in order, for links
}

type filter struct {
	key    string
	typ    int
	values []string
}

type sortKey struct {
	key string
	asc bool
}

// skipped are the query parameters that are not filters.
var skipped = map[string]bool{"fields": true, "sort_key": true, "sort_dir": true, "limit": true, "marker": true, "page_reverse": true}

func parseListQuery(r *http.Request, col *collection) (*listQuery, error) {
	q := &listQuery{}
	vals := url.Values{}
	var order []string
	for _, part := range strings.Split(r.URL.RawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, httpBadRequest("Malformed query string")
		}
		if _, seen := vals[k]; !seen {
			order = append(order, k)
		}
		vals[k] = append(vals[k], v)
		q.rawPairs = append(q.rawPairs, [2]string{k, v})
	}
	var invalid []string
	for _, k := range order {
		if skipped[k] {
			continue
		}
		a, ok := col.attrs[k]
		if !ok || a.flags&aFilter == 0 {
			if col.lenientFilters {
				continue
			}
			invalid = append(invalid, k)
			continue
		}
		q.filters = append(q.filters, filter{key: k, typ: a.typ, values: vals[k]})
	}
	if len(invalid) > 0 {
		return nil, httpBadRequest("%s is invalid attribute for filtering", pyRepr(invalid))
	}
	for _, f := range vals["fields"] {
		if f != "" {
			q.fields = append(q.fields, f)
		}
	}
	keys, dirs := nonEmpty(vals["sort_key"]), nonEmpty(vals["sort_dir"])
	if len(keys) != len(dirs) {
		return nil, httpBadRequest("The number of sort_keys and sort_dirs must be same")
	}
	var badKeys, badDirs []string
	for _, k := range keys {
		if a, ok := col.attrs[k]; !ok || a.flags&aSort == 0 {
			badKeys = append(badKeys, k)
		}
	}
	if len(badKeys) > 0 {
		return nil, httpBadRequest("%s is invalid attribute for sort_keys", pyRepr(badKeys))
	}
	for _, d := range dirs {
		if d != "asc" && d != "desc" {
			badDirs = append(badDirs, d)
		}
	}
	if len(badDirs) > 0 {
		return nil, httpBadRequest("%s is invalid value for sort_dirs, valid value is 'asc' and 'desc'", pyRepr(badDirs))
	}
	for i, k := range keys {
		q.sorts = append(q.sorts, sortKey{k, dirs[i] == "asc"})
	}
	if l := vals.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return nil, badRequest("limit", "Limit must be an integer 0 or greater and not '%s'", l)
		}
		q.limit = n
	}
	if q.limit > 0 {
		q.marker = vals.Get("marker")
		q.reverse = strings.EqualFold(vals.Get("page_reverse"), "true")
	}
	return q, nil
}

func nonEmpty(v []string) []string {
	var out []string
	for _, s := range v {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// match reports whether view v passes every filter: a filter matches
// when the attribute equals any of its values.
func (q *listQuery) match(v map[string]any) (bool, error) {
	for _, f := range q.filters {
		if f.typ == tTags {
			if !matchTags(f, v["tags"]) {
				return false, nil
			}
			continue
		}
		ok := false
		for _, want := range f.values {
			m, err := matchValue(f, v[f.key], want)
			if err != nil {
				return false, err
			}
			if m {
				ok = true
				break
			}
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func matchValue(f filter, have any, want string) (bool, error) {
	if f.key == "fixed_ips" {
		// fixed_ips=ip_address=10.0.0.3 or fixed_ips=subnet_id=...
		k, val, ok := strings.Cut(want, "=")
		if !ok {
			return false, invalidInput("'%s' is not of the form <key>=[value]", want)
		}
		list, _ := have.([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			switch k {
			case "ip_address", "subnet_id":
				if m[k] == val {
					return true, nil
				}
			case "ip_address_substr":
				if s, _ := m["ip_address"].(string); strings.Contains(s, val) {
					return true, nil
				}
			}
		}
		return false, nil
	}
	switch f.typ {
	case tBool:
		b, ok := toBool(want)
		if !ok {
			return false, invalidInput("'%s' cannot be converted to boolean", want)
		}
		h, _ := have.(bool)
		return have != nil && h == b, nil
	case tInt:
		n, ok := toInt(want)
		if !ok {
			return false, invalidInput("'%s' is not an integer", want)
		}
		h, isNum := have.(float64)
		return isNum && int(h) == n, nil
	default:
		switch h := have.(type) {
		case string:
			return h == want, nil
		case nil:
			return false, nil
		case float64:
			return strconv.FormatFloat(h, 'f', -1, 64) == want, nil
		case []any: // security_groups: any of them
			for _, e := range h {
				if e == want {
					return true, nil
				}
			}
		}
		return false, nil
	}
}

// compareValues orders attribute values: null first, then by type.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case nil:
		if b == nil {
			return 0
		}
		return -1
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	}
	if b == nil {
		return 1
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// run lists the collection for c: visible items, filtered, sorted,
// paginated, trimmed to the fields asked for; with the pagination links.
// An item's view is made only when a filter or a sort key other than id
// needs it, and its rendering for c only when it is on the page.
func (q *listQuery) run(st *state, c *caller, col *collection, r *http.Request) ([]map[string]any, []any, error) {
	type row struct {
		id   string
		res  resource
		full map[string]any // the view with tenant_id; nil when not needed
	}
	sorts := q.sorts
	if len(sorts) > 0 || q.limit > 0 {
		if !slices.ContainsFunc(sorts, func(k sortKey) bool { return k.key == "id" }) {
			sorts = append(slices.Clone(sorts), sortKey{"id", true})
		}
	}
	needFull := len(q.filters) > 0 || slices.ContainsFunc(sorts, func(k sortKey) bool { return k.key != "id" })
	var rows []row
	var markerRow *row
	if !(col.adminOnly && !c.admin) {
		for _, res := range st.list(col.kind) {
			id := res.base().ID
			if !col.visible(st, c, res) {
				continue
			}
			rw := row{id: id, res: res}
			if needFull {
				rw.full = col.view(st, res)
				if !col.noProject {
					rw.full["tenant_id"] = rw.full["project_id"]
				}
			}
			if q.marker != "" && id == q.marker {
				markerRow = &row{id: id, res: res, full: rw.full}
			}
			if needFull {
				ok, err := q.match(rw.full)
				if err != nil {
					return nil, nil, err
				}
				if !ok {
					continue
				}
			}
			rows = append(rows, rw)
		}
	}
	order := func(a, b *row) int {
		for _, k := range sorts {
			var c int
			if k.key == "id" {
				c = strings.Compare(a.id, b.id)
			} else {
				c = compareValues(a.full[k.key], b.full[k.key])
			}
			if c != 0 {
				if !k.asc {
					return -c
				}
				return c
			}
		}
		return 0
	}
	if len(sorts) > 0 {
		// The keys end with id, which is unique: the order is total, so
		// an unstable sort gives what a stable one would.
		slices.SortFunc(rows, func(a, b row) int { return order(&a, &b) })
	}
	var links []any
	if q.limit > 0 {
		if q.marker != "" {
			if markerRow == nil {
				return nil, nil, col.notFound(q.marker)
			}
			var page []row
			for _, rw := range rows {
				c := order(&rw, markerRow)
				if (!q.reverse && c > 0) || (q.reverse && c < 0) {
					page = append(page, rw)
				}
			}
			rows = page
		}
		if q.reverse {
			if len(rows) > q.limit {
				rows = rows[len(rows)-q.limit:]
			}
		} else if len(rows) > q.limit {
			rows = rows[:q.limit]
		}
		ids := make([]string, len(rows))
		for i, rw := range rows {
			ids[i] = rw.id
		}
		if !(len(rows) < q.limit && !q.reverse) {
			links = append(links, map[string]any{"rel": "next", "href": q.link(r, ids, false)})
		}
		if !(len(rows) < q.limit && q.reverse) {
			links = append(links, map[string]any{"rel": "previous", "href": q.link(r, ids, true)})
		}
	}
	out := make([]map[string]any, 0, len(rows))
	for _, rw := range rows {
		out = append(out, trimFields(col.render(st, c, rw.res), q.fields))
	}
	return out, links, nil
}

// link is the next (or previous) page's URL: the request's query with
// marker set to the last (first) id of this page, as Neutron builds it.
func (q *listQuery) link(r *http.Request, ids []string, previous bool) string {
	var parts []string
	for _, p := range q.rawPairs {
		if p[0] == "marker" || (!previous && p[0] == "page_reverse") || (previous && p[0] == "page_reverse") {
			continue
		}
		parts = append(parts, url.QueryEscape(p[0])+"="+url.QueryEscape(p[1]))
	}
	if len(ids) > 0 {
		m := ids[len(ids)-1]
		if previous {
			m = ids[0]
		}
		parts = append(parts, "marker="+url.QueryEscape(m))
	}
	if previous {
		parts = append(parts, "page_reverse=True")
	}
	return baseURL(r) + requestPath(r) + "?" + strings.Join(parts, "&")
}
