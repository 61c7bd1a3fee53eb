package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/topology"
)

// showTables lists show's tables, for its help and for `show NODE` alone.
const showTables = `  route                 the RIB (show ip route)
  fib                   the FIB (show ip fib)
  lfib                  the LFIB (show mpls table)
  interfaces            interfaces, addresses, state and counters
  igp neighbors         IGP adjacencies (show ip ospf neighbor)
  igp database [detail] the link-state database (show ip ospf database)
  igp routes            the IGP's routing table (show ip ospf route)
  igp status            the IGP process (show ip ospf)
  igp ranges            an ABR's area ranges: active or not, the cost advertised
  ldp bindings          LDP label bindings (show mpls ldp binding)
  ldp neighbors         LDP sessions (show mpls ldp neighbor)
  sr                    SR node SIDs and their labels
  frr                   each destination's backup next hop (fast reroute), or why it has none
  bgp summary           BGP neighbours (show bgp summary; --vrf for a PE's VRF)
  bgp vpnv4             VPNv4 routes of a PE or reflector (show bgp ipv4 vpn)
  bgp ipv4 unicast      IPv4 routes of a CE, or of a PE's VRF with --vrf
  bgp evpn              EVPN routes, MAC/IP and inclusive multicast (show bgp l2vpn evpn)
  bgp neighbor NODE     one BGP neighbour, by node name or address
  vrf [NAME [routes]]   a PE's VRFs (a compute's MAC-VRFs too), one of them, or its routing table
  events                the node's event log
  security-groups       where a cloud's VMs live: each address's rules, allowed sources and drops
  sr-policy             a headend's SR policies and their candidate paths
  advertised            on a cloud's node: what the cloud announces to the WAN, and what lies outside its prefix
  tunnels               MPLS-in-UDP and MPLS-in-GRE packets the node encapsulated and decapsulated
  interconnections      on a cloud: its Neutron-Neutron interconnections, their state, route targets and BGPVPNs`

func newShowCmd() *cobra.Command {
	var out outputFormat
	var vrf string
	cmd := &cobra.Command{
		Use:     "show NODE TABLE...",
		Short:   "Show a node's tables, shaped like FRR's vtysh",
		Long:    "Show one of a running node's tables:\n\n" + showTables,
		Example: "  intercloud show pe1 route --vrf tenant\n  intercloud show p1 bgp vpnv4\n  intercloud show pe1 route\n  intercloud show p1 ldp bindings\n  intercloud show pe1 igp database -o json",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return &exitError{code: 2, msg: fmt.Sprintf("intercloud: show %s what? Name a table:\n%s", args[0], showTables)}
			}
			t, err := client(cmd).Show(cmd.Context(), args[0], strings.Join(args[1:], " "), vrf)
			if err != nil {
				return notRunning(err)
			}
			if out.value != "table" {
				return writeStructured(cmd.OutOrStdout(), out.value, t.Data)
			}
			fmt.Fprint(cmd.OutOrStdout(), t.Text)
			return nil
		},
	}
	cmd.Flags().StringVar(&vrf, "vrf", "", "VRF for route, fib and bgp tables")
	out.register(cmd, "table", "json", "yaml")
	return cmd
}

func newLinkCmd() *cobra.Command {
	var out outputFormat
	cmd := &cobra.Command{
		Use:   "link up|down|show A B",
		Short: "Bring a link down or up (both ends lose or regain carrier), or show links",
		Long: `Bring the links between A and B down or up, as pulling or plugging a cable
would. A and B are node names, or node:interface to pick one of parallel links.
"link show" lists every link with its state, impairment and counters.`,
		Example: "  intercloud link down pe1 p1\n  intercloud link up p1:eth1 p2",
		Args:    cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			var infos []api.Link
			var err error
			switch {
			case args[0] == "show" && len(args) == 1:
				if infos, err = client(cmd).Links(cmd.Context()); err != nil {
					return notRunning(err)
				}
			case (args[0] == "up" || args[0] == "down") && len(args) == 3:
				up := args[0] == "up"
				if infos, err = client(cmd).ChangeLink(cmd.Context(), args[1], args[2], api.LinkChange{Up: &up}); err != nil {
					return notRunning(err)
				}
			default:
				return &exitError{code: 2, msg: "usage: intercloud link up|down A B, or intercloud link show"}
			}
			if out.value != "table" {
				return writeStructured(cmd.OutOrStdout(), out.value, infos)
			}
			printLinks(cmd, infos)
			return nil
		},
	}
	out.register(cmd, "table", "json", "yaml")
	return cmd
}

func printLinks(cmd *cobra.Command, infos []api.Link) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%-4s %-16s %-16s %-5s %-9s %-8s %-7s %-10s %s\n", "#", "A", "B", "STATE", "LATENCY", "JITTER", "LOSS", "RATE", "FRAMES A>B/B>A")
	for _, l := range infos {
		state := "up"
		if !l.Up {
			state = "down"
		}
		rate := topology.FormatRate(l.Impairment.Rate)
		fmt.Fprintf(w, "%-4d %-16s %-16s %-5s %-9v %-8v %-7s %-10s %d/%d\n", l.ID, l.A, l.B, state, l.Impairment.Latency, l.Impairment.Jitter,
			fmt.Sprintf("%.4g%%", l.Impairment.Loss*100), rate, l.AStats.TxFrames, l.BStats.TxFrames)
	}
}
