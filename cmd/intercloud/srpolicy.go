package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/api"
)

func newSRPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sr-policy",
		Short: "Add or delete SR-TE policies (RFC 9256) on a running lab's headends",
		Long: `An SR policy of a headend PE steers VPN routes that carry its color (the
VPN's color: in the topology file) and have its endpoint as next hop onto the
best valid of its candidate paths. See them with: intercloud show NODE sr-policy`,
	}
	cmd.AddCommand(newSRPolicyAddCmd(), newSRPolicyDelCmd())
	return cmd
}

func newSRPolicyAddCmd() *cobra.Command {
	var out outputFormat
	var name, endpoint string
	var color uint32
	var paths []string
	cmd := &cobra.Command{
		Use:   "add NODE --color N --endpoint NODE --path 'PREF explicit NODE...|dynamic METRIC [exclude AFFINITY...]' ...",
		Short: "Add an SR policy to a headend",
		Long: `Add an SR policy to the headend NODE. Each --path is a candidate path: its
preference, then either "explicit" and the nodes whose node SIDs make the
segment list (the endpoint is added last; "strict" at the end pins each hop to
its link), or "dynamic" and the metric CSPF minimises ("latency" or "igp"),
optionally followed by "exclude" and link affinities to keep off. The valid
path with the highest preference is active.`,
		Example: `  intercloud sr-policy add pe1 --color 100 --endpoint pe2 \
      --path '200 explicit p2 p3 strict' --path '100 dynamic latency'
  intercloud sr-policy add pe1 --color 200 --endpoint pe2 --path '10 dynamic igp exclude leased'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := api.SRPolicy{Name: name, Color: color, Endpoint: endpoint}
			for _, s := range paths {
				cp, err := parseSRPath(s)
				if err != nil {
					return err
				}
				p.Paths = append(p.Paths, cp)
			}
			if _, err := client(cmd).AddSRPolicy(cmd.Context(), args[0], p); err != nil {
				return notRunning(err)
			}
			return showSRPolicies(cmd, args[0], out.value)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "a name for the policy")
	cmd.Flags().Uint32Var(&color, "color", 0, "the policy's color (1-4294967295)")
	cmd.Flags().StringVar(&endpoint, "endpoint", "", "the endpoint node (or its loopback)")
	cmd.Flags().StringArrayVar(&paths, "path", nil, "a candidate path (repeatable): 'PREF explicit NODE... [strict]' or 'PREF dynamic latency|igp [exclude AFFINITY...]'")
	cmd.MarkFlagRequired("color")
	cmd.MarkFlagRequired("endpoint")
	cmd.MarkFlagRequired("path")
	out.register(cmd, "table", "json", "yaml")
	return cmd
}

func newSRPolicyDelCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "del NODE COLOR ENDPOINT",
		Aliases: []string{"delete"},
		Short:   "Delete a headend's SR policy",
		Example: "  intercloud sr-policy del pe1 100 pe2",
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			color, err := strconv.ParseUint(args[1], 10, 32)
			if err != nil || color == 0 {
				return errors.New("color must be a number from 1 to 4294967295")
			}
			if err := client(cmd).DeleteSRPolicy(cmd.Context(), args[0], uint32(color), args[2]); err != nil {
				return notRunning(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: SR policy color %s to %s deleted\n", args[0], args[1], args[2])
			return nil
		},
	}
}

// showSRPolicies prints the headend's policies as show NODE sr-policy does.
func showSRPolicies(cmd *cobra.Command, node, format string) error {
	t, err := client(cmd).Show(cmd.Context(), node, "sr-policy", "")
	if err != nil {
		return notRunning(err)
	}
	if format != "table" {
		return writeStructured(cmd.OutOrStdout(), format, t.Data)
	}
	fmt.Fprint(cmd.OutOrStdout(), t.Text)
	return nil
}

// parseSRPath reads 'PREF explicit NODE... [strict]' or
// 'PREF dynamic METRIC [exclude AFFINITY...]'.
func parseSRPath(s string) (api.SRPath, error) {
	f := strings.Fields(s)
	bad := func(why string) (api.SRPath, error) {
		return api.SRPath{}, fmt.Errorf("--path %q: %s (write '200 explicit p2 p3' or '100 dynamic latency exclude leased')", s, why)
	}
	if len(f) < 2 {
		return bad("too short")
	}
	pref, err := strconv.ParseUint(f[0], 10, 32)
	if err != nil || pref == 0 {
		return bad("the preference must be a number from 1 to 4294967295")
	}
	p := api.SRPath{Preference: uint32(pref)}
	switch f[1] {
	case "explicit":
		hops := f[2:]
		if len(hops) > 0 && hops[len(hops)-1] == "strict" {
			p.Strict, hops = true, hops[:len(hops)-1]
		}
		if len(hops) == 0 {
			return bad("an explicit path lists at least one node")
		}
		p.Explicit = hops
	case "dynamic":
		p.Dynamic, p.Metric = true, "igp"
		rest := f[2:]
		if len(rest) > 0 && rest[0] != "exclude" {
			p.Metric, rest = rest[0], rest[1:]
		}
		if p.Metric != "igp" && p.Metric != "latency" {
			return bad("the metric is latency or igp")
		}
		if len(rest) > 0 {
			if rest[0] != "exclude" || len(rest) == 1 {
				return bad("after the metric comes exclude and affinities")
			}
			p.Exclude = rest[1:]
		}
	default:
		return bad("the second word is explicit or dynamic")
	}
	return p, nil
}
