package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/api"
)

func newTraceCmd() *cobra.Command {
	var req api.TraceRequest
	var out outputFormat
	cmd := &cobra.Command{
		Use:   "trace SRC DST",
		Short: "Traceroute across the running lab, with the label stack of each hop",
		Long: `Trace the path from SRC to DST with UDP probes of growing TTL. Routers inside
an LSP answer with the label stack they received (RFC 4950), printed under
the hop as MPLS Label=... CoS=... TTL=... S=....`,
		Example: "  intercloud trace ce1 ce2",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Src, req.Dst = args[0], args[1]
			res, err := client(cmd).Trace(cmd.Context(), req)
			if err != nil {
				return notRunning(err)
			}
			if out.value != "table" {
				return writeStructured(cmd.OutOrStdout(), out.value, res)
			}
			printTrace(cmd.OutOrStdout(), res)
			return nil
		},
	}
	cmd.Flags().IntVarP(&req.MaxHops, "max-hops", "m", 30, "largest TTL")
	cmd.Flags().IntVarP(&req.Probes, "queries", "q", 3, "probes per hop")
	cmd.Flags().StringVar(&req.VRF, "vrf", "", "routing table on SRC")
	cmd.Flags().VarP(secondsFlag(&req.Timeout, 2*time.Second), "wait", "w", "wait for each probe (seconds, or a duration)")
	out.register(cmd, "table", "json", "yaml")
	return cmd
}

// printTrace writes what traceroute prints, with label stacks as routers
// print them.
func printTrace(w io.Writer, r *api.TraceResponse) {
	fmt.Fprintf(w, "traceroute to %s from %s, %d hops max, %d byte packets\n", named(r.Names, r.Dst), named(r.Names, r.Src), r.MaxHops, r.Size)
	for _, h := range r.Hops {
		var b strings.Builder
		fmt.Fprintf(&b, "%2d ", h.TTL)
		last, via := "", ""
		var labels []string
		for _, p := range h.Probes {
			if p.Lost {
				b.WriteString(" *")
				continue
			}
			if from := named(r.Names, p.From); from != last {
				b.WriteString("  " + from)
				last = from
			}
			b.WriteString("  " + ms(p.RTT))
			if p.Flag != "" {
				b.WriteString(" " + p.Flag)
			}
			if labels == nil {
				for _, l := range p.Labels {
					labels = append(labels, l.String())
				}
			}
			if via == "" {
				via = p.Via
			}
		}
		fmt.Fprintln(w, b.String())
		for _, l := range labels {
			fmt.Fprintf(w, "     %s\n", l)
		}
		if via != "" { // the interface the hop named (RFC 5837): an IP tunnel
			fmt.Fprintf(w, "     via %s\n", via)
		}
	}
}
