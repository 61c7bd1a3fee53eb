package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/topology"
)

func newImpairCmd() *cobra.Command {
	var delay, jitter time.Duration
	var loss, rate string
	var out outputFormat
	cmd := &cobra.Command{
		Use:   "impair A B",
		Short: "Set a link's latency, jitter, loss and rate, both ways (like tc netem)",
		Example: "  intercloud impair pe1 p1 --delay 30ms --jitter 2ms --loss 1% --rate 100mbit\n" +
			"  intercloud impair pe1 p1        # clears every impairment",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			m := api.Impairment{Latency: delay, Jitter: jitter}
			if loss != "" {
				v, err := strconv.ParseFloat(strings.TrimSuffix(loss, "%"), 64)
				if err != nil || v < 0 || v > 100 {
					return &exitError{code: 2, msg: fmt.Sprintf("intercloud: --loss %q: want a percentage such as 1%%", loss)}
				}
				m.Loss = v / 100
			}
			if rate != "" {
				v, err := topology.ParseRate(rate)
				if err != nil {
					return &exitError{code: 2, msg: "intercloud: --rate: " + err.Error()}
				}
				m.Rate = v
			}
			infos, err := client(cmd).ChangeLink(cmd.Context(), args[0], args[1], api.LinkChange{Impairment: &m})
			if err != nil {
				return notRunning(err)
			}
			if out.value != "table" {
				return writeStructured(cmd.OutOrStdout(), out.value, infos)
			}
			printLinks(cmd, infos)
			return nil
		},
	}
	cmd.Flags().DurationVar(&delay, "delay", 0, "one-way latency, e.g. 30ms")
	cmd.Flags().DurationVar(&jitter, "jitter", 0, "latency varies by up to this much")
	cmd.Flags().StringVar(&loss, "loss", "", "random loss, e.g. 1%")
	cmd.Flags().StringVar(&rate, "rate", "", "line rate in tc units, e.g. 100mbit")
	out.register(cmd, "table", "json", "yaml")
	return cmd
}

func newCaptureCmd() *cobra.Command {
	var file string
	var duration time.Duration
	var count int
	cmd := &cobra.Command{
		Use:   "capture A B -w FILE.pcap | capture NODE:INTERFACE -w FILE.pcap",
		Short: "Capture the frames on a link (both ways) into a pcap for tshark or Wireshark",
		Long: `Capture the frames crossing the links between A and B (or the link on one
node's interface), both directions, into a pcap file (Ethernet, with MPLS
label stacks) until Ctrl-C, --duration or --count. Open it with Wireshark,
or: tshark -r FILE.pcap`,
		Example: "  intercloud capture pe1 p1 -w core.pcap --duration 10s\n  intercloud capture pe1:eth1 -w pe1-eth1.pcap -c 20",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if file == "" {
				return &exitError{code: 2, msg: "intercloud: give the output file with -w FILE.pcap"}
			}
			req := api.CaptureRequest{A: args[0], Duration: duration, Count: count}
			what := args[0]
			if len(args) == 2 {
				req.B = args[1]
				what += " - " + args[1]
			}
			// The file is created by the first bytes of the capture, so a
			// refused one (an unknown link) leaves no empty pcap behind.
			f := &lazyFile{path: file}
			f.created = func() { fmt.Fprintf(cmd.ErrOrStderr(), "capturing %s into %s (Ctrl-C to stop)\n", what, file) }
			defer f.Close()
			n, err := client(cmd).Capture(cmd.Context(), req, f)
			if err != nil {
				if f.err != nil {
					return f.err
				}
				return notRunning(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d bytes to %s\n", n, file)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "write", "w", "", "pcap file to write")
	cmd.Flags().DurationVar(&duration, "duration", 0, "stop after this long")
	cmd.Flags().IntVarP(&count, "count", "c", 0, "stop after this many frames")
	return cmd
}

// lazyFile is a file created (truncated) by its first write.
type lazyFile struct {
	path    string
	created func() // says the capture has started
	f       *os.File
	err     error // of creating it
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil {
		if l.f, l.err = os.Create(l.path); l.err != nil {
			return 0, l.err
		}
		if l.created != nil {
			l.created()
		}
	}
	return l.f.Write(p)
}

func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

func newEventsCmd() *cobra.Command {
	var out outputFormat
	var since time.Duration
	var follow bool
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Show the lab's events: adjacencies, SPF runs, label changes, link changes",
		Long: `Show the lab's events: adjacencies, SPF runs, label changes, link changes.

With --follow, print events as they happen until Ctrl-C or the lab stops
(with --since, the last DURATION first); -o json prints one JSON object a
line, each with its id.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			if since > 0 {
				q.Set("since", time.Now().Add(-since).Format(time.RFC3339Nano))
			}
			w := cmd.OutOrStdout()
			if follow {
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
				defer stop()
				err := client(cmd).Follow(ctx, q, func(e api.NumberedEvent) error {
					if out.value == "table" {
						printEvent(w, e.Event)
						return nil
					}
					b, err := json.Marshal(e)
					if err == nil {
						_, err = fmt.Fprintf(w, "%s\n", b)
					}
					return err
				})
				if ctx.Err() != nil {
					return nil // Ctrl-C is how following ends
				}
				return notRunning(err)
			}
			var from time.Time
			if since > 0 {
				from = time.Now().Add(-since)
			}
			ev, err := client(cmd).Events(cmd.Context(), from)
			if err != nil {
				return notRunning(err)
			}
			if out.value != "table" {
				return writeStructured(w, out.value, ev)
			}
			for _, e := range ev {
				printEvent(w, e)
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&since, "since", 0, "only the last DURATION of events")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "print events as they come, until Ctrl-C")
	out.register(cmd, "table", "json", "yaml")
	return cmd
}

func printEvent(w io.Writer, e api.Event) {
	fmt.Fprintf(w, "%s  %-8s %-18s %s\n", e.Time.Format("15:04:05.000"), e.Node, e.Kind, e.Detail)
}
