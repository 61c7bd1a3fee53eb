package neutron

import (
	"net/http"
	"strings"
	"sync"
)

// routeTable is what a Service's newHandler registers: patterns and their
// handlers, in order. Every Service registers the same patterns, and
// building a ServeMux for each cloud (its conflict checks compare each
// pattern with those before it) was a tenth of opening a thousand clouds'
// APIs and a fifth of what that allocated (BenchmarkOpen1000Clouds). So one
// ServeMux per pattern list serves every Service (serveMux); its handler
// for a pattern calls the handler of the Service a request came in
// through, which the request's context carries (routesKey).
type routeTable struct {
	patterns []string
	handlers []http.HandlerFunc
}

// HandleFunc registers a pattern, as http.ServeMux.HandleFunc does.
func (t *routeTable) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	t.patterns = append(t.patterns, pattern)
	t.handlers = append(t.handlers, h)
}

// routesKey is the context key of the handlers of the Service a request
// came in through: a []http.HandlerFunc in routeTable order.
type routesKey struct{}

var sharedMuxes struct {
	sync.Mutex
	byPatterns map[string]*http.ServeMux
}

// serveMux is the ServeMux for t's patterns, made at the first Service
// that registers them.
func (t *routeTable) serveMux() *http.ServeMux {
	key := strings.Join(t.patterns, "\n")
	sharedMuxes.Lock()
	defer sharedMuxes.Unlock()
	if mux, ok := sharedMuxes.byPatterns[key]; ok {
		return mux
	}
	mux := http.NewServeMux()
	for i, p := range t.patterns {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			hs, _ := r.Context().Value(routesKey{}).([]http.HandlerFunc)
			if i >= len(hs) {
				writeNeutronError(w, internalError()) // not through a Service's handler
				return
			}
			hs[i](w, r)
		})
	}
	if sharedMuxes.byPatterns == nil {
		sharedMuxes.byPatterns = map[string]*http.ServeMux{}
	}
	sharedMuxes.byPatterns[key] = mux
	return mux
}
