package diagram

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

// The README shows the seed lab as `intercloud graph -o docs/img/seed.svg`
// draws it; a layout change redraws it with -update, so the picture a
// newcomer sees first is what graph gives them.
func TestREADMESeedDrawingIsCurrent(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	got := SVG(m, Options{BGP: true})
	path := filepath.Join("..", "..", "docs", "img", "seed.svg")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/img/seed.svg is not what graph draws today (%d bytes, want %d): go test ./internal/diagram -run TestREADMESeedDrawingIsCurrent -update redraws it", len(got), len(want))
	}
}
