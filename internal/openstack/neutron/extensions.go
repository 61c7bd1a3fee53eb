package neutron

import (
	"slices"
	"strings"
)

// registerExtensions adds a feature's aliases to GET /v2.0/extensions.
// Each feature's file registers what it implements from its init, so the
// list names exactly what is here; it is kept sorted by alias.
func registerExtensions(es ...extension) {
	for _, e := range es {
		if slices.ContainsFunc(extensions, func(x extension) bool { return x.Alias == e.Alias }) {
			panic("neutron: extension " + e.Alias + " registered twice")
		}
		extensions = append(extensions, e)
	}
	slices.SortFunc(extensions, func(a, b extension) int { return strings.Compare(a.Alias, b.Alias) })
}
