package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/topology"
)

func newValidateCmd() *cobra.Command {
	var out outputFormat
	cmd := &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Check a topology file and report every problem with its position",
		Long: `Check a topology file and report every problem at once, each as
file:line:col: what is wrong (hint).

Exit codes: 0 valid, 1 invalid, 2 unreadable.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := topology.LoadFile(fileArg(args))
			var unreadable *topology.ErrUnreadable
			if errors.As(err, &unreadable) {
				return &exitError{code: 2, msg: "intercloud: " + err.Error()}
			}
			var ds topology.Diagnostics
			errors.As(err, &ds)
			w := cmd.OutOrStdout()
			if out.value != "table" {
				report := struct {
					Valid    bool                 `json:"valid"`
					Errors   topology.Diagnostics `json:"errors"`
					Warnings topology.Diagnostics `json:"warnings"`
					Summary  *topology.Summary    `json:"summary,omitempty"`
				}{Valid: err == nil, Errors: ds.Errors(), Warnings: res.Warnings}
				if report.Errors == nil {
					report.Errors = topology.Diagnostics{}
				}
				if report.Warnings == nil {
					report.Warnings = topology.Diagnostics{}
				}
				if res.Model != nil {
					s := res.Model.Summarize()
					report.Summary = &s
				}
				if werr := writeStructured(w, out.value, report); werr != nil {
					return werr
				}
				if err != nil {
					return &exitError{code: 1}
				}
				return nil
			}
			errw := cmd.ErrOrStderr()
			for _, d := range res.Warnings {
				fmt.Fprintln(errw, d)
			}
			if err != nil {
				for _, d := range ds.Errors() {
					fmt.Fprintln(errw, d)
				}
				n := len(ds.Errors())
				return &exitError{code: 1, msg: fmt.Sprintf("%d %s", n, plural(n, "error", "errors"))}
			}
			fmt.Fprintf(w, "%s: valid: %s\n", res.Model.Source, res.Model.Summarize())
			return nil
		},
	}
	out.register(cmd, "table", "json", "yaml")
	return cmd
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
