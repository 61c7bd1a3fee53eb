package neutron

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestExtensionsListEachImplementedAliasOnceAndShowIt(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	code, out := raw(t, lb, demo, "GET", "/v2.0/extensions", nil)
	if code != http.StatusOK {
		t.Fatalf("list: %d %v", code, out)
	}
	var aliases []string
	for _, e := range out["extensions"].([]any) {
		aliases = append(aliases, e.(map[string]any)["alias"].(string))
	}
	if !slices.IsSorted(aliases) || len(slices.Compact(slices.Clone(aliases))) != len(aliases) {
		t.Errorf("aliases not sorted or repeated: %v", aliases)
	}
	for _, want := range []string{"revision-if-match", "standard-attr-tag", "extraroute-atomic", "subnetpool-prefix-ops", "standard-attr-revisions", "extraroute"} {
		if !slices.Contains(aliases, want) {
			t.Errorf("%s not listed: %v", want, aliases)
		}
	}
	for _, a := range aliases {
		code, out := raw(t, lb, demo, "GET", "/v2.0/extensions/"+a, nil)
		if e, _ := out["extension"].(map[string]any); code != http.StatusOK || e["alias"] != a || strings.TrimSpace(e["name"].(string)) == "" {
			t.Errorf("show %s: %d %v", a, code, out)
		}
	}
	code, out = raw(t, lb, demo, "GET", "/v2.0/extensions/tag-ports-during-bulk-creation", nil)
	wantNeutronError(t, "an extension not implemented", code, out, http.StatusNotFound, "HTTPNotFound",
		"Extension with alias tag-ports-during-bulk-creation does not exist")
}

// FuzzIfMatchHeader: any If-Match value is read without a panic, and a
// revision taken from it is written in it.
func FuzzIfMatchHeader(f *testing.F) {
	for _, s := range []string{"revision_number=3", `"revision_number=1", "revision_number=2"`, `W/"revision_number=1"`, "*", `"abc`, `"", "revision_number=-0"`} {
		f.Add(s)
	}
	col := &collection{name: "networks", attrs: withStandard(attrs{})}
	f.Fuzz(func(t *testing.T, v string) {
		r, _ := http.NewRequest("PUT", "/", nil)
		r.Header["If-Match"] = []string{v}
		want, err := revisionConstraint(r, col)
		if err == nil && want != nil && !strings.Contains(v, "revision_number=") {
			t.Errorf("%q: revision %d from a value without one", v, *want)
		}
		for _, tag := range ifMatchTags(v) {
			if !strings.Contains(v, tag) {
				t.Errorf("%q: tag %q is not in it", v, tag)
			}
		}
	})
}
