// Package export renders a resolved topology into the configurations
// real devices need for the same design: FRR's frr.conf per router and a
// containerlab topology wiring FRR containers as the lab's links do.
package export

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/intercloud/intercloud/internal/topology"
)

// Formats lists what Write can export.
var Formats = []string{"frr", "containerlab", "openconfig"}

// Options say what to export.
type Options struct {
	Format string // one of Formats
	Image  string // containerlab: the FRR image; DefaultImage when empty
}

// File is one exported file, its path relative to the output directory.
type File struct {
	Path string
	Data []byte
}

// Files renders m in the chosen format: for frr, NODE/frr.conf and
// NODE/daemons per router; for containerlab, those and the topology
// file NAME.clab.yml.
func Files(m *topology.Model, opts Options) ([]File, error) {
	var out []File
	switch opts.Format {
	case "frr", "containerlab":
	case "openconfig":
		return openConfigFiles(m)
	default:
		return nil, fmt.Errorf("unknown format %q (want one of: %s)", opts.Format, strings.Join(Formats, ", "))
	}
	for _, n := range m.Nodes {
		if !Exported(n) {
			continue
		}
		conf, err := FRR(m, n.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: filepath.Join(n.Name, "frr.conf"), Data: conf}, File{Path: filepath.Join(n.Name, "daemons"), Data: Daemons(m, n.Name)})
	}
	if opts.Format == "containerlab" {
		y, err := Containerlab(m, opts.Image)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: clabName(m.Name) + ".clab.yml", Data: y})
	}
	return out, nil
}

// openConfigFiles is NODE/openconfig.json per router and, beside it,
// NODE/openconfig-not-exported.txt listing what the JSON leaves out.
func openConfigFiles(m *topology.Model) ([]File, error) {
	var out []File
	for _, n := range m.Nodes {
		if !Exported(n) {
			continue
		}
		doc, omitted, err := OpenConfig(m, n.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: filepath.Join(n.Name, "openconfig.json"), Data: doc})
		var b strings.Builder
		fmt.Fprintf(&b, "What %s/openconfig.json (RFC 7951 JSON of OpenConfig models, exported by intercloud) leaves out:\n", n.Name)
		for _, o := range omitted {
			fmt.Fprintf(&b, "- %s\n", o)
		}
		if len(omitted) == 0 {
			b.WriteString("- nothing\n")
		}
		out = append(out, File{Path: filepath.Join(n.Name, "openconfig-not-exported.txt"), Data: []byte(b.String())})
	}
	return out, nil
}

// Write renders m into dir, making it if needed, and returns the paths
// it wrote.
func Write(m *topology.Model, opts Options, dir string) ([]string, error) {
	files, err := Files(m, opts)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return paths, err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
