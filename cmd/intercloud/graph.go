package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/diagram"
)

func newGraphCmd() *cobra.Command {
	var format, outFile string
	var bgp bool
	cmd := &cobra.Command{
		Use:   "graph [FILE]",
		Short: "Draw the topology as SVG, Graphviz dot, Mermaid or JSON",
		Long: `Draw the resolved topology: roles by shape and colour, OSPF areas as
clusters, clouds with their compute nodes, links labelled with addresses and
latency, and BGP sessions as a dashed overlay (--bgp=false hides it; in the
SVG, click the legend to toggle it).

The SVG is laid out in-process: no Graphviz needed.`,
		Example: `  intercloud graph --format svg -o seed.svg
  intercloud graph lab.yaml --format mermaid >> README.md`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadModel(fileArg(args))
			if err != nil {
				return err
			}
			o := diagram.Options{BGP: bgp}
			var out []byte
			switch format {
			case "svg":
				out = diagram.SVG(m, o)
			case "dot":
				out = diagram.DOT(m, o)
			case "mermaid":
				out = diagram.Mermaid(m, o)
			case "json":
				if out, err = diagram.JSON(m, o); err != nil {
					return err
				}
			default:
				return &exitError{code: 2, msg: fmt.Sprintf("intercloud: unknown format %q (want svg, dot, mermaid or json)", format)}
			}
			if outFile == "" || outFile == "-" {
				_, err = cmd.OutOrStdout().Write(out)
				return err
			}
			if err := os.WriteFile(outFile, out, 0o644); err != nil {
				return fmt.Errorf("write diagram: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "svg", "svg, dot, mermaid or json")
	cmd.Flags().StringVarP(&outFile, "output", "o", "", "write to this file instead of standard output")
	cmd.Flags().BoolVar(&bgp, "bgp", true, "draw BGP sessions as a dashed overlay")
	return cmd
}
