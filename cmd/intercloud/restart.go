package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newRestartBGPCmd() *cobra.Command {
	var out outputFormat
	cmd := &cobra.Command{
		Use:   "restart-bgp NODE",
		Short: "Restart a node's BGP gracefully (RFC 4724): its peers keep its routes, traffic keeps flowing",
		Long: `Restart NODE's BGP speakers (the global one and, on a PE, one per VRF) as a
restarted bgpd restarts under graceful restart (RFC 4724): the sessions drop
without a NOTIFICATION, the router keeps forwarding on the routes it had, and
its peers keep its routes as stale. The new speakers advertise once they have
End-of-RIB from every peer; the peers then drop only what is no longer
announced. No packet is lost. Watch it with: intercloud events`,
		Example: "  intercloud restart-bgp pe2\n  intercloud restart-bgp p1 -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := client(cmd).RestartBGP(cmd.Context(), args[0])
			if err != nil {
				return notRunning(err)
			}
			if out.value != "table" {
				return writeStructured(cmd.OutOrStdout(), out.value, res)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: BGP restarted gracefully (%s)\n", res.Node, strings.Join(res.Speakers, ", "))
			fmt.Fprintf(w, "  forwarding state kept: the router still forwards on its BGP routes\n")
			fmt.Fprintf(w, "  %d peers keep its routes as stale until its End-of-RIB (at most %v)\n", res.Peers, res.RestartTime)
			return nil
		},
	}
	out.register(cmd, "table", "json", "yaml")
	return cmd
}
