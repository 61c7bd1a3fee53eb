package diagram

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

var samplesDir = flag.String("samples", "", "write sample renders of every fixture into this directory (for looking at them)")

// TestWriteSamples renders every fixture in every format into -samples, so
// a person can open or rasterise them; it does nothing without the flag.
func TestWriteSamples(t *testing.T) {
	if *samplesDir == "" {
		t.Skip("no -samples directory")
	}
	models := map[string]*topology.Model{
		"seed-like":  seedLike(),
		"synth-100":  synthetic(12, 40, 36, 12, 2),
		"synth-1000": synthetic(60, 400, 440, 100, 3),
		"odd-names":  oddNames(),
		"pe-only":    synthetic0P(),
	}
	if m, err := topology.LoadSeed(); err == nil {
		models["seed"] = m
	}
	if err := os.MkdirAll(*samplesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, m := range models {
		for _, bgp := range []bool{false, true} {
			o := Options{BGP: bgp}
			suffix := ""
			if bgp {
				suffix = "-bgp"
			}
			write := func(ext string, b []byte) {
				if err := os.WriteFile(filepath.Join(*samplesDir, name+suffix+"."+ext), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("svg", SVG(m, o))
			write("dot", DOT(m, o))
			write("mmd", Mermaid(m, o))
			j, err := JSON(m, o)
			if err != nil {
				t.Fatal(err)
			}
			write("json", j)
		}
	}
}
