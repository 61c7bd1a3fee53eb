package topology

import (
	"encoding/json"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// areasLab is a backbone p1-p2 with pe1 in area 1 and pe2 in area 2.
const areasLab = `nodes:
  p1: {area: 0}
  p2: {area: 0}
  pe1: {area: 1, loopback: 10.255.1.1}
  pe2: {area: 2, loopback: 10.255.2.1}
links: [p1-p2, pe1-p1, pe2-p2]
`

func TestAreaRangesAreReadInIntegerAndDottedForm(t *testing.T) {
	res, err := Load("t.yaml", []byte(areasLab+"areas:\n  1: {ranges: [10.255.1.0/24]}\n  0.0.0.2: {ranges: [10.255.2.0/24, 10.254.2.0/24]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	want := map[Area][]netip.Prefix{
		1: {netip.MustParsePrefix("10.255.1.0/24")},
		2: {netip.MustParsePrefix("10.255.2.0/24"), netip.MustParsePrefix("10.254.2.0/24")},
	}
	if len(m.AreaRanges) != len(want) {
		t.Fatalf("AreaRanges = %v, want %v", m.AreaRanges, want)
	}
	for a, ps := range want {
		if !slices.Equal(m.AreaRanges[a], ps) {
			t.Errorf("area %s ranges = %v, want %v", a, m.AreaRanges[a], ps)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"area_ranges":{"0.0.0.1":["10.255.1.0/24"],"0.0.0.2":["10.255.2.0/24","10.254.2.0/24"]}`) {
		t.Errorf("model JSON lacks the dotted area ranges: %s", b)
	}
}

func TestAModelWithoutAreasSectionHasNoAreaRangesInJSON(t *testing.T) {
	res, err := Load("t.yaml", []byte(areasLab))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res.Model)
	if strings.Contains(string(b), "area_ranges") {
		t.Errorf("model JSON has area_ranges without an areas: section")
	}
}

func TestAreaRangeErrorsPointAtTheirLineAndColumn(t *testing.T) {
	cases := []struct {
		name, areas string
		want        []string
	}{
		{"host bits", "areas:\n  1: {ranges: [10.255.1.1/24]}\n",
			[]string{`t.yaml:8:16: area 0.0.0.1 range 10.255.1.1/24 has host bits set (did you mean 10.255.1.0/24?)`}},
		{"not ipv4", "areas:\n  1: {ranges: [2001:db8::/32]}\n",
			[]string{`t.yaml:8:16: area 0.0.0.1 range "2001:db8::/32" is not an IPv4 prefix (an IPv4 prefix such as 10.0.0.0/16)`}},
		{"not a prefix", "areas:\n  1:\n    ranges:\n      - 10.255.1.0\n",
			[]string{`t.yaml:10:9: area 0.0.0.1 range "10.255.1.0" is not an IPv4 prefix (an IPv4 prefix such as 10.0.0.0/16)`}},
		{"unknown key", "areas:\n  1: {range: [10.255.1.0/24]}\n",
			[]string{`t.yaml:8:7: unknown key "range" in area 0.0.0.1 (did you mean ranges?)`}},
		{"unused area", "areas:\n  1: {ranges: [10.255.1.0/24]}\n  7: {ranges: [10.255.7.0/24]}\n",
			[]string{`t.yaml:9:3: area 0.0.0.7 in areas is used by no core link (the core's areas: 0.0.0.0, 0.0.0.1, 0.0.0.2)`}},
		{"duplicate range", "areas:\n  1: {ranges: [10.255.1.0/24, 10.255.1.0/24]}\n",
			[]string{`t.yaml:8:31: area 0.0.0.1 range 10.255.1.0/24 is given twice (first given at line 8)`}},
		{"one range in two areas", "areas:\n  1: {ranges: [10.255.0.0/23]}\n  2:\n    ranges: [10.255.0.0/23]\n",
			[]string{`t.yaml:10:14: range 10.255.0.0/23 is given for areas 0.0.0.1 and 0.0.0.2 (first given at line 8)`}},
		{"overlap across areas", "areas:\n  1: {ranges: [10.255.0.0/16]}\n  2: {ranges: [10.255.2.0/24]}\n",
			[]string{`t.yaml:9:16: area 0.0.0.2 range 10.255.2.0/24 overlaps area 0.0.0.1 range 10.255.0.0/16 (a range summarises one area's routes: give each area its own block)`}},
		{"same area twice", "areas:\n  1: {ranges: [10.255.1.0/24]}\n  0.0.0.1: {ranges: [10.254.1.0/24]}\n",
			[]string{`t.yaml:9:3: area 0.0.0.1 is given twice in areas (first given at line 8)`}},
		{"bad area id", "areas:\n  one: {ranges: [10.255.1.0/24]}\n",
			[]string{`t.yaml:8:3: a key of areas must be an OSPF area id, not the text "one" (a number such as 0 or a dotted id such as 0.0.0.1)`}},
		{"not a mapping", "areas: [1, 2]\n",
			[]string{`t.yaml:7:8: areas must be a mapping of area id to settings, not a list (write it as areas: {1: {ranges: [10.255.1.0/24]}})`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, areasLab+tc.areas, tc.want...)
		})
	}
}

func TestNestedRangesOfOneAreaAreAllowed(t *testing.T) {
	res, err := Load("t.yaml", []byte(areasLab+"areas:\n  1: {ranges: [10.255.0.0/16, 10.255.1.0/24]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Model.AreaRanges[1]); got != 2 {
		t.Errorf("area 1 has %d ranges, want 2", got)
	}
}

func TestNSSAAndTotallyNSSAAreasAreReadBesideTheirRanges(t *testing.T) {
	res, err := Load("t.yaml", []byte(areasLab+"areas:\n  1: {nssa: true, no_summary: true, ranges: [10.255.1.0/24]}\n  2: {nssa: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	if len(m.NSSAs) != 2 || m.NSSAs[1] != (NSSA{NoSummary: true}) || m.NSSAs[2] != (NSSA{}) {
		t.Errorf("NSSAs = %+v, want area 1 totally NSSA and area 2 NSSA", m.NSSAs)
	}
	if len(m.AreaRanges[1]) != 1 {
		t.Errorf("area 1 ranges = %v, want its one range", m.AreaRanges[1])
	}
	b, _ := json.Marshal(m)
	if !strings.Contains(string(b), `"nssa_areas":{"0.0.0.1":{"no_summary":true},"0.0.0.2":{}}`) {
		t.Errorf("model JSON lacks the NSSA areas: %s", b)
	}
}

func TestAnAreaWithOnlyRangesIsNoNSSA(t *testing.T) {
	res, err := Load("t.yaml", []byte(areasLab+"areas:\n  1: {ranges: [10.255.1.0/24], nssa: false}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Model.NSSAs != nil {
		t.Errorf("NSSAs = %v, want none", res.Model.NSSAs)
	}
	b, _ := json.Marshal(res.Model)
	if strings.Contains(string(b), "nssa_areas") {
		t.Errorf("model JSON has nssa_areas without an NSSA")
	}
}

func TestNSSAErrorsPointAtTheirLineAndColumn(t *testing.T) {
	cases := []struct {
		name, areas string
		want        []string
	}{
		{"backbone", "areas:\n  0: {nssa: true}\n",
			[]string{`t.yaml:8:13: area 0.0.0.0 is the backbone: it cannot be an NSSA (make a non-backbone area the NSSA)`}},
		{"no_summary alone", "areas:\n  1: {no_summary: true}\n",
			[]string{`t.yaml:8:19: area 0.0.0.1 has no_summary but is not an NSSA (add nssa: true for a totally NSSA)`}},
		{"no_summary with nssa false", "areas:\n  2:\n    nssa: false\n    no_summary: true\n",
			[]string{`t.yaml:10:17: area 0.0.0.2 has no_summary but is not an NSSA (add nssa: true for a totally NSSA)`}},
		{"not a boolean", "areas:\n  1: {nssa: yes please}\n",
			[]string{`t.yaml:8:13: area 0.0.0.1 nssa must be a boolean, not the text "yes please" (true or false)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, areasLab+tc.areas, tc.want...)
		})
	}
}

// wantErrors loads the file y and checks its errors are want, in order,
// each with its file:line:col.
func wantErrors(t *testing.T, y string, want ...string) {
	t.Helper()
	_, err := Load("t.yaml", []byte(y))
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("want diagnostics, got %v", err)
	}
	var got []string
	for _, d := range ds.Errors() {
		got = append(got, d.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n got: %q\nwant: %q", got, want)
	}
}
