package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/api"
	labdaemon "github.com/intercloud/intercloud/internal/daemon" // not daemon: the tests have a type of that name
)

func newUpCmd() *cobra.Command {
	var ttlMode, tcpBase, bgpTransport, gnmiAddr string
	var bgpPort uint16
	var detach, open bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "up [FILE]",
		Short: "Run a lab (the seed lab without FILE) until Ctrl-C or intercloud down",
		Long: `Build and run a lab: a router for every node, a link for every link, OSPF-like
IGP and LDP or SR-MPLS on the core, static routing at the edge. It prints its
progress and a summary once the control plane has converged, then serves the
local API that ping, trace, show, link, impair and capture talk to.

When the lab has clouds, the same address serves their OpenStack APIs: one
Keystone (OS_AUTH_URL http://ADDR/identity/v3, a region per cloud) and a
Neutron per cloud (http://ADDR/cloud/CLOUD/network/); intercloud openrc
CLOUD prints the environment the openstack CLI needs. Their state (users,
projects, networks, ...) is a SQLite database in --state-dir, kept from one
up to the next.

A gNMI server answers for every router (its name as the target) with
OpenConfig interfaces state and counters, on a free loopback port it prints
(--gnmi chooses one), behind the same token.

The API listens on 127.0.0.1:4950 unless --api or $INTERCLOUD_API says
otherwise. With -d the lab runs in the background (log in --state-dir).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, stateDir := apiAddr(cmd), stateDir(cmd)
			st, err := client(cmd).Status(cmd.Context())
			if err == nil {
				return &exitError{code: 1, msg: fmt.Sprintf("intercloud: a lab is already running: %s from %s (pid %d, api %s); stop it with intercloud down",
					st.Topology, st.Source, st.PID, st.API)}
			}
			if se := (*api.StatusError)(nil); errors.As(err, &se) {
				return &exitError{code: 1, msg: fmt.Sprintf("intercloud: something already answers on %s (%s); choose another address with --api", addr, se.Msg)}
			}
			if detach && !labdaemon.IsDetachedChild() {
				return upDetached(cmd, args, addr, stateDir, timeout, open)
			}
			opts, err := labdaemon.LabFlags{TTLMode: ttlMode, BGPTransport: bgpTransport, BGPPort: bgpPort, TCPBase: tcpBase}.Options()
			if err != nil {
				return &exitError{code: 2, msg: "intercloud: " + err.Error()}
			}
			return upForeground(cmd, fileArg(args), labdaemon.Config{StateDir: stateDir, Addr: addr, Lab: opts, Timeout: timeout,
				TCPRequired: cmd.Flags().Changed("bgp-transport") && bgpTransport == "tcp", GNMIAddr: gnmiAddr}, open)
		},
	}
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "run in the background")
	cmd.Flags().BoolVar(&open, "open", false, "open the web UI in a browser once the lab is up")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "give up if the lab has not converged by then")
	cmd.Flags().StringVar(&bgpTransport, "bgp-transport", "tcp", "the lab's own BGP sessions: tcp (real TCP between the routers' 127/8 addresses; tshark on lo sees it) or memory (in-process, for very large labs)")
	cmd.Flags().Uint16Var(&bgpPort, "bgp-port", defaultBGPPort(), "the port the routers' BGP listens on with --bgp-transport tcp (179 needs root)")
	cmd.Flags().StringVar(&tcpBase, "tcp-base", labdaemon.DefaultTCPBase.String(), "addresses routers peer with external BGP daemons from (router i of the file gets base+i+1)")
	cmd.Flags().StringVar(&gnmiAddr, "gnmi", "127.0.0.1:0", "where the gNMI server listens (port 0: a free one, printed; \"\" for none)")
	cmd.Flags().StringVar(&ttlMode, "ttl-mode", "uniform", "how TTLs cross LSPs: uniform (traceroute sees the LSP) or pipe (it does not)")
	return cmd
}

func defaultStateDir() string {
	if d := os.Getenv("INTERCLOUD_STATE"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "intercloud")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "intercloud")
	}
	return filepath.Join(os.TempDir(), "intercloud")
}

// upForeground maps up's choices to a daemon and runs it until Ctrl-C,
// SIGTERM or intercloud down, printing what came up.
func upForeground(cmd *cobra.Command, file string, cfg labdaemon.Config, open bool) error {
	m, err := loadModel(file)
	if err != nil {
		return err
	}
	cfg.Model = m
	cfg.Stderr = cmd.ErrOrStderr()
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	cfg.Ready = func(u labdaemon.Up) {
		// Until now Ctrl-C ends the process as it would any other;
		// from here it stops the lab in order. Caught before "is up" is
		// printed: a Ctrl-C (or a script's SIGINT) answering that line
		// must find the handler there.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		go func() {
			defer signal.Stop(sig)
			select {
			case <-sig:
				cancel()
			case <-ctx.Done():
			}
		}()
		printUp(cmd, u, cfg.StateDir)
		if open {
			openBrowser(cmd, webUIURL(u.Reachable, u.Token))
		}
	}
	if err := labdaemon.Run(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "lab %s stopped\n", m.Name)
	return nil
}

// printUp says what came up and how to use it.
func printUp(cmd *cobra.Command, u labdaemon.Up, stateDir string) {
	out, m, c := cmd.OutOrStdout(), u.Model, u.Counts
	fmt.Fprintf(out, "lab %s is up: %d routers, %d links (%d up), %d IGP adjacencies, %d LDP sessions, %d LSPs, %d BGP sessions\n",
		m.Name, c.Routers, c.Links, c.LinksUp, c.Adjacencies, c.LDPSessions, c.LSPs, c.BGPEstablished)
	fmt.Fprintf(out, "built in %v; converged in %v of lab time (links' latencies included), computed in %v\n",
		u.Built.Round(time.Millisecond), u.Converged.Round(time.Millisecond), u.Computed.Round(time.Millisecond))
	try := ""
	if a, b, ok := tracePair(m); ok {
		try = fmt.Sprintf(" - try: intercloud trace %s %s", a, b)
	}
	fmt.Fprintf(out, "API on http://%s/api/v1 (token in %s)%s; stop with Ctrl-C or intercloud down\n", u.Addr, u.TokenFile, try)
	for _, p := range u.ExternalPeers {
		vrf := ""
		if p.VRF != "" {
			vrf = " (vrf " + p.VRF + ")"
		}
		fmt.Fprintf(out, "external BGP peer %s (plays %s) at %v: %s%s connects from %v\n", p.Peer, p.Plays, p.Addr, p.Node, vrf, p.Local)
	}
	fmt.Fprintf(out, "web UI: %s\n", webUIURL(u.Reachable, u.Token))
	if u.GNMI != "" {
		fmt.Fprintf(out, "gNMI on %s (a router's name as target, the token as password) - try: GNMI_USER=lab GNMI_PASS=$(cat %s) gnmi_cli -a %s -insecure -with_user_pass -t %s -q interfaces/interface/state/oper-status\n",
			u.GNMI, u.TokenFile, u.GNMI, m.Nodes[0].Name)
	}
	if o := u.OpenStack; o != nil {
		fmt.Fprintf(out, "OpenStack: Keystone on %s, regions %s, state in %s - try: eval \"$(intercloud openrc %s)\"; openstack network list\n",
			o.AuthURL, strings.Join(regionNames(o), ", "), stateDir, o.Regions[0].Name)
	}
}

func regionNames(o *api.OpenStack) []string {
	var names []string
	for _, r := range o.Regions {
		names = append(names, r.Name)
	}
	return names
}

// upDetached runs up again in the background (labdaemon.Detach) with the
// flags that shape the lab, and prints what it printed coming up.
func upDetached(cmd *cobra.Command, args []string, addr, stateDir string, timeout time.Duration, open bool) error {
	childArgs := append([]string{"up", "--api", addr, "--state-dir", stateDir, "--timeout", timeout.String()}, args...)
	for _, f := range []string{"ttl-mode", "tcp-base", "bgp-transport", "bgp-port", "gnmi"} {
		// Only flags given are passed on, so the child decides the
		// rest (a defaulted transport may still fall back to memory).
		if fl := cmd.Flags().Lookup(f); fl != nil && fl.Changed {
			childArgs = append(childArgs, "--"+f, fl.Value.String())
		}
	}
	child, err := labdaemon.Detach(cmd.Context(), childArgs, addr, stateDir, timeout)
	if err != nil {
		return err
	}
	cmd.OutOrStdout().Write(child.Output)
	fmt.Fprintf(cmd.OutOrStdout(), "running in the background as pid %d; log in %s\n", child.PID, child.Log)
	if open {
		// This process, not the detached one, has the user's display.
		openBrowser(cmd, webUIURL(addr, child.Token))
	}
	return nil
}

func newDownCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop the running lab",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := client(cmd)
			st, err := c.Status(cmd.Context())
			if err != nil {
				return notRunning(err)
			}
			if err := c.Shutdown(cmd.Context()); err != nil {
				return err
			}
			for i := 0; i < 100; i++ { // up to 10 s
				if _, err := c.Status(cmd.Context()); errors.Is(err, api.ErrNotRunning) {
					fmt.Fprintf(cmd.OutOrStdout(), "lab %s stopped\n", st.Topology)
					return nil
				}
				time.Sleep(100 * time.Millisecond)
			}
			return fmt.Errorf("lab %s (pid %d) did not stop within 10s", st.Topology, st.PID)
		},
	}
	return cmd
}

// notRunning turns "nothing answers" into exit code 1 with a plain message.
func notRunning(err error) error {
	if errors.Is(err, api.ErrNotRunning) {
		return &exitError{code: 1, msg: "intercloud: " + err.Error()}
	}
	return err
}

// defaultBGPPort is BGP's port for root, which may bind it, and 1179
// otherwise.
func defaultBGPPort() uint16 {
	if os.Geteuid() == 0 {
		return 179
	}
	return 1179
}
