package generate

import (
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

// benchLoad measures what intercloud validate does with a generated lab:
// parse, check and resolve it with topology.Load.
func benchLoad(b *testing.B, p Params) {
	data, err := Lab(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := topology.Load("bench.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Warnings) > 0 {
			b.Fatal(res.Warnings[0])
		}
	}
}

// BenchmarkLoad1000 loads the ~1,000-router example (1,002 routers, 100 clouds).
func BenchmarkLoad1000(b *testing.B) { benchLoad(b, Examples()[1].Params) }

// BenchmarkLoad10000 loads the ~10,000-router example (10,002 routers, 500 clouds).
func BenchmarkLoad10000(b *testing.B) { benchLoad(b, Examples()[2].Params) }
