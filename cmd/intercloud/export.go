package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/export"
)

func newExportCmd() *cobra.Command {
	var opts export.Options
	var dir string
	cmd := &cobra.Command{
		Use:   "export [FILE] --format frr|containerlab|openconfig -o DIR",
		Short: "Write the configurations real routers need for the same design",
		Long: `Write, for every router of the resolved model, the configuration a real
device needs: FRR's frr.conf (interfaces, OSPF areas and costs, LDP or SR,
BGP with the VPNs' VRFs, RDs and RTs, route reflectors, eBGP to CEs and
clouds with prefix lists of their allowed prefixes) and daemons file, in
DIR/NODE/. --format containerlab adds DIR/NAME.clab.yml wiring FRR
containers as the lab's links do. --format openconfig writes
DIR/NODE/openconfig.json instead: the same design as OpenConfig data (RFC
7951 JSON: openconfig-interfaces, openconfig-network-instance,
openconfig-routing-policy). What a file cannot say is listed in a comment
at its top (for JSON, in NODE/openconfig-not-exported.txt).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return &exitError{code: 2, msg: "intercloud export: -o DIR is required"}
			}
			m, err := loadModel(fileArg(args))
			if err != nil {
				return err
			}
			paths, err := export.Write(m, opts, dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d files to %s\n", len(paths), dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "frr", "what to write: "+strings.Join(export.Formats, ", "))
	cmd.Flags().StringVarP(&dir, "output", "o", "", "directory to write into (made if missing)")
	cmd.Flags().StringVar(&opts.Image, "image", export.DefaultImage, "containerlab: the FRR container image")
	return cmd
}
