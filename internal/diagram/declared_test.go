package diagram

import (
	"regexp"
	"testing"
)

// Every node a DOT or Mermaid edge names is declared with its label, so
// Graphviz and Mermaid draw the router (an sdn cloud's control node
// included) rather than a bare identifier — and drawing never fails on a
// session that ends inside a cloud's box.
func TestEveryEdgeEndIsADeclaredNode(t *testing.T) {
	dotDecl := regexp.MustCompile(`(?m)^\s*("[^"]+") \[label=`)
	dotEdge := regexp.MustCompile(`(?m)^\s*("[^"]+") -- ("[^"]+")`)
	mmdDecl := regexp.MustCompile(`(?m)^\s*([A-Za-z0-9_]+)[\[\(\{]`)
	mmdEdge := regexp.MustCompile(`(?m)^\s*([A-Za-z0-9_]+) (?:---|-\.-)[^ ]* ([A-Za-z0-9_]+)\s*$`)
	check := func(t *testing.T, format string, out []byte, decl, edge *regexp.Regexp) {
		declared := map[string]bool{}
		for _, m := range decl.FindAllSubmatch(out, -1) {
			declared[string(m[1])] = true
		}
		edges := edge.FindAllSubmatch(out, -1)
		if len(edges) == 0 {
			t.Fatalf("%s: no edges found:\n%s", format, out)
		}
		for _, m := range edges {
			for _, end := range m[1:] {
				if !declared[string(end)] {
					t.Errorf("%s: edge %q names %s, which is not declared", format, m[0], end)
				}
			}
		}
	}
	for _, nm := range readableModels(t) {
		t.Run(nm.name, func(t *testing.T) {
			for _, bgp := range []bool{false, true} {
				o := Options{BGP: bgp}
				check(t, "dot", DOT(nm.m, o), dotDecl, dotEdge)
				check(t, "mermaid", Mermaid(nm.m, o), mmdDecl, mmdEdge)
			}
		})
	}
}
