package cloudapi

import (
	"context"
	"testing"

	"github.com/intercloud/intercloud/internal/generate"
)

// BenchmarkOpen100Clouds opens the OpenStack APIs of the generated
// 1,000-router lab's 100 clouds on a new state directory, as `intercloud
// up` does beside the lab's bring-up: Keystone's bootstrap, each cloud's
// Neutron and Nova, and DevStack's initial networks made through the API.
// Its CPU competes with the routers' until the lab is ready.
func BenchmarkOpen100Clouds(b *testing.B) {
	benchOpen(b, generate.Params{POPs: 20, PPerPOP: 2, PEPerPOP: 16, CEPerPE: 2, Clouds: 100})
}

// BenchmarkOpen1000Clouds is the same for the 10,000-router lab's 1,000.
func BenchmarkOpen1000Clouds(b *testing.B) {
	benchOpen(b, generate.Params{POPs: 100, PPerPOP: 4, PEPerPOP: 32, CEPerPE: 2, Clouds: 1000})
}

func benchOpen(b *testing.B, p generate.Params) {
	m, err := generate.Model(p)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := Open(context.Background(), b.TempDir(), m, "http://127.0.0.1:4950", Options{})
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
