package topology

import (
	"errors"
	"testing"
)

// TestSyntaxErrorPositions: a file that is not YAML is reported at the
// place of the mistake, with what is wrong and what opened the unfinished
// construct, not at the line the YAML library names.
func TestSyntaxErrorPositions(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"missing }", "name: x\nnodes:\n  p1: {}\n  p2: {loopback: 10.0.0.2/32\n  p3: {}\nlinks: [p1-p2]\n",
			`lab.yaml:4:29: did not find expected ',' or '}' (the '{' opened at 4:7 is not closed)`},
		{"missing } at the end", "links: [p1-p2]\nnodes: {p1: {role: p}\n",
			`lab.yaml:2:22: did not find expected ',' or '}' (the '{' opened at 2:8 is not closed)`},
		{"missing ]", "name: x\nlinks: [p1-p2, p2-p3\nclouds: {}\n",
			`lab.yaml:2:21: did not find expected ',' or ']' (the '[' opened at 2:8 is not closed)`},
		{"missing ] over lines", "links: [p1-p2,\n  p2-p3,\n  p3-p1\nname: x\n",
			`lab.yaml:3:8: did not find expected ',' or ']' (the '[' opened at 1:8 is not closed)`},
		{"trailing comma, never closed", "nodes:\n  p1: {role: p}\n  p2: {role: p}\nlinks: [p1-p2, \n",
			`lab.yaml:4:15: did not find expected node content (the '[' opened at 4:8 is not closed)`},
		{"wrong closer", "links: [p1-p2, p2-p3}\n",
			`lab.yaml:1:21: did not find expected ',' or ']' (found '}'; the '[' opened at 1:8 is closed by ']')`},
		{"bracket in a quoted value", "name: \"lab [x\"\nnodes: {p1: {role: p}\n",
			`lab.yaml:2:22: did not find expected ',' or '}' (the '{' opened at 2:8 is not closed)`},
		{"bad dedent", "name: x\nnodes:\n  p1:\n    role: p\n   loopback: 1.2.3.4/32\n",
			`lab.yaml:5:4: bad indentation (this line lines up with no enclosing block; its siblings start at column 3)`},
		{"indented too far", "name: x\nnodes:\n  p1:\n    role: p\n      loopback: 1.2.3.4/32\n",
			`lab.yaml:5:15: mapping values are not allowed in this context (this line is indented more than the one before, so it continues that line's value; indent it as its siblings)`},
		{"unquoted colon", "name: lab: one\nlinks: [p1-p2]\n",
			`lab.yaml:1:10: mapping values are not allowed in this context (a value containing ': ' needs quotes)`},
		{"tab indentation", "name: x\nnodes:\n  p1:\n\trole: p\n",
			`lab.yaml:4:1: tab character in indentation (YAML indents with spaces only)`},
		{"unclosed double quote", "name: x\nnodes:\n  p1:\n    role: \"p\n  p2: {}\n",
			`lab.yaml:4:11: quoted scalar is never closed (the " opened here needs a closing " before the end of the file)`},
		{"unclosed single quote", "name: 'it''s\nlinks: [p1-p2]\n",
			`lab.yaml:1:7: quoted scalar is never closed (the ' opened here needs a closing ' before the end of the file)`},
		{"duplicate key", "name: x\nlinks: [p1-p2]\nname: y\n",
			`lab.yaml:3:1: duplicate key "name" in the topology file (first given at line 1)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("lab.yaml", []byte(tc.yaml))
			var ds Diagnostics
			if !errors.As(err, &ds) || len(ds.Errors()) != 1 {
				t.Fatalf("Load: %v, want one diagnostic", err)
			}
			if got := ds.Errors()[0].String(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
