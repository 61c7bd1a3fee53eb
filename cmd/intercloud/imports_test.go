package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/intercloud/intercloud/"

// The CLI talks to a running lab only through the API client, so the
// API's wire types are its whole contract with the daemon: it imports
// internal/api, the daemon's life (internal/daemon, for up) and the
// offline packages that read, check and draw topology files. offline
// says which of those may import what: none of them reaches the lab.
var cliImports = map[string]bool{
	"internal/api":    true,
	"internal/daemon": true,
}

var offline = map[string]bool{
	"internal/topology": true, "internal/diagram": true, "internal/view": true, "internal/generate": true,
	"internal/export": true, "internal/assert": true, "examples": true,
}

// internalImports returns the module's packages that the non-test Go
// files of dir import, each with the first file importing it.
func internalImports(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rest, ok := strings.CutPrefix(p, module); ok {
				if _, seen := out[rest]; !seen {
					out[rest] = fset.Position(imp.Pos()).String()
				}
			}
		}
	}
	return out
}

func TestCLIImportsOnlyTheClientAndOfflinePackages(t *testing.T) {
	root := filepath.Join("..", "..")
	var bad []string
	for p, where := range internalImports(t, ".") {
		if !cliImports[p] && !offline[p] {
			bad = append(bad, where+": imports "+module+p+" (the CLI reaches the lab through internal/api's client; an offline package belongs in the offline list)")
		}
	}
	// The offline packages, and what they import, stay offline.
	seen := map[string]bool{}
	var walk func(p string)
	walk = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
		for q, where := range internalImports(t, filepath.Join(root, p)) {
			if q == "internal/api" && p == "internal/assert" {
				continue // assert runs checks through the client
			}
			if !offline[q] {
				bad = append(bad, where+": imports "+module+q+", which is not an offline package")
				continue
			}
			walk(q)
		}
	}
	for p := range offline {
		walk(p)
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}
