package main

import (
	"slices"
	"strings"
	"testing"
)

func TestSRPolicyPathsAreReadFromOneLineEach(t *testing.T) {
	p, err := parseSRPath("200 explicit p2 p3 strict")
	if err != nil || p.Preference != 200 || !slices.Equal(p.Explicit, []string{"p2", "p3"}) || !p.Strict || p.Dynamic {
		t.Errorf("explicit: %+v %v", p, err)
	}
	p, err = parseSRPath("100 dynamic latency exclude leased gold")
	if err != nil || !p.Dynamic || p.Metric != "latency" || !slices.Equal(p.Exclude, []string{"leased", "gold"}) {
		t.Errorf("dynamic: %+v %v", p, err)
	}
	p, err = parseSRPath("5 dynamic exclude leased")
	if err != nil || p.Metric != "igp" || !slices.Equal(p.Exclude, []string{"leased"}) {
		t.Errorf("dynamic without a metric: %+v %v", p, err)
	}
	for in, why := range map[string]string{
		"200":                      "too short",
		"x explicit p1":            "preference",
		"0 explicit p1":            "preference",
		"1 explicit strict":        "at least one node",
		"1 dynamic hops":           "latency or igp",
		"1 dynamic latency leased": "exclude",
		"1 dynamic igp exclude":    "exclude",
		"1 loose p1":               "explicit or dynamic",
	} {
		if _, err := parseSRPath(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v, want an error about %s", in, err, why)
		}
	}
}

// FuzzSRPolicyPath: whatever --path holds, parseSRPath answers a path
// that is either explicit or dynamic, with a preference, or an error.
func FuzzSRPolicyPath(f *testing.F) {
	for _, s := range []string{"200 explicit p2 p3 strict", "100 dynamic latency exclude leased", "1 dynamic", "x", "", "1 dynamic igp exclude"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseSRPath(s)
		if err != nil {
			return
		}
		if p.Preference == 0 || p.Dynamic == (len(p.Explicit) > 0) || p.Dynamic && p.Metric != "igp" && p.Metric != "latency" {
			t.Fatalf("%q gave %+v", s, p)
		}
	})
}
