// Package topology reads a lab's YAML inventory, validates it and resolves
// it into the one model every other part of intercloud is a view of:
// everything not pinned in the file (loopbacks, link subnets, interface
// names, ASNs, router ids, SR indexes, RDs, RTs, cloud prefixes) is
// allocated deterministically from pools.
package topology

import (
	"fmt"
	"os"

	"github.com/intercloud/intercloud/examples"
)

// SeedName is what the built-in seed lab is called in messages.
const SeedName = "builtin:seed.yaml"

// Result is a resolved model with the remarks made while reading it.
type Result struct {
	Model    *Model
	Warnings Diagnostics
}

// Load reads and resolves a topology file from bytes; name is used in
// messages. When the file is invalid the error is a Diagnostics listing
// every problem.
func Load(name string, data []byte) (*Result, error) {
	d := &diags{file: name}
	s, ok := parseSpec(data, d)
	var m *Model
	if ok {
		m = resolve(s, d)
		m.Source = name
	}
	all := d.list.sorted()
	if all.Errors() != nil {
		return &Result{Warnings: all.Warnings()}, all
	}
	return &Result{Model: m, Warnings: all.Warnings()}, nil
}

// ErrUnreadable wraps failures to read a file at all (exit code 2).
type ErrUnreadable struct{ Err error }

func (e *ErrUnreadable) Error() string { return e.Err.Error() }
func (e *ErrUnreadable) Unwrap() error { return e.Err }

// LoadFile reads and resolves a topology file; an empty path means the
// built-in seed lab.
func LoadFile(path string) (*Result, error) {
	if path == "" {
		return Load(SeedName, examples.Seed)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ErrUnreadable{fmt.Errorf("cannot read topology: %w", err)}
	}
	return Load(path, data)
}

// LoadSeed resolves the built-in seed lab.
func LoadSeed() (*Model, error) {
	res, err := Load(SeedName, examples.Seed)
	if err != nil {
		return nil, err
	}
	return res.Model, nil
}
