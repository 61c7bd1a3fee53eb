package topology

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must answer with a model
// or diagnostics, never panic, and every diagnostic must carry a position.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"links: [p1-p2]", "nodes: {p1: {loopback: 1.2.3.4/33}}", "links: [{a: p1, b: p2, subnet: 10.0.0.0/31}, {a: p2, b: p1, subnet: 10.0.0.0/30}]",
		"pools: {loopbacks: 10.0.0.0/32, links: 10.1.0.0/31}\nlinks: [p1-p2]", "clouds: {c: {attach: ce1, computes: [a, b]}}\nlinks: [ce1-pe1]",
		"vpns: {v: {sites: [ce1], pes: pe1}}\nlinks: [ce1-pe1]", "links: [a-b-c, -, p1-]", aliasBomb(),
		"nodes: {p1: {role: p}\n", "links: [p1-p2}\n", "a:\n  b: 1\n c: 2\n", "a: 'x''\n", "a:\n\tb: 1\n", "a: |\n  {[\nb: [\n",
		"links: [p1-p2, pe1-p1]\nnodes: {pe1: {area: 1}}\nareas:\n  1: {ranges: [10.255.1.0/24, 10.255.1.1/24]}\n  0.0.0.2: {ranges: 10.0.0.0/8}\n  x: []\n",
		"links: [p1-p2, pe1-p1]\nclouds: {c: {attach: pe1, join: bgpvpn, loopbacks: 10.1.0.0/31}, d: {attach: pe1, loopbacks: 10.1.0.1/30}}\n",
		"links: [p1-p2, pe1-p1]\nnodes: {pe1: {area: 1}}\nareas:\n  1: {nssa: true, no_summary: true, ranges: [10.255.1.0/24]}\n  0: {nssa: true}\n  0.0.0.2: {no_summary: 1}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Load("fuzz.yaml", data)
		if err == nil {
			if res.Model == nil {
				t.Fatal("no error and no model")
			}
			return
		}
		ds, ok := err.(Diagnostics)
		if !ok || len(ds.Errors()) == 0 {
			t.Fatalf("error is not diagnostics: %T %v", err, err)
		}
		for _, d := range ds {
			if d.Pos.Line < 1 || d.Msg == "" {
				t.Fatalf("diagnostic without position or message: %+v", d)
			}
		}
	})
}
