package diagram

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenModels are the models whose renderings are pinned in testdata: the
// hand-built seed-like fixture always, the real seed lab when it loads.
func goldenModels(t *testing.T) map[string]*topology.Model {
	t.Helper()
	models := map[string]*topology.Model{"seed-like": seedLike()}
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatalf("LoadSeed: %v", err)
	}
	models["seed"] = m
	return models
}

func TestGolden(t *testing.T) {
	for name, m := range goldenModels(t) {
		for _, bgp := range []bool{true, false} {
			o := Options{BGP: bgp}
			base := name
			if !bgp {
				base += "-nobgp"
			}
			js, err := JSON(m, o)
			if err != nil {
				t.Fatal(err)
			}
			outputs := map[string][]byte{
				".dot": DOT(m, o),
				".mmd": Mermaid(m, o),
				".svg": SVG(m, o),
			}
			if bgp {
				outputs[".json"] = js
			}
			for ext, got := range outputs {
				checkGolden(t, base+ext, got)
			}
		}
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/diagram -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (%d bytes, want %d); if the change is intended, run go test ./internal/diagram -update and review the diff",
			name, len(got), len(want))
	}
}
