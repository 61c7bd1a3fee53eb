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
