// Package view renders the running or resolved model as the tables an
// operator reads: shaped like FRR's vtysh output, aligned columns, no colour.
package view

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// table writes aligned columns; cells are joined with tabs.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }
