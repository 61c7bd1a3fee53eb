package diagram

import (
	"path/filepath"
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

// readableModels are the labs a newcomer draws first: the seed and the
// examples from about ten routers up.
func readableModels(t *testing.T) []namedModel {
	t.Helper()
	seed, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	models := []namedModel{{"seed", seed}}
	for _, f := range []string{"three-clouds.yaml", "two-clouds.yaml", "inter-as.yaml", "sr-te.yaml", "overlap.yaml", "sdn.yaml"} {
		res, err := topology.LoadFile(filepath.Join("..", "..", "examples", f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		models = append(models, namedModel{f, res.Model})
	}
	return models
}

// A link's label sits on its own link (or just beside it), never on
// another link or a BGP session, and no session runs through a label:
// each label reads as its link's. Checked on the label's box less a
// pixel, so a line grazing its edge does not count.
func TestLabelsClearOfOtherLines(t *testing.T) {
	for _, tm := range readableModels(t) {
		t.Run(tm.name, func(t *testing.T) {
			L := newLayout(newView(tm.m, Options{BGP: true}), Options{BGP: true})
			lines := L.lines()
			for i, e := range L.edges {
				if !e.hasLabel {
					continue
				}
				box := e.label.inflate(-1)
				for _, o := range lines.crossing(box) {
					switch {
					case o.edge == i:
					case o.edge >= 0:
						f := L.edges[o.edge].link
						t.Errorf("label %q of %s-%s lies on link %s-%s", e.link.label, e.link.a.name, e.link.b.name, f.a.name, f.b.name)
					default:
						s := L.sessions[o.session].s
						t.Errorf("BGP session %s-%s runs through label %q of %s-%s", s.a.node.name, s.b.node.name, e.link.label, e.link.a.name, e.link.b.name)
					}
				}
				// Its own link passes through the label or within a label and a half
				// of it (beside a parallel link).
				if !edgeHits(e, e.label.inflate(1.5*labelH)) {
					t.Errorf("label %q sits away from its link %s-%s", e.link.label, e.link.a.name, e.link.b.name)
				}
			}
		})
	}
}

// The labs a newcomer draws first fit a laptop screen at full size and a
// README page: at most 2:1. The seed went from 1858x386 (4.8:1) with a
// column of clouds to 1435x466 with clouds folded under their CEs, then to
// about 1000x760 with its CEs and clouds in rows above and below the core
// (lift.go), and to about 900x780 once a lifted chain no longer widens
// its column. three-clouds (1429 px while pe2's two chains kept the left
// side's columns) is 1137x914 with them side by side under pe2.
func TestDrawingFitsALaptop(t *testing.T) {
	const maxW, maxRatio = 1200.0, 2.0
	for _, tm := range readableModels(t) {
		L := newLayout(newView(tm.m, Options{BGP: true}), Options{BGP: true})
		if L.W > maxW || L.W/L.H > maxRatio {
			t.Errorf("%s is %.0fx%.0f (%.2f:1), want at most %.0f wide and %.1f:1", tm.name, L.W, L.H, L.W/L.H, maxW, maxRatio)
		}
	}
}

// A cloud hanging off a CE is drawn in the CE's column, beyond it from the
// core (under it in a side column, above it in the row above the core),
// joined by a vertical link.
func TestCloudsFoldUnderTheirCE(t *testing.T) {
	seed, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []namedModel{{"seed", seed}, {"synthetic", synthetic(6, 8, 8, 4, 1)}} {
		v := newView(m.m, Options{BGP: true})
		L := newLayout(v, Options{BGP: true})
		folded := 0
		for i, n := range v.nodes {
			if n.cloud == nil || L.anchor[i] < 0 || v.nodes[L.anchor[i]].role != topology.RoleCE {
				continue
			}
			c, ce := L.nodes[i], L.nodes[L.anchor[i]]
			if !L.folded[i] && !L.lifted(i) {
				continue
			}
			folded++
			under, over := c.Y >= ce.bottom(), c.bottom() <= ce.Y
			if c.col != ce.col || !(under && !L.lifted(i) || L.lift[i] < 0 && over || L.lift[i] > 0 && under) {
				t.Errorf("%s: %s (col %d, %.0f-%.0f) is not beyond its CE (col %d, %.0f-%.0f)", m.name, n.name, c.col, c.Y, c.bottom(), ce.col, ce.Y, ce.bottom())
			}
			for _, e := range L.edges {
				if (e.link.a.idx == i || e.link.b.idx == i) && e.kind != edgeVertical {
					t.Errorf("%s: link %s-%s is not drawn vertically (kind %d)", m.name, e.link.a.name, e.link.b.name, e.kind)
				}
			}
		}
		if folded == 0 {
			t.Errorf("%s: no cloud folded beside its CE", m.name)
		}
	}
}
