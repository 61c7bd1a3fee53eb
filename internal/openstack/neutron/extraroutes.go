package neutron

import (
	"net/http"
	"slices"
)

// extraroute-atomic: PUT /v2.0/routers/{id}/add_extraroutes and
// remove_extraroutes change a router's extra routes by set operations on
// the server, so two clients adding routes do not overwrite each other.
// As Neutron's extraroute_db does, the result is judged as a whole, as
// an update of routes would be: adding a route the router has or
// removing one it lacks is no error.

func init() {
	registerExtensions(extension{"extraroute-atomic", "Atomically add/remove extra routes",
		"Edit extra routes of a router on server side by atomically adding/removing extra routes", "2019-07-10T00:00:00+00:00"})
}

func (s *Service) extraRouteRoutes(mux *routeTable) {
	mux.HandleFunc("PUT /v2.0/routers/{id}/add_extraroutes", s.authed(s.extraRoutesHandler(true)))
	mux.HandleFunc("PUT /v2.0/routers/{id}/remove_extraroutes", s.authed(s.extraRoutesHandler(false)))
}

func (s *Service) extraRoutesHandler(add bool) func(http.ResponseWriter, *http.Request, *caller) {
	col := s.routerCollection()
	return memberAction(s, col, func(r *http.Request, c *caller) ([]HostRoute, error) {
		raw, err := decodeBody(r)
		if err != nil {
			return nil, err
		}
		// {"router": {"routes": [...]}}, read as an update of routes.
		b, err := col.prepare(c, raw, false)
		if err != nil {
			return nil, err
		}
		if !b.has("routes") {
			return nil, httpBadRequest("Body contains invalid data")
		}
		return parseRouteSet(b)
	}, func(st *state, c *caller, res resource, given []HostRoute) (any, error) {
		rt := res.(*Router)
		routes := slices.Clone(rt.Routes)
		if add {
			for _, g := range given {
				if !slices.Contains(routes, g) {
					routes = append(routes, g)
				}
			}
		} else {
			routes = slices.DeleteFunc(routes, func(h HostRoute) bool { return slices.Contains(given, h) })
		}
		if len(routes) > maxRoutes {
			return nil, newErr(http.StatusBadRequest, "RoutesExhausted", "Unable to complete operation for %s. The number of routes exceeds the maximum %d.", rt.ID, maxRoutes)
		}
		if err := st.checkRoutes(rt, routesValue(routes), routes); err != nil {
			return nil, err
		}
		// A change that leaves the routes as they were is no update: the
		// revision stays.
		if !slices.Equal(routes, rt.Routes) {
			rt.Routes = routes
			st.touch(rt, s.now())
		}
		return map[string]any{"router": col.render(st, c, rt)}, nil
	})
}

// parseRouteSet reads the routes of an add or remove, each checked as a
// route of an update; a route given twice counts once.
func parseRouteSet(b *body) ([]HostRoute, error) {
	list, ok := b.m["routes"].([]any)
	if !ok {
		return parseRoutes(b, "routes") // refused as an update's routes are
	}
	var out []HostRoute
	for _, e := range list {
		one, err := parseRoutes(&body{member: b.member, m: map[string]any{"routes": []any{e}}}, "routes")
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, one[0]) {
			out = append(out, one[0])
		}
	}
	return out, nil
}

// routesValue is routes as the request body would hold them, for the
// messages that quote the routes judged.
func routesValue(routes []HostRoute) []any {
	out := make([]any, len(routes))
	for i, r := range routes {
		out[i] = map[string]any{"destination": r.Destination, "nexthop": r.Nexthop}
	}
	return out
}
