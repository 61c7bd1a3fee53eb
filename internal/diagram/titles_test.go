package diagram

import (
	"path/filepath"
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

// TestAreaTitlesClearOfLinks: an area's name is never struck through by a
// link, in the fixtures and in the example labs with several areas, where
// arcs between bands used to run over it.
func TestAreaTitlesClearOfLinks(t *testing.T) {
	models := testModels(t)
	for _, f := range []string{"three-clouds.yaml", "two-clouds.yaml", "inter-as.yaml"} {
		res, err := topology.LoadFile(filepath.Join("..", "..", "examples", f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		models = append(models, namedModel{f, res.Model})
	}
	for _, tm := range models {
		t.Run(tm.name, func(t *testing.T) {
			L := newLayout(newView(tm.m, Options{BGP: true}), Options{BGP: true})
			for _, a := range L.areas {
				title := areaTitleRect(a)
				if title.X < a.r.X || title.right() > a.r.right() || title.Y < a.r.Y || title.bottom() > a.r.bottom() {
					t.Errorf("title of area %s %+v sticks out of its box %+v", a.a.id, title, a.r)
				}
				for _, e := range L.edges {
					if edgeHits(e, title) {
						t.Errorf("link %s-%s runs through the title of area %s", e.link.a.name, e.link.b.name, a.a.id)
					}
					if e.hasLabel && e.label.overlaps(title) {
						t.Errorf("label %q lies on the title of area %s", e.link.label, a.a.id)
					}
				}
			}
		})
	}
}
