package bgp

import (
	"bytes"
	"slices"
	"testing"

	bgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// wireRoundTrip sends attrs through the codec as a peer would see them:
// to path attributes, to bytes, and back.
func wireRoundTrip(t *testing.T, a Attrs) Attrs {
	t.Helper()
	pas, err := a.toWire(VPNv4, false)
	if err != nil {
		t.Fatal(err)
	}
	var back []bgp.PathAttributeInterface
	for _, pa := range pas {
		b, err := pa.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		got, err := bgp.GetPathAttribute(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := got.DecodeFromBytes(b); err != nil {
			t.Fatal(err)
		}
		back = append(back, got)
	}
	out, err := attrsFromWire(back, false)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestColorCommunityIsTypeThreeSubTypeElevenWithTheColorInTheLastFourOctets(t *testing.T) {
	got := ColorCommunity(0x01020304)
	want := ExtCommunity{0x03, 0x0b, 0, 0, 1, 2, 3, 4}
	if got != want {
		t.Fatalf("ColorCommunity = % x, want % x", got[:], want[:])
	}
	if c, ok := got.Color(); !ok || c != 0x01020304 {
		t.Fatalf("Color() = %d, %v", c, ok)
	}
	if got.IsRouteTarget() {
		t.Fatal("a color is not a route target")
	}
	if got.String() != "Color:16909060" {
		t.Fatalf("String() = %q", got.String())
	}
	rt, _ := ParseRouteTarget("65000:100")
	if _, ok := rt.Color(); ok {
		t.Fatal("a route target has no color")
	}
}

func TestColorsSurviveTheWireBesideRouteTargets(t *testing.T) {
	rt, _ := ParseRouteTarget("65000:100")
	for _, colors := range [][]uint32{{100}, {0}, {1<<32 - 1}, {100, 200}} {
		ecs := []ExtCommunity{rt}
		for _, c := range colors {
			ecs = append(ecs, ColorCommunity(c))
		}
		a := Attrs{Origin: OriginIGP, NextHop: addr("10.0.0.2"), ExtCommunities: PackExtCommunities(ecs)}
		b := wireRoundTrip(t, a)
		if got := b.Colors(); !slices.Equal(got, colors) {
			t.Errorf("colors %v came back as %v", colors, got)
		}
		if got := b.RouteTargets(); len(got) != 1 || got[0] != rt {
			t.Errorf("route targets came back as %v", got)
		}
		if !bytes.Equal([]byte(a.ExtCommunities), []byte(b.ExtCommunities)) {
			t.Errorf("extended communities % x came back as % x", a.ExtCommunities, b.ExtCommunities)
		}
	}
}

func TestAVPNRouteShowsItsColor(t *testing.T) {
	r := &Route{Family: VPNv4, Attrs: Attrs{ExtCommunities: PackExtCommunities([]ExtCommunity{ColorCommunity(100)})}}
	if v := r.View(); !slices.Equal(v.Colors, []uint32{100}) {
		t.Fatalf("view colors = %v", v.Colors)
	}
}
