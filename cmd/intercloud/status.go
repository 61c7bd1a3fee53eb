package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func newStatusCmd() *cobra.Command {
	var out outputFormat
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say what lab is running (exit 0) or that none is (exit 1)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := client(cmd).Status(cmd.Context())
			if err != nil {
				return notRunning(err)
			}
			if out.value != "table" {
				return writeStructured(cmd.OutOrStdout(), out.value, st)
			}
			state := "converged"
			if !st.Ready {
				state = "converging"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab %s from %s: %s\n", st.Topology, st.Source, state)
			fmt.Fprintf(cmd.OutOrStdout(), "  pid %d, api http://%s/api/v1, up %v\n", st.PID, st.API, st.Uptime.Round(time.Second))
			fmt.Fprintf(cmd.OutOrStdout(), "  %d routers, %d links (%d up), %d IGP adjacencies, %d LDP sessions, %d LSPs, %d of %d BGP sessions established\n",
				st.Routers, st.Links, st.LinksUp, st.Adjacencies, st.LDPSessions, st.LSPs, st.BGPEstablished, st.BGPSessions)
			if st.Ready {
				fmt.Fprintf(cmd.OutOrStdout(), "  converged %v after start\n", st.ReadyAfter.Round(time.Millisecond))
			}
			if o := st.OpenStack; o != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "  OpenStack: identity %s, regions %s (intercloud openrc CLOUD)\n",
					o.AuthURL, strings.Join(regionNames(o), ", "))
			}
			return nil
		},
	}
	out.register(cmd, "table", "json", "yaml")
	return cmd
}
