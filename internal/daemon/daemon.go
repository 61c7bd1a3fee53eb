// Package daemon is the life of a lab daemon (intercloud up): it builds
// the lab on a virtual clock, serves the lab API, the web UI and the
// clouds' OpenStack APIs on one listener, brings the lab up as fast as
// the CPU allows, then paces its clock to the wall's and serves until
// asked to stop. The CLI maps its flags to a Config; signals reach Run
// through its context.
package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"runtime"
	"time"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/cloud"
	"github.com/intercloud/intercloud/internal/cloudapi"
	"github.com/intercloud/intercloud/internal/gnmi"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
	"github.com/intercloud/intercloud/internal/webui"
)

// Config is what a daemon runs and where.
type Config struct {
	Model    *topology.Model
	StateDir string // the token, the clouds' database, the detached log
	Addr     string // the API's listen address, as the user named it (--api)
	// Lab are the lab's options (TTL mode, BGP transport, port, TCP
	// base); Run sets their Clock and Progress.
	Lab lab.Options
	// TCPRequired refuses to fall back to the in-memory BGP transport
	// when the open-files limit is too low for TCP (it was asked for).
	TCPRequired bool
	// FileLimit is the open-files limit checked and raised for BGP over
	// TCP; nil is this process's.
	FileLimit lab.FileLimit
	Timeout   time.Duration // wall time the lab may take to converge
	// GNMIAddr is where the gNMI server (internal/gnmi) listens (--gnmi);
	// "" serves none.
	GNMIAddr string
	// Stderr receives warnings and, for large labs, progress.
	Stderr io.Writer
	// Ready, when set, is called once the lab has converged and is
	// served, before Run waits for the end.
	Ready func(Up)
}

// Up is what a daemon that came up tells its user.
type Up struct {
	Model  *topology.Model
	Counts lab.Counts
	// Built is the wall time from Run to the lab started; Converged, the
	// lab time convergence took; Computed, the wall time it took.
	Built, Converged, Computed time.Duration
	Addr                       string // the API address as configured
	Reachable                  string // the listener as clients reach it (a wildcard made concrete)
	Token                      string
	TokenFile                  string
	ExternalPeers              []lab.ExternalPeer
	OpenStack                  *api.OpenStack // nil without clouds
	GNMI                       string         // the gNMI server's address; "" when none
}

// Run builds the lab, serves it and returns when ctx ends, a client asks
// the daemon to stop (POST /api/v1/shutdown) or serving fails; then it
// stops the server, the clouds' database and the lab, in that order.
// Bring-up does not watch ctx: it ends by convergence or by Timeout.
func Run(ctx context.Context, cfg Config) error {
	errw := cfg.Stderr
	if errw == nil {
		errw = io.Discard
	}
	m := cfg.Model
	t0 := time.Now()
	tok, err := api.LoadOrCreateToken(cfg.StateDir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot serve the API on %s: %v (choose another with --api)", cfg.Addr, err)
	}
	if !onLoopback(ln.Addr()) {
		fmt.Fprintf(errw, "warning: the API on %s is reachable from other machines: the lab API still needs the token in %s, but Keystone and Neutron take the seeded users' well-known password (see SECURITY.md)\n",
			ln.Addr(), filepath.Join(cfg.StateDir, api.TokenFile))
	}
	opts := cfg.Lab
	lim := cfg.FileLimit
	if lim == nil {
		lim = lab.ProcessFileLimit
	}
	if err := checkOpenFiles(errw, m, &opts, cfg.TCPRequired, lim); err != nil {
		ln.Close()
		return err
	}
	big := len(m.Nodes) > 200
	heapReady := lab.PrepareHeap(m)
	defer heapReady() // on the ways out before ready
	if cfg.GNMIAddr != "" {
		gnmi.UnzipSchemaAhead() // while the lab is built
	}
	// The lab runs on a virtual clock: bring-up advances it as fast as the
	// CPU allows (no traffic exists yet), then it is paced to the wall
	// clock, so an overloaded machine slows lab time instead of making
	// protocol timers fire late.
	clk := clock.NewVirtual(time.Now())
	// What the routers do at one instant of lab time runs on every core:
	// each router's callbacks hold its own control lock, as on a real
	// clock, and a lab's instants are crowded (a bring-up's BGP step is
	// thousands of routers' work at once).
	clk.SetParallel(runtime.GOMAXPROCS(0))
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
	srv.SetBindName(cfg.Addr)
	if err := webui.Mount(srv); err != nil {
		ln.Close()
		return err
	}
	var clouds *cloudapi.Clouds
	// Neutron changes reach the lab through ctrl (internal/cloud).
	ctrl := cloud.NewController(l, log)
	// The clouds' APIs open on their database while the lab comes up
	// (a fresh database of 100 clouds takes seconds to seed): the lab
	// does not need them until their state is applied, after it
	// converged, and ctrl ignores their changes until then.
	joinClouds := func() error { return nil }
	if len(m.Clouds) > 0 {
		opened := make(chan error, 1)
		var c *cloudapi.Clouds
		go func() {
			var err error
			c, err = startClouds(srv, m, cfg.StateDir, ln.Addr(), log, ctrl.Changed, clk)
			opened <- err
		}()
		var err error
		joined := false
		joinClouds = func() error {
			if joined {
				return err
			}
			joined = true
			if err = <-opened; err != nil {
				return err
			}
			clouds = c
			for _, c := range m.Clouds {
				ctrl.Add(c.Name, clouds.Neutron(c.Name))
			}
			srv.SetCloudSummaries(clouds.Summaries)
			srv.SetCloudTables(clouds.Table)
			return nil
		}
		// Closed after the server (defers run last first), so no request
		// is in flight when the database closes; joined first on every
		// way out, so that it is closed once open.
		defer func() {
			if clouds == nil {
				return
			}
			if err := clouds.Close(); err != nil {
				log.Warn("closing the clouds' database", "err", err)
			}
		}()
		defer joinClouds()
	}
	gnmiAddr := ""
	if cfg.GNMIAddr != "" {
		gln, err := net.Listen("tcp", cfg.GNMIAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("cannot serve gNMI on %s: %v (choose another with --gnmi)", cfg.GNMIAddr, err)
		}
		if !onLoopback(gln.Addr()) {
			fmt.Fprintf(errw, "warning: gNMI on %s is reachable from other machines, without TLS: the token it asks for crosses the network in clear\n", gln.Addr())
		}
		gs := gnmi.New(l, tok)
		go gs.Serve(gln)
		defer gs.Stop()
		gnmiAddr = gln.Addr().String()
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
	c, took, ok := WaitConverged(l, cfg.Timeout, bringUpPace(clk, labStart, t1, opts.BGPTransport))
	paceCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go clock.Pace(paceCtx, clk, time.Millisecond)
	if !ok {
		return fmt.Errorf("lab %s did not converge within %v (%v of lab time): %d of %d core adjacencies, %d LSPs",
			m.Name, cfg.Timeout, took.Round(time.Millisecond), c.Adjacencies, c.CoreLinksUp, c.LSPs)
	}
	if err := joinClouds(); err != nil {
		return err
	}
	// What the clouds' databases hold (VMs, speakers, routes) comes
	// back now, and every later Neutron change is applied as it commits.
	applyCtx, applyCancel := context.WithTimeout(paceCtx, time.Minute)
	if err := ctrl.Start(applyCtx); err != nil {
		log.Warn("restoring the clouds' state into the lab", "err", err)
	}
	applyCancel()
	srv.SetReady(took)
	if cfg.Ready != nil {
		up := Up{Model: m, Counts: c, Built: built, Converged: took, Computed: time.Since(t1),
			Addr: cfg.Addr, Reachable: reachable(ln.Addr()), Token: tok, TokenFile: filepath.Join(cfg.StateDir, api.TokenFile),
			ExternalPeers: l.ExternalPeers(), GNMI: gnmiAddr}
		if clouds != nil {
			up.OpenStack = clouds.Describe()
		}
		cfg.Ready(up)
	}
	// The bring-up's collector target ends with it: the collection this
	// sets off (the heap is well past the default target by now) runs
	// once the user has been told the lab is up, not while the clouds'
	// state is applied.
	heapReady()
	select {
	case <-ctx.Done():
	case <-srv.Shutdown():
	case err := <-served:
		return err
	}
	return nil
}

// bringUpPace is how bring-up moves the lab's clock: as fast as the CPU
// allows, except that with BGP over TCP, whose messages cross real
// sockets in wall time, lab time may run at most four times faster than
// the wall, so that timers (connect retries, keepalives) never outrun
// messages still in flight.
func bringUpPace(clk *clock.Virtual, labStart, wallStart time.Time, bgpTransport string) func(time.Duration) {
	if bgpTransport != "tcp" {
		return func(d time.Duration) { clk.Advance(d) }
	}
	return func(d time.Duration) {
		clk.Advance(d)
		if ahead := clk.Now().Sub(labStart)/4 - time.Since(wallStart); ahead > 0 {
			time.Sleep(ahead)
		}
	}
}

// startClouds opens the clouds' OpenStack APIs on the store in stateDir
// and mounts them on srv, whose listener is at addr.
func startClouds(srv *api.Server, m *topology.Model, stateDir string, addr net.Addr, log *slog.Logger, onChange func(string), clk clock.Clock) (*cloudapi.Clouds, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clouds, err := cloudapi.Open(ctx, stateDir, m, "http://"+reachable(addr), cloudapi.Options{Logger: log, OnChange: onChange, Clock: clk})
	if err != nil {
		return nil, fmt.Errorf("cannot start the clouds' OpenStack APIs (state in %s): %v", stateDir, err)
	}
	if err := clouds.Mount(srv); err != nil {
		clouds.Close()
		return nil, err
	}
	srv.SetOpenStack(clouds.Describe())
	return clouds, nil
}

// WaitConverged waits for the lab to converge for at most timeout of
// wall time, whatever pace the lab's clock keeps (advance moves it).
func WaitConverged(l *lab.Lab, timeout time.Duration, advance func(time.Duration)) (lab.Counts, time.Duration, bool) {
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
