package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/topology"
	"github.com/intercloud/intercloud/internal/view"
)

func newInspectCmd() *cobra.Command {
	var out outputFormat
	cmd := &cobra.Command{
		Use:   "inspect [FILE]",
		Short: "Print the resolved topology: nodes, interfaces, addresses, sessions",
		Long: `Print the resolved model: every node, interface, link, cloud, VPN and the
BGP sessions to be built. Values marked * were allocated automatically from
the pools; the rest were pinned by the file.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadModel(fileArg(args))
			if err != nil {
				return err
			}
			if out.value == "table" {
				return view.Inspect(cmd.OutOrStdout(), m)
			}
			return writeStructured(cmd.OutOrStdout(), out.value, m)
		},
	}
	out.register(cmd, "table", "json", "yaml")
	return cmd
}

// loadModel loads a topology for commands that need a valid one, printing
// warnings and turning problems into validate's exit codes.
func loadModel(path string) (*topology.Model, error) {
	res, err := topology.LoadFile(path)
	var unreadable *topology.ErrUnreadable
	if errors.As(err, &unreadable) {
		return nil, &exitError{code: 2, msg: "intercloud: " + err.Error()}
	}
	if res != nil {
		for _, d := range res.Warnings {
			fmt.Fprintln(os.Stderr, d)
		}
	}
	if err != nil {
		return nil, &exitError{code: 1, msg: err.Error()}
	}
	return res.Model, nil
}
