package view

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestInspectGolden pins `intercloud inspect` on the seed lab and the
// three-cloud example; go test ./internal/view -update rewrites them.
func TestInspectGolden(t *testing.T) {
	for name, file := range map[string]string{"seed": "", "three-clouds": filepath.Join("..", "..", "examples", "three-clouds.yaml")} {
		res, err := topology.LoadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Inspect(&b, res.Model); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", name+".txt")
		if *update {
			if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s: inspect output differs from %s (run go test ./internal/view -update if the change is intended):\n%s", name, golden, b.String())
		}
	}
}
