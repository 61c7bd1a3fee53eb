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
	for _, f := range []string{"three-clouds.yaml", "two-clouds.yaml", "inter-as.yaml", "sr-te.yaml", "overlap.yaml"} {
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

// The labs a newcomer draws first fit a laptop screen at full size: the
// seed lab's clouds hang under their CEs instead of in columns of their
// own, which took it from 1858x386 (4.8:1) to 1435x466. The bounds are
// what the layout reaches today, so a change that widens it fails here;
// the 2:1 a README page wants is not reached yet: the seed is a chain of
// seven tiers, and the columns' gaps hold its links' labels.
func TestDrawingFitsALaptop(t *testing.T) {
	bounds := map[string]struct{ maxW, maxRatio float64 }{
		"seed":              {1440, 3.1},
		"three-clouds.yaml": {1680, 2.6},
		"two-clouds.yaml":   {1440, 4.1},
		"inter-as.yaml":     {1440, 3.4},
		"sr-te.yaml":        {1440, 2.5},
		"overlap.yaml":      {1440, 3.7},
	}
	for _, tm := range readableModels(t) {
		L := newLayout(newView(tm.m, Options{BGP: true}), Options{BGP: true})
		b := bounds[tm.name]
		if L.W > b.maxW || L.W/L.H > b.maxRatio {
			t.Errorf("%s is %.0fx%.0f (%.2f:1), want at most %.0f wide and %.1f:1", tm.name, L.W, L.H, L.W/L.H, b.maxW, b.maxRatio)
		}
	}
}

// A cloud hanging off a CE is drawn under it, in the CE's column, joined
// by a vertical link; a cloud hanging off a PE sits in the CEs' column.
func TestCloudsFoldUnderTheirCE(t *testing.T) {
	seed, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	v := newView(seed, Options{BGP: true})
	L := newLayout(v, Options{BGP: true})
	at := map[string]nodeGeom{}
	for i, n := range v.nodes {
		at[n.name] = L.nodes[i]
	}
	for _, p := range [][2]string{{"cloud1", "ce1"}, {"cloud2", "ce2"}} {
		c, ce := at[p[0]], at[p[1]]
		if c.col != ce.col || c.Y < ce.bottom() {
			t.Errorf("%s (col %d, y %.0f) is not under %s (col %d, bottom %.0f)", p[0], c.col, c.Y, p[1], ce.col, ce.bottom())
		}
	}
	if at["cloud3"].col != at["ce2"].col {
		t.Errorf("cloud3 (off pe2) in column %d, the CEs' is %d", at["cloud3"].col, at["ce2"].col)
	}
	for _, e := range L.edges {
		if n := e.link.a.name + "-" + e.link.b.name; (n == "cloud1-ce1" || n == "ce1-cloud1") && e.kind != edgeVertical {
			t.Errorf("link %s is not drawn vertically (kind %d)", n, e.kind)
		}
	}
}
