package topology

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in a topology file, 1-based as editors count.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// Severity tells a problem that makes a file unusable from a remark.
type Severity int

const (
	SevError Severity = iota
	SevWarning
)

// Diagnostic is one problem found in a topology file.
type Diagnostic struct {
	File     string   `json:"file"`
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"-"`
	Msg      string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
}

// String formats the diagnostic as compilers do: file:line:col: what (hint).
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", d.Pos.Line, max(d.Pos.Col, 1))
	}
	b.WriteString(": ")
	if d.Severity == SevWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Msg)
	if d.Hint != "" {
		b.WriteString(" (")
		b.WriteString(d.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Diagnostics is every problem found in one file, in file order. As an
// error it holds only the errors; warnings travel alongside a valid model.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	var lines []string
	for _, d := range ds.Errors() {
		lines = append(lines, d.String())
	}
	return strings.Join(lines, "\n")
}

// Errors returns the diagnostics that make the file invalid.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == SevError {
			out = append(out, d)
		}
	}
	return out
}

// Warnings returns the remarks that do not make the file invalid.
func (ds Diagnostics) Warnings() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == SevWarning {
			out = append(out, d)
		}
	}
	return out
}

// sorted orders diagnostics by position, keeping the order they were found
// in for equal positions, and drops exact repeats.
func (ds Diagnostics) sorted() Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && d == ds[i-1] {
			continue
		}
		out = append(out, d)
	}
	return out
}

// diags collects problems while a file is read and resolved.
type diags struct {
	file string
	list Diagnostics
}

func (d *diags) errorf(p Pos, hint, format string, args ...any) {
	d.list = append(d.list, Diagnostic{File: d.file, Pos: p, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (d *diags) warnf(p Pos, hint, format string, args ...any) {
	d.list = append(d.list, Diagnostic{File: d.file, Pos: p, Severity: SevWarning, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (d *diags) failed() bool {
	for _, x := range d.list {
		if x.Severity == SevError {
			return true
		}
	}
	return false
}

// didYouMean suggests the closest of options to s, for unknown keys and names.
func didYouMean(s string, options []string) string {
	best, bestD := "", 3
	for _, o := range options {
		if d := editDistance(strings.ToLower(s), strings.ToLower(o)); d < bestD {
			best, bestD = o, d
		}
	}
	if best == "" {
		return ""
	}
	return "did you mean " + best + "?"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
