package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/generate"
)

func newGenerateCmd() *cobra.Command {
	p := generate.DefaultParams()
	var file string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a large lab's topology file from a few counts",
		Long: `Write the topology file of a lab shaped like a service provider's network,
for scale work: POPs (points of presence) whose P routers are meshed inside
the POP and joined to the next and previous POP in a ring (long-haul links
carry 5-40ms of latency from the distance between POPs), PEs dual-homed to
two P routers of their POP, dedicated route reflectors in different POPs,
CEs dealt into a handful of customer VPNs, and clouds spread over the POPs
cycling through the five join modes (floating-ip and dynamic-routing behind
a CE; bgpvpn, interconnection and sdn on a PE). No single link failure
partitions the core. Pools are sized from the counts; the same flags always
give the same file.

With --areas each POP's PEs and their uplinks are an OSPF area of their own,
a totally NSSA (RFC 3101); the P routers, whose ring is area 0, are the
border routers. Each POP's PEs, and the clouds on them (their nodes and
compute nodes), then get loopbacks from a block of the POP's (a /24 when
the pool has room), which the file's areas: section gives the POP's area as
its range: the border routers advertise the block once into the other
areas instead of a route per PE, send the area a default route and no
other summary, and translate what the PEs redistribute for their clouds
(type-7 LSAs, kept inside the area) into one AS-external LSA for the block.
With --prefix-suppression the core routers leave their
links' subnets out of OSPF (RFC 6860, IOS's prefix-suppression): each
holds a route per loopback rather than per link as well, which is all
LDP, BGP and the VPNs need, and a large lab comes up in less time and
memory; a core link's address then answers only from its own link.

Lab sizes (routers are the p, pe, ce and rr nodes):` + exampleSizes(),
		Example: `  intercloud generate --pops 20 --p-per-pop 2 --pe-per-pop 4 --clouds 50 > big.yaml && intercloud validate big.yaml
  intercloud generate --pops 100 --p-per-pop 4 --pe-per-pop 32 --ce-per-pe 2 --clouds 500 --areas -w 10k.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := generate.Lab(p)
			if err != nil {
				return &exitError{code: 2, msg: "intercloud: generate: " + err.Error()}
			}
			if file == "" {
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			if err := os.WriteFile(file, data, 0o644); err != nil {
				return fmt.Errorf("cannot write topology: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: %d routers, %d clouds\n", file, p.Counts().Routers(), p.Clouds)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&p.POPs, "pops", p.POPs, "points of presence, joined in a ring")
	f.IntVar(&p.PPerPOP, "p-per-pop", p.PPerPOP, "P routers per POP, meshed inside the POP")
	f.IntVar(&p.PEPerPOP, "pe-per-pop", p.PEPerPOP, "PE routers per POP, each dual-homed to two P routers")
	f.IntVar(&p.CEPerPE, "ce-per-pe", p.CEPerPE, "CE routers on each PE")
	f.IntVar(&p.Clouds, "clouds", p.Clouds, "clouds, spread over the POPs, cycling through the five join modes")
	f.IntVar(&p.RRs, "rrs", p.RRs, "dedicated route reflectors, spread over the POPs")
	f.IntVar(&p.VPNs, "vpns", p.VPNs, "customer VPNs the CEs are dealt into")
	f.BoolVar(&p.Areas, "areas", p.Areas, "put each POP in an OSPF area of its own, the P routers as border routers")
	f.BoolVar(&p.PrefixSuppression, "prefix-suppression", p.PrefixSuppression, "leave the core's link subnets out of OSPF (RFC 6860): tables of loopbacks only, smaller and faster for large labs")
	f.StringVar(&p.LabelMode, "label-mode", p.LabelMode, "transport labels: ldp or sr")
	f.StringVar(&p.Name, "name", "", "lab name (default derived from the counts)")
	f.Int64Var(&p.Seed, "seed", p.Seed, "places the POPs on the map, hence the long-haul latencies")
	f.StringVarP(&file, "write", "w", "", "write the file to `FILE` instead of standard output")
	return cmd
}

// exampleSizes lists the generator's documented parameter sets.
func exampleSizes() string {
	var b strings.Builder
	exs := generate.Examples()
	width := 0
	for _, ex := range exs {
		width = max(width, len(ex.Params.Flags()))
	}
	for _, ex := range exs {
		fmt.Fprintf(&b, "\n  %-8s %-*s  %6d routers", ex.Size, width, ex.Params.Flags(), ex.Params.Counts().Routers())
	}
	return b.String()
}
