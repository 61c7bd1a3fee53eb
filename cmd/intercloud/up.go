package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/cloud"
	"github.com/intercloud/intercloud/internal/cloudapi"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
	"github.com/intercloud/intercloud/internal/webui"
)

// envDaemon marks the detached child of `up -d`.
const envDaemon = "INTERCLOUD_DETACHED"

func newUpCmd() *cobra.Command {
	var ttlMode, tcpBase, bgpTransport string
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
			if detach && os.Getenv(envDaemon) == "" {
				return startDetached(cmd, args, addr, stateDir, timeout, open)
			}
			opts := lab.Options{}
			switch ttlMode {
			case "uniform":
			case "pipe":
				opts.TTLMode = router.TTLPipe
			default:
				return &exitError{code: 2, msg: fmt.Sprintf("intercloud: --ttl-mode %q: want uniform or pipe", ttlMode)}
			}
			switch bgpTransport {
			case "tcp", "memory":
				opts.BGPTransport = bgpTransport
			default:
				return &exitError{code: 2, msg: fmt.Sprintf("intercloud: --bgp-transport %q: want tcp or memory", bgpTransport)}
			}
			opts.BGPPort = bgpPort
			if tcpBase != "" {
				p, err := netip.ParsePrefix(tcpBase)
				if err != nil || !p.Addr().Is4() {
					return &exitError{code: 2, msg: fmt.Sprintf("intercloud: --tcp-base %q: want an IPv4 prefix such as %v", tcpBase, lab.DefaultTCPBase)}
				}
				opts.TCPBase = p.Masked()
			}
			return runForeground(cmd, fileArg(args), addr, stateDir, timeout, opts, upOptions{open: open, tcpAsked: cmd.Flags().Changed("bgp-transport")})
		},
	}
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "run in the background")
	cmd.Flags().BoolVar(&open, "open", false, "open the web UI in a browser once the lab is up")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "give up if the lab has not converged by then")
	cmd.Flags().StringVar(&bgpTransport, "bgp-transport", "tcp", "the lab's own BGP sessions: tcp (real TCP between the routers' 127/8 addresses; tshark on lo sees it) or memory (in-process, for very large labs)")
	cmd.Flags().Uint16Var(&bgpPort, "bgp-port", defaultBGPPort(), "the port the routers' BGP listens on with --bgp-transport tcp (179 needs root)")
	cmd.Flags().StringVar(&tcpBase, "tcp-base", lab.DefaultTCPBase.String(), "addresses routers peer with external BGP daemons from (router i of the file gets base+i+1)")
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

// upOptions are up's choices that are not the lab's.
type upOptions struct {
	open     bool // open the web UI in a browser
	tcpAsked bool // --bgp-transport tcp was given, not defaulted
}

// checkOpenFiles makes sure the lab's BGP over TCP has the open files it
// needs, raising the soft limit when short. When the hard limit is too
// low it falls back to the in-memory transport, saying so, unless TCP was
// asked for explicitly: then it fails with the same advice.
func checkOpenFiles(errw io.Writer, m *topology.Model, opts *lab.Options, uo upOptions, lim lab.FileLimit) error {
	if opts.BGPTransport != "tcp" {
		return nil
	}
	b := lab.TCPFileBudget(m)
	need := b.Total()
	have, before, err := lab.EnsureFiles(lim, need)
	if err != nil {
		fmt.Fprintf(errw, "warning: %v\n", err)
	}
	if have >= need {
		if have > before {
			fmt.Fprintf(errw, "raised the open-files limit from %d to %d: the lab's BGP over TCP needs %s\n", before, have, b)
		}
		return nil
	}
	why := fmt.Sprintf("the lab's BGP over TCP needs %s but this process may open only %d; raise the limit with `ulimit -n %d` (the hard limit too, as root or in /etc/security/limits.conf)", b, have, need)
	if uo.tcpAsked {
		return &exitError{code: 1, msg: "intercloud: " + why + ", or use --bgp-transport memory"}
	}
	fmt.Fprintf(errw, "note: %s; running it over the in-memory transport instead (--bgp-transport memory)\n", why)
	opts.BGPTransport = "memory"
	return nil
}

func runForeground(cmd *cobra.Command, file, addr, stateDir string, timeout time.Duration, opts lab.Options, uo upOptions) error {
	errw := cmd.ErrOrStderr()
	t0 := time.Now()
	m, err := loadModel(file)
	if err != nil {
		return err
	}
	tok, err := api.LoadOrCreateToken(stateDir)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("intercloud: %v", err)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("intercloud: cannot serve the API on %s: %v (choose another with --api)", addr, err)}
	}
	if !onLoopback(ln.Addr()) {
		fmt.Fprintf(errw, "warning: the API on %s is reachable from other machines: the lab API still needs the token in %s, but Keystone and Neutron take the seeded users' well-known password (see SECURITY.md)\n",
			ln.Addr(), filepath.Join(stateDir, api.TokenFile))
	}
	if err := checkOpenFiles(errw, m, &opts, uo, lab.ProcessFileLimit); err != nil {
		ln.Close()
		return err
	}
	big := len(m.Nodes) > 200
	// The lab runs on a virtual clock: bring-up advances it as fast as the
	// CPU allows (no traffic exists yet), then it is paced to the wall
	// clock, so an overloaded machine slows lab time instead of making
	// protocol timers fire late.
	clk := clock.NewVirtual(time.Now())
	opts.Clock = clk
	opts.Progress = func(msg string) {
		if big {
			fmt.Fprintf(errw, "%s...\n", msg)
		}
	}
	l, err := lab.New(m, opts)
	if err != nil {
		ln.Close()
		return err
	}
	defer l.Close()
	log := slog.New(slog.NewTextHandler(errw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := api.NewServer(l, log)
	srv.SetToken(tok)
	srv.SetBindName(addr)
	if err := webui.Mount(srv); err != nil {
		ln.Close()
		return err
	}
	var clouds *cloudapi.Clouds
	// Neutron changes reach the lab through ctrl (internal/cloud).
	ctrl := cloud.NewController(l, log)
	if len(m.Clouds) > 0 {
		// Closed after the server (defers run last first), so no request
		// is in flight when the database closes.
		if clouds, err = startClouds(srv, m, stateDir, ln.Addr(), log, ctrl.Changed); err != nil {
			ln.Close()
			return err
		}
		defer func() {
			if err := clouds.Close(); err != nil {
				log.Warn("closing the clouds' database", "err", err)
			}
		}()
		for _, c := range m.Clouds {
			ctrl.Add(c.Name, clouds.Neutron(c.Name))
		}
		srv.SetCloudSummaries(clouds.Summaries)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer srv.Close()
	built := time.Since(t0)
	labStart := clk.Now()
	l.Start()
	t1 := time.Now()
	if big {
		fmt.Fprintln(errw, "waiting for adjacencies and LSPs...")
	}
	advance := func(d time.Duration) { clk.Advance(d) }
	if opts.BGPTransport == "tcp" {
		// BGP messages cross real sockets in wall time: lab time may run
		// at most four times faster, so that timers (connect retries,
		// keepalives) never outrun messages still in flight.
		advance = func(d time.Duration) {
			clk.Advance(d)
			if ahead := clk.Now().Sub(labStart)/4 - time.Since(t1); ahead > 0 {
				time.Sleep(ahead)
			}
		}
	}
	c, took, ok := waitConverged(l, timeout, advance)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go clock.Pace(ctx, clk, time.Millisecond)
	if !ok {
		return &exitError{code: 1, msg: fmt.Sprintf("intercloud: lab %s did not converge within %v (%v of lab time): %d of %d core adjacencies, %d LSPs",
			m.Name, timeout, took.Round(time.Millisecond), c.Adjacencies, c.CoreLinksUp, c.LSPs)}
	}
	// What the clouds' databases hold (VMs, speakers, routes) comes
	// back now, and every later Neutron change is applied as it commits.
	applyCtx, applyCancel := context.WithTimeout(ctx, time.Minute)
	if err := ctrl.Start(applyCtx); err != nil {
		log.Warn("restoring the clouds' state into the lab", "err", err)
	}
	applyCancel()
	srv.SetReady(took)
	fmt.Fprintf(cmd.OutOrStdout(), "lab %s is up: %d routers, %d links (%d up), %d IGP adjacencies, %d LDP sessions, %d LSPs, %d BGP sessions\n",
		m.Name, c.Routers, c.Links, c.LinksUp, c.Adjacencies, c.LDPSessions, c.LSPs, c.BGPEstablished)
	fmt.Fprintf(cmd.OutOrStdout(), "built in %v; converged in %v of lab time (links' latencies included), computed in %v\n",
		built.Round(time.Millisecond), took.Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	try := ""
	if a, b, ok := tracePair(m); ok {
		try = fmt.Sprintf(" - try: intercloud trace %s %s", a, b)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "API on http://%s/api/v1 (token in %s)%s; stop with Ctrl-C or intercloud down\n",
		addr, filepath.Join(stateDir, api.TokenFile), try)
	for _, p := range l.ExternalPeers() {
		vrf := ""
		if p.VRF != "" {
			vrf = " (vrf " + p.VRF + ")"
		}
		fmt.Fprintf(cmd.OutOrStdout(), "external BGP peer %s (plays %s) at %v: %s%s connects from %v\n", p.Peer, p.Plays, p.Addr, p.Node, vrf, p.Local)
	}
	ui := webUIURL(reachable(ln.Addr()), tok)
	fmt.Fprintf(cmd.OutOrStdout(), "web UI: %s\n", ui)
	if uo.open {
		openBrowser(cmd, ui)
	}
	if clouds != nil {
		o := clouds.Describe()
		fmt.Fprintf(cmd.OutOrStdout(), "OpenStack: Keystone on %s, regions %s, state in %s - try: eval \"$(intercloud openrc %s)\"; openstack network list\n",
			o.AuthURL, strings.Join(regionNames(o), ", "), stateDir, o.Regions[0].Name)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case <-sig:
	case <-srv.Shutdown():
	case err := <-served:
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "lab %s stopped\n", m.Name)
	return nil
}

// startClouds opens the clouds' OpenStack APIs on the store in stateDir
// and mounts them on srv, whose listener is at addr.
func startClouds(srv *api.Server, m *topology.Model, stateDir string, addr net.Addr, log *slog.Logger, onChange func(string)) (*cloudapi.Clouds, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clouds, err := cloudapi.Open(ctx, stateDir, m, "http://"+reachable(addr), cloudapi.Options{Logger: log, OnChange: onChange})
	if err != nil {
		return nil, &exitError{code: 1, msg: fmt.Sprintf("intercloud: cannot start the clouds' OpenStack APIs (state in %s): %v", stateDir, err)}
	}
	if err := clouds.Mount(srv); err != nil {
		clouds.Close()
		return nil, err
	}
	srv.SetOpenStack(clouds.Describe())
	return clouds, nil
}

// waitConverged waits for the lab to converge for at most timeout of
// wall time, whatever pace the lab's clock keeps (advance moves it).
func waitConverged(l *lab.Lab, timeout time.Duration, advance func(time.Duration)) (lab.Counts, time.Duration, bool) {
	return l.WaitReadyBy(time.Now().Add(timeout), 10*time.Millisecond, advance)
}

// onLoopback says whether a listener is reachable from this machine only.
func onLoopback(addr net.Addr) bool {
	ap, err := netip.ParseAddrPort(addr.String())
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// reachable is addr as clients reach it, for the OpenStack catalog. A
// wildcard (--api 0.0.0.0:4950, which Go reports as [::]:4950) was
// asked for so that other machines reach the lab: it is advertised as
// this machine's first global address, IPv4 first, or as 127.0.0.1
// when it has none.
func reachable(addr net.Addr) string {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil || !ap.Addr().IsUnspecified() {
		return addr.String()
	}
	return netip.AddrPortFrom(machineAddr(), ap.Port()).String()
}

// machineAddr is this machine's first global unicast address, IPv4
// preferred, or 127.0.0.1.
func machineAddr() netip.Addr {
	var v6 netip.Addr
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil || !p.Addr().IsGlobalUnicast() {
			continue
		}
		if p.Addr().Unmap().Is4() {
			return p.Addr().Unmap()
		}
		if !v6.IsValid() {
			v6 = p.Addr()
		}
	}
	if v6.IsValid() {
		return v6
	}
	return netip.MustParseAddr("127.0.0.1")
}

func regionNames(o *api.OpenStack) []string {
	var names []string
	for _, r := range o.Regions {
		names = append(names, r.Name)
	}
	return names
}

// startDetached re-runs `up` in the background with its output in a log
// file, and waits until the lab answers and has converged.
func startDetached(cmd *cobra.Command, args []string, addr, stateDir string, timeout time.Duration, open bool) error {
	// The token is made here, before the child starts, so that this
	// process can ask the child whether it is ready; the child reads
	// the same file.
	tok, err := api.LoadOrCreateToken(stateDir)
	if err != nil {
		return err
	}
	logPath := filepath.Join(stateDir, "lab.log")
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	logf.Chmod(0o600) // one an older version left 0644
	defer logf.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	childArgs := append([]string{"up", "--api", addr, "--state-dir", stateDir, "--timeout", timeout.String()}, args...)
	for _, f := range []string{"ttl-mode", "tcp-base", "bgp-transport", "bgp-port"} {
		if fl := cmd.Flags().Lookup(f); fl != nil && fl.Value.String() != "" {
			childArgs = append(childArgs, "--"+f, fl.Value.String())
		}
	}
	child := exec.Command(self, childArgs...)
	child.Env = append(os.Environ(), envDaemon+"=1")
	child.Stdout, child.Stderr, child.Stdin = logf, logf, nil
	child.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := child.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	client := api.NewClient(addr, tok)
	deadline := time.Now().Add(timeout + 5*time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			b, _ := os.ReadFile(logPath)
			return &exitError{code: 1, msg: fmt.Sprintf("intercloud: the lab exited during start-up:\n%s", b)}
		case <-time.After(50 * time.Millisecond):
		}
		st, err := client.Status(context.Background())
		if err != nil || !st.Ready {
			continue
		}
		b, _ := os.ReadFile(logPath)
		io.WriteString(cmd.OutOrStdout(), string(b))
		fmt.Fprintf(cmd.OutOrStdout(), "running in the background as pid %d; log in %s\n", st.PID, logPath)
		if open {
			// This process, not the detached one, has the user's display.
			openBrowser(cmd, webUIURL(addr, tok))
		}
		return nil
	}
	child.Process.Kill()
	return errors.New("the detached lab did not become ready in time; see " + logPath)
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
			if err := c.Do(cmd.Context(), "POST", "/shutdown", nil, nil, nil); err != nil {
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
