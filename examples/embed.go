// Package examples holds the example labs; the seed lab is built into the
// binary and used by every command given no file.
package examples

import _ "embed"

// Seed is the seed lab of DESIGN.md section 3, as YAML.
//
//go:embed seed.yaml
var Seed []byte
