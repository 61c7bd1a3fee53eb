package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/assert"
	"github.com/intercloud/intercloud/internal/topology"
)

func newValidateCmd() *cobra.Command {
	var out outputFormat
	var live bool
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Check a topology file and report every problem with its position",
		Long: `Check a topology file and report every problem at once, each as
file:line:col: what is wrong (hint).

Exit codes: 0 valid, 1 invalid, 2 unreadable.

With --live, run the file's validate: checks (ping, trace, session,
route, advertises) against the running lab instead (without FILE, the file it runs),
trying each that fails again for up to --wait, and print pass or fail per
check. Exit codes: 0 all passed, 1 some failed, 2 none could run.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if live {
				return validateLive(cmd, args, out.value, wait)
			}
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
	cmd.Flags().BoolVar(&live, "live", false, "run the file's validate: checks against the running lab")
	cmd.Flags().DurationVar(&wait, "wait", 30*time.Second, "with --live, how long a failing check is tried again (a lab converging)")
	out.register(cmd, "table", "json", "yaml")
	return cmd
}

// validateLive runs a topology's checks against the running lab.
func validateLive(cmd *cobra.Command, args []string, format string, wait time.Duration) error {
	c := client(cmd)
	file := fileArg(args)
	if file == "" {
		st, err := c.Status(cmd.Context())
		if err != nil {
			return &exitError{code: 2, msg: "intercloud: " + err.Error()}
		}
		if st.Source != topology.SeedName {
			file = st.Source
		}
	}
	res, err := topology.LoadFile(file)
	if err != nil {
		return &exitError{code: 2, msg: "intercloud: " + err.Error()}
	}
	m := res.Model
	if len(m.Checks) == 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("intercloud: %s has no validate: block (add checks such as - ping: A B)", m.Source)}
	}
	rs := assert.Run(cmd.Context(), c, m.Checks, wait)
	pass, fail, notRun := assert.Summary(rs)
	w := cmd.OutOrStdout()
	if format != "table" {
		report := struct {
			Passed  int             `json:"passed"`
			Failed  int             `json:"failed"`
			NotRun  int             `json:"not_run"`
			Results []assert.Result `json:"results"`
		}{pass, fail, notRun, rs}
		if err := writeStructured(w, format, report); err != nil {
			return err
		}
	} else {
		for _, r := range rs {
			verdict := "PASS"
			switch {
			case !r.Ran:
				verdict = "ERROR"
			case !r.Pass:
				verdict = "FAIL"
			}
			fmt.Fprintf(w, "%s:%d:%d: %-5s %s (%s)\n", m.Source, r.Check.Pos.Line, r.Check.Pos.Col, verdict, r.Name, r.Detail)
		}
		fmt.Fprintf(w, "%d passed, %d failed, %d could not run\n", pass, fail, notRun)
	}
	switch {
	case notRun == len(rs):
		return &exitError{code: 2}
	case pass < len(rs):
		return &exitError{code: 1}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
