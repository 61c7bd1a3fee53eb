package main

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/api"
)

// What ping(8) adds to the data size it prints: the ICMP and IPv4 headers.
const icmpHeaderLen, ipv4HeaderLen = 8, 20

func newPingCmd() *cobra.Command {
	var req api.PingRequest
	var out outputFormat
	cmd := &cobra.Command{
		Use:   "ping SRC DST",
		Short: "Ping across the running lab",
		Long: `Send ICMP echo requests from SRC to DST. Each is a node name (its loopback),
node:interface (that interface's address) or an address.`,
		Example: "  intercloud ping ce1 ce2\n  intercloud ping ce1 10.255.96.2 --count 3 --ttl 2",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Src, req.Dst = args[0], args[1]
			res, err := client(cmd).Ping(cmd.Context(), req)
			if err != nil {
				return notRunning(err)
			}
			if out.value != "table" {
				return writeStructured(cmd.OutOrStdout(), out.value, res)
			}
			printPing(cmd.OutOrStdout(), res)
			if res.Received == 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().IntVarP(&req.Count, "count", "c", 5, "echo requests to send")
	cmd.Flags().VarP(secondsFlag(&req.Interval, time.Second), "interval", "i", "between requests (seconds, or a duration: 0.2 or 200ms)")
	cmd.Flags().IntVarP(&req.TTL, "ttl", "t", 64, "IP time to live")
	cmd.Flags().IntVarP(&req.Size, "size", "s", 56, "ICMP data bytes")
	cmd.Flags().StringVar(&req.VRF, "vrf", "", "routing table on SRC")
	cmd.Flags().VarP(secondsFlag(&req.Timeout, 2*time.Second), "timeout", "W", "wait for each reply (seconds, or a duration)")
	out.register(cmd, "table", "json", "yaml")
	return cmd
}

// named writes an address with the node that owns it: "10.0.15.199 (p1)".
func named(names map[netip.Addr]string, a netip.Addr) string {
	if n, ok := names[a]; ok {
		return fmt.Sprintf("%s (%s)", a, n)
	}
	return a.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

// printPing writes what Linux ping prints.
func printPing(w io.Writer, r *api.PingResponse) {
	fmt.Fprintf(w, "PING %s from %s: %d(%d) bytes of data.\n", named(r.Names, r.Dst), named(r.Names, r.Src), r.Size, r.Size+icmpHeaderLen+ipv4HeaderLen)
	for _, rep := range r.Replies {
		switch {
		case rep.Lost:
			fmt.Fprintf(w, "no answer for icmp_seq=%d\n", rep.Seq)
		case rep.Error != "":
			fmt.Fprintf(w, "From %s icmp_seq=%d %s\n", named(r.Names, rep.From), rep.Seq, rep.Error)
			for _, l := range rep.Labels {
				fmt.Fprintf(w, "     %s\n", l)
			}
		default:
			fmt.Fprintf(w, "%d bytes from %s: icmp_seq=%d ttl=%d time=%s\n", rep.Size+icmpHeaderLen, named(r.Names, rep.From), rep.Seq, rep.TTL, ms(rep.RTT))
		}
	}
	loss := 0
	if r.Sent > 0 {
		loss = 100 * (r.Sent - r.Received) / r.Sent
	}
	fmt.Fprintf(w, "\n--- %s ping statistics ---\n%d packets transmitted, %d received, %d%% packet loss\n", r.Dst, r.Sent, r.Received, loss)
	if r.Received > 0 {
		fmt.Fprintf(w, "rtt min/avg/max = %.3f/%.3f/%.3f ms\n", float64(r.MinRTT)/1e6, float64(r.AvgRTT)/1e6, float64(r.MaxRTT)/1e6)
	}
}
