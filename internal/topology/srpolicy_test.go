package topology

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const srBase = `defaults: {asn: 65000, label_mode: sr}
nodes:
  p1: {role: p, rr: true}
  p2: {role: p}
  pe1: {role: pe}
  pe2: {role: pe}
  ce1: {role: ce}
links:
  - {a: pe1, b: p1}
  - {a: p1, b: pe2}
  - {a: pe1, b: p2, affinity: [leased]}
  - {a: p2, b: pe2}
  - {a: ce1, b: pe1}
vpns:
  red: {sites: [ce1], color: 100}
`

func TestSRPoliciesLinkAffinitiesAndVPNColorsResolve(t *testing.T) {
	res, err := Load("t.yaml", []byte(srBase+`sr-policies:
  pe1:
    - name: fast
      color: 100
      endpoint: pe2
      paths:
        - {preference: 200, explicit: [p2, pe2], strict: true}
        - {preference: 100, dynamic: {metric: latency, exclude: [leased]}}
`))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	if len(m.SRPolicies) != 1 {
		t.Fatalf("policies %+v", m.SRPolicies)
	}
	p := m.SRPolicies[0]
	want := []SRPath{{Preference: 200, Explicit: []string{"p2", "pe2"}, Strict: true},
		{Preference: 100, Dynamic: true, Metric: "latency", Exclude: []string{"leased"}}}
	if p.Headend != "pe1" || p.Color != 100 || p.Endpoint != "pe2" || p.Name != "fast" || !slices.EqualFunc(p.Paths, want, func(a, b SRPath) bool {
		return a.Preference == b.Preference && slices.Equal(a.Explicit, b.Explicit) && a.Strict == b.Strict && a.Dynamic == b.Dynamic && a.Metric == b.Metric && slices.Equal(a.Exclude, b.Exclude)
	}) {
		t.Errorf("policy %+v", p)
	}
	if !slices.Equal(m.Links[2].Affinity, []string{"leased"}) || m.VPNs[0].Color != 100 {
		t.Errorf("link affinity %v, vpn color %d", m.Links[2].Affinity, m.VPNs[0].Color)
	}
}

func TestSRPolicyMistakesAreReportedWhereTheyAre(t *testing.T) {
	for _, tc := range []struct {
		name, policies string
		want           string
	}{
		{"unknown endpoint", "  pe1:\n    - {color: 1, endpoint: pe3, paths: [{preference: 1, dynamic: {}}]}\n",
			`t.yaml:18:28: sr-policy endpoint "pe3" is not a node (did you mean pe1?)`},
		{"headend not a pe", "  p1:\n    - {color: 1, endpoint: pe2, paths: [{preference: 1, dynamic: {}}]}\n",
			`t.yaml:18:7: sr-policy headend p1 is a p (a headend steers VPN routes: make it a pe)`},
		{"excluded affinity on no link", "  pe1:\n    - {color: 1, endpoint: pe2, paths: [{preference: 1, dynamic: {exclude: [gold]}}]}\n",
			`t.yaml:18:77: affinity "gold" is on no link (links' affinities: leased)`},
		{"explicit segment a ce", "  pe1:\n    - {color: 1, endpoint: pe2, paths: [{preference: 1, explicit: [ce1]}]}\n",
			`t.yaml:18:68: explicit segment ce1 is a ce (SR policies run between core routers)`},
		{"same preference twice", "  pe1:\n    - color: 1\n      endpoint: pe2\n      paths:\n        - {preference: 5, explicit: [p1]}\n        - {preference: 5, explicit: [p2]}\n",
			`t.yaml:22:24: preference 5 given twice (preferences order the candidate paths: make them differ)`},
		{"color 0", "  pe1:\n    - {color: 0, endpoint: pe2, paths: [{preference: 1, dynamic: {}}]}\n",
			`t.yaml:18:15: sr-policy of pe1 color 0 is out of range (between 1 and 4294967295)`},
		{"no path kind", "  pe1:\n    - {color: 1, endpoint: pe2, paths: [{preference: 1}]}\n",
			`t.yaml:18:41: sr-policy of pe1 path needs either explicit or dynamic (explicit: [NODE, ...] or dynamic: {metric: latency})`},
		{"unknown metric", "  pe1:\n    - {color: 1, endpoint: pe2, paths: [{preference: 1, dynamic: {metric: hops}}]}\n",
			`t.yaml:18:75: unknown metric "hops" (latency (the links' configured latency) or igp (their cost))`},
		{"policy twice", "  pe1:\n    - {color: 1, endpoint: pe2, paths: [{preference: 1, dynamic: {}}]}\n    - {color: 1, endpoint: pe2, paths: [{preference: 1, dynamic: {}}]}\n",
			`t.yaml:19:7: pe1 has two policies of color 1 to pe2 (first given at line 18)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(srBase+"sr-policies:\n"+tc.policies))
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("no diagnostics: %v", err)
			}
			var got []string
			for _, d := range ds.Errors() {
				got = append(got, d.String())
			}
			if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, tc.want) }) {
				t.Errorf("diagnostics:\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}
}

func TestALinkAffinityMustBeAName(t *testing.T) {
	_, err := Load("t.yaml", []byte("links:\n  - {a: p1, b: p2, affinity: [\"9 lives\"]}\n"))
	if err == nil || !strings.Contains(err.Error(), `t.yaml:2:31: invalid affinity name "9 lives"`) {
		t.Fatalf("%v", err)
	}
}
