package lab

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/topology"
)

// rangedLab: pe1 and pe3 in area 1 behind the ABR p1, whose range
// 10.255.32.0/24 holds both their loopbacks; pe2 in the backbone. The
// farther loopback, pe3's, is 10 + 5 from p1. Area 1's second range
// holds nothing.
const rangedLab = `name: ranged
nodes:
  p1: {area: 0}
  pe1: {area: 1, loopback: 10.255.32.1}
  pe3: {area: 1, loopback: 10.255.32.3}
  pe2: {area: 0, loopback: 10.255.0.2}
links:
  - {a: pe1, b: p1, cost: 10}
  - {a: pe3, b: pe1, cost: 5}
  - {a: p1, b: pe2, cost: 10}
areas:
  1: {ranges: [10.255.32.0/24, 10.255.33.0/24]}
`

// show NODE igp ranges lists an ABR's ranges: the one holding area 1's
// loopbacks active at the largest of their costs, the empty one inactive.
// Routers inside one area, in area 1 or the backbone, list none.
func TestShowIGPRangesListsTheABRsRanges(t *testing.T) {
	res, err := topology.Load("ranged.yaml", []byte(rangedLab))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := runLab(t, res.Model)

	data, text, err := l.Show("p1", "igp ranges", "")
	if err != nil {
		t.Fatal(err)
	}
	rs, ok := data.([]igp.RangeStatus)
	if !ok || len(rs) != 2 {
		t.Fatalf("p1's ranges: %#v, want two", data)
	}
	rt, _, _ := l.Show("p1", "igp routes", "")
	var far uint32
	for _, r := range rt.([]igp.Route) {
		if r.Prefix == netip.MustParsePrefix("10.255.32.3/32") {
			far = r.Cost
		}
	}
	if far != 15 {
		t.Errorf("p1's cost to pe3's loopback is %d, want 15", far)
	}
	want := []igp.RangeStatus{
		{Area: 1, Prefix: netip.MustParsePrefix("10.255.32.0/24"), Active: true, Advertised: true, Cost: far},
		{Area: 1, Prefix: netip.MustParsePrefix("10.255.33.0/24")},
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Errorf("p1's range %d: %+v, want %+v", i, rs[i], want[i])
		}
	}
	wantText := "Area     Range           Status              Cost\n" +
		"0.0.0.1  10.255.32.0/24  Advertise/active    15\n" +
		"0.0.0.1  10.255.33.0/24  Advertise/inactive  -\n"
	if text != wantText {
		t.Errorf("show p1 igp ranges:\n%s\nwant:\n%s", text, wantText)
	}
	// The spelling with one range, and with a slash, is the same table.
	if _, t2, err := l.Show("p1", "igp/range", ""); err != nil || t2 != text {
		t.Errorf("show p1 igp/range: %v\n%s", err, t2)
	}

	for _, node := range []string{"pe1", "pe2"} {
		data, text, err := l.Show(node, "igp ranges", "")
		if err != nil {
			t.Fatal(err)
		}
		if rs, ok := data.([]igp.RangeStatus); !ok || rs == nil || len(rs) != 0 {
			t.Errorf("%s's ranges: %#v, want an empty list", node, data)
		}
		if text != "Area  Range  Status  Cost\n" {
			t.Errorf("show %s igp ranges:\n%s\nwant the header alone", node, text)
		}
	}
	if _, st, _ := l.Show("p1", "igp status", ""); !strings.Contains(st, "This router is an ABR") {
		t.Errorf("p1 is not an ABR:\n%s", st)
	}
}
