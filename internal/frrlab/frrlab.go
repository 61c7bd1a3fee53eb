// Package frrlab runs a topology on real FRR: one Linux network namespace
// per router, veth pairs named as the model names the interfaces, Debian's
// zebra, staticd, ospfd, ldpd and bgpd in each, loaded with a frr.conf per
// router (internal/export writes them). It waits for convergence by asking
// vtysh, fails links, reads the daemons' CPU time and peak memory, and
// removes every namespace, process and directory it made.
//
// It needs root. This kernel has no VRF devices, so a PE's VRF is FRR's
// other VRF backend: a network namespace (zebra -n) named after the VRF,
// visible only to that PE's daemons (a private mount of /run/netns). No
// MPLS forwarding either: labels are signalled but not installed.
package frrlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// Daemons are the FRR daemons every router runs, from /usr/lib/frr.
var Daemons = []string{"zebra", "staticd", "ospfd", "ldpd", "bgpd"}

// Missing says what is missing to run FRR here ("" when nothing is).
func Missing() string {
	if os.Geteuid() != 0 {
		return "needs root to make network namespaces"
	}
	for _, d := range Daemons {
		if _, err := os.Stat("/usr/lib/frr/" + d); err != nil {
			return fmt.Sprintf("no /usr/lib/frr/%s: apt-get install frr (8.4)", d)
		}
	}
	if _, err := exec.LookPath("vtysh"); err != nil {
		return "no vtysh: apt-get install frr"
	}
	return ""
}

// Config says what to run.
type Config struct {
	Model *topology.Model
	// Prefix starts the name of every namespace and directory the lab
	// makes: "PREFIX-NODE", "PREFIX-NODE-VRF".
	Prefix string
	// Runs says which nodes are routers (internal/export.Exported).
	Runs func(*topology.Node) bool
	// Conf is a router's frr.conf (internal/export.FRR).
	Conf func(node string) ([]byte, error)
	// Dir holds the daemons' logs; it must exist.
	Dir string
	// Parallel routers started at once (default 4).
	Parallel int
}

// Lab is a running FRR lab.
type Lab struct {
	cfg     Config
	m       *topology.Model
	routers map[string]bool
	needs   map[string]map[string]bool // the daemons each router's frr.conf needs
	netns   []string                   // made, to delete
	dirs    []string                   // made, to remove (directories and files)
	// Started is when the first router's daemons were started.
	Started time.Time
	// Launched is how long starting every router's daemons took.
	Launched time.Duration

	mu    sync.Mutex
	usage map[int]procUsage // last seen, by pid: kept after a daemon exits
}

// OSPFGRFile is where ospfd keeps graceful-restart state, one file
// whatever its -N: the lab removes it if it made it.
const OSPFGRFile = "/var/run/frr/ospfd-gr.json"

// Start builds the namespaces and links and starts every router's
// daemons. On error everything made so far is removed.
func Start(cfg Config) (l *Lab, err error) {
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	l = &Lab{cfg: cfg, m: cfg.Model, routers: map[string]bool{}, needs: map[string]map[string]bool{}, usage: map[int]procUsage{}}
	if _, err := os.Stat(OSPFGRFile); err != nil {
		l.dirs = append(l.dirs, OSPFGRFile)
	}
	defer func() {
		if err != nil {
			l.Close()
			l = nil
		}
	}()
	if err := l.build(); err != nil {
		return l, err
	}
	var nodes []*topology.Node
	for _, n := range l.m.Nodes {
		if l.routers[n.Name] {
			nodes = append(nodes, n)
		}
	}
	for _, n := range nodes {
		if err := l.prepare(n); err != nil {
			return l, err
		}
	}
	l.Started = time.Now()
	err = parallel(len(nodes), cfg.Parallel, func(i int) error { return l.start(nodes[i]) })
	l.Launched = time.Since(l.Started)
	return l, err
}

// parallel runs f(0..n-1) on at most k goroutines, returning the first error.
func parallel(n, k int, f func(int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan int)
	for range min(k, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// NS is the namespace of node's default VRF.
func (l *Lab) NS(node string) string { return l.cfg.Prefix + "-" + node }

// nsOf is the namespace an interface lives in: its VRF's on a PE.
func (l *Lab) nsOf(node string, ifc *topology.Interface) string {
	if ifc.VRF != "" {
		return l.NS(node) + "-" + ifc.VRF
	}
	return l.NS(node)
}

func run(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (l *Lab) addNetns(name string) error {
	if err := run("ip", "netns", "add", name); err != nil {
		return err
	}
	l.netns = append(l.netns, name)
	if err := run("ip", "-n", name, "link", "set", "lo", "up"); err != nil {
		return err
	}
	// A router forwards: a new namespace does not, and zebra leaves the
	// sysctl as it finds it (transit P routers carry the iBGP sessions
	// to route reflectors that are not next to the PEs).
	return run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv4.ip_forward=1")
}

// VRFs lists the VRF names configured on node (a PE's), in the model's order.
func VRFs(m *topology.Model, node string) []string {
	var out []string
	for _, v := range m.VPNs {
		for _, vr := range v.VRFs {
			if vr.PE == node {
				out = append(out, v.Name)
			}
		}
	}
	return out
}

func (l *Lab) iface(node string, id int) (*topology.Interface, error) {
	for _, i := range l.m.Node(node).Interfaces {
		if i.LinkID == id {
			return i, nil
		}
	}
	return nil, fmt.Errorf("%s has no interface on link %d", node, id)
}

func (l *Lab) build() error {
	m := l.m
	for _, n := range m.Nodes {
		if !l.cfg.Runs(n) {
			continue
		}
		l.routers[n.Name] = true
		if err := l.addNetns(l.NS(n.Name)); err != nil {
			return err
		}
		for _, v := range VRFs(m, n.Name) {
			if err := l.addNetns(l.NS(n.Name) + "-" + v); err != nil {
				return err
			}
		}
	}
	// Links between routers are veth pairs; a router's link to a cloud
	// or host (not a router) is a veth whose peer stays in the router's
	// namespace (this kernel has no dummy interfaces), up, with its address.
	type end struct {
		node string
		ifc  *topology.Interface
	}
	var ends []end
	for _, lk := range m.Links {
		a, b := l.routers[lk.A.Node], l.routers[lk.B.Node]
		var ia, ib *topology.Interface
		var err error
		if a {
			if ia, err = l.iface(lk.A.Node, lk.ID); err != nil {
				return err
			}
			ends = append(ends, end{lk.A.Node, ia})
		}
		if b {
			if ib, err = l.iface(lk.B.Node, lk.ID); err != nil {
				return err
			}
			ends = append(ends, end{lk.B.Node, ib})
		}
		switch {
		case a && b:
			err = run("ip", "link", "add", ia.Name, "netns", l.nsOf(lk.A.Node, ia), "type", "veth", "peer", "name", ib.Name, "netns", l.nsOf(lk.B.Node, ib))
		case a:
			err = stub(l.nsOf(lk.A.Node, ia), ia.Name)
		case b:
			err = stub(l.nsOf(lk.B.Node, ib), ib.Name)
		}
		if err != nil {
			return err
		}
	}
	for _, e := range ends {
		ns := l.nsOf(e.node, e.ifc)
		if e.ifc.VRF != "" {
			// zebra addresses the default VRF's interfaces from
			// frr.conf; a VRF namespace's are the operator's.
			if err := run("ip", "-n", ns, "addr", "add", e.ifc.Addr.String(), "dev", e.ifc.Name); err != nil {
				return err
			}
		}
		if err := run("ip", "-n", ns, "link", "set", e.ifc.Name, "up"); err != nil {
			return err
		}
	}
	return nil
}

// needs says which daemons a frr.conf needs, as an operator's
// /etc/frr/daemons would: a CE runs no ospfd or ldpd.
func needs(conf []byte) map[string]bool {
	has := func(s string) bool { return strings.Contains("\n"+string(conf), "\n"+s) }
	return map[string]bool{"zebra": true, "staticd": true, "ospfd": has("router ospf"), "ldpd": has("mpls ldp"), "bgpd": has("router bgp")}
}

// stub makes interface name in ns, up, with nothing at its far end.
func stub(ns, name string) error {
	far := "x" + name
	if err := run("ip", "-n", ns, "link", "add", name, "type", "veth", "peer", "name", far); err != nil {
		return err
	}
	return run("ip", "-n", ns, "link", "set", far, "up")
}

// prepare writes n's frr.conf into the directories its daemons use.
func (l *Lab) prepare(n *topology.Node) error {
	conf, err := l.cfg.Conf(n.Name)
	if err != nil {
		return err
	}
	name := l.NS(n.Name)
	etc, rundir := "/etc/frr/"+name, "/var/run/frr/"+name
	for _, d := range []string{etc, rundir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		l.dirs = append(l.dirs, d)
		// The daemons run as Debian's frr user, as its packaging does.
		if u, err := user.Lookup("frr"); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			if err := os.Chown(d, uid, gid); err != nil {
				return err
			}
		}
	}
	l.needs[n.Name] = needs(conf)
	if err := os.WriteFile(filepath.Join(etc, "frr.conf"), conf, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(etc, "vtysh.conf"), []byte("service integrated-vtysh-config\n"), 0o644)
}

// start runs n's daemons in its namespace, in a mount namespace of their
// own where /run/netns holds only n's VRFs, and loads its frr.conf.
func (l *Lab) start(n *topology.Node) error {
	name := l.NS(n.Name)
	vrfdir := filepath.Join(l.cfg.Dir, n.Name+"-netns")
	script := []string{"set -e", "mkdir -p " + vrfdir}
	for _, v := range VRFs(l.m, n.Name) {
		f := filepath.Join(vrfdir, v)
		script = append(script, "touch "+f, "mount --bind /run/netns/"+name+"-"+v+" "+f)
	}
	script = append(script, "mount --rbind "+vrfdir+" /run/netns")
	for _, d := range Daemons {
		if !l.needs[n.Name][d] {
			continue
		}
		args := "-d -N " + name + " --log file:" + filepath.Join(l.cfg.Dir, n.Name+"-"+d+".log")
		if d == "zebra" {
			args += " -n" // VRFs are network namespaces
		}
		script = append(script, "/usr/lib/frr/"+d+" "+args)
	}
	script = append(script, "vtysh -N "+name+" -b")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "exec", name, "unshare", "-m", "--propagation", "private", "sh", "-c", strings.Join(script, "\n")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("starting FRR for %s: %v\n%s", n.Name, err, out)
	}
	return nil
}

// Close kills every process in the lab's namespaces and removes the
// namespaces and directories it made. It may be called more than once.
func (l *Lab) Close() {
	killIn(l.netns, l.note)
	for _, ns := range l.netns {
		_ = exec.Command("ip", "netns", "del", ns).Run()
	}
	l.netns = nil
	for _, d := range l.dirs {
		_ = os.RemoveAll(d)
	}
	l.dirs = nil
}

// Sweep removes what an earlier lab with this prefix left behind (a
// process killed before it could clean up): its namespaces, their
// processes, its directories. Give it a prefix only one lab at a time uses.
func Sweep(prefix string) {
	if prefix == "" {
		return
	}
	ents, _ := os.ReadDir("/run/netns")
	var stale []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix+"-") {
			stale = append(stale, e.Name())
		}
	}
	killIn(stale, nil)
	for _, ns := range stale {
		_ = exec.Command("ip", "netns", "del", ns).Run()
	}
	for _, pat := range []string{"/etc/frr/" + prefix + "-*", "/var/run/frr/" + prefix + "-*"} {
		ds, _ := filepath.Glob(pat)
		for _, d := range ds {
			_ = os.RemoveAll(d)
		}
	}
}

// nsInode is the inode that identifies a named namespace.
func nsInode(name string) (uint64, bool) {
	var st syscall.Stat_t
	if err := syscall.Stat("/run/netns/"+name, &st); err != nil {
		return 0, false
	}
	return st.Ino, true
}

// pidsIn lists the processes whose network namespace is one of names.
func pidsIn(names []string) []int {
	want := map[string]bool{}
	for _, n := range names {
		if ino, ok := nsInode(n); ok {
			want["net:["+strconv.FormatUint(ino, 10)+"]"] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		link, err := os.Readlink("/proc/" + e.Name() + "/ns/net")
		if err == nil && want[link] {
			out = append(out, pid)
		}
	}
	return out
}

// killIn kills every process in the namespaces, telling note each one's
// usage first, and waits (bounded) until they are gone.
func killIn(names []string, note func(pid int, u procUsage)) {
	pids := pidsIn(names)
	for _, pid := range pids {
		if note != nil {
			if u, ok := readUsage(pid); ok {
				note(pid, u)
			}
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, pid := range pids {
		waitGone(pid)
	}
}

// waitGone waits (bounded) until pid has exited.
func waitGone(pid int) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		// Gone, or a zombie nobody reaps (a daemon's parent is init).
		if _, after, ok := strings.Cut(string(stat), ") "); err != nil || !ok || strings.HasPrefix(after, "Z") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Vtysh runs a show command on node's FRR and decodes its JSON; nil when
// the daemons do not answer (yet).
func (l *Lab) Vtysh(node, cmd string) map[string]any {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	args := []string{"-N", l.NS(node), "-c", cmd}
	if d := daemonOf(cmd); d != "" {
		// Asking one daemon, not all, answers in a fraction of the time.
		args = append([]string{"-d", d}, args...)
	}
	out, err := exec.CommandContext(ctx, "vtysh", args...).Output()
	if err != nil {
		return nil
	}
	var v map[string]any
	if json.Unmarshal(out, &v) != nil {
		return nil
	}
	return v
}

// daemonOf names the daemon that answers a show command ("" for all).
func daemonOf(cmd string) string {
	for _, p := range []struct{ prefix, daemon string }{
		{"show ip ospf", "ospfd"}, {"show mpls ldp", "ldpd"}, {"show bgp", "bgpd"}, {"show ip route", "zebra"},
	} {
		if strings.HasPrefix(cmd, p.prefix) {
			return p.daemon
		}
	}
	return ""
}

// WaitFor polls cond until it holds or ctx ends, and says how long it took.
func WaitFor(ctx context.Context, what string, cond func() (bool, string)) (time.Duration, error) {
	start := time.Now()
	for {
		ok, why := cond()
		if ok {
			return time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			return time.Since(start), fmt.Errorf("no %s after %v: %s", what, time.Since(start).Round(time.Millisecond), why)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// SetLinkUp sets both ends of a link between routers administratively
// down (or up): each end loses carrier, as when a fibre is cut.
func (l *Lab) SetLinkUp(linkID int, up bool) error {
	if linkID < 0 || linkID >= len(l.m.Links) {
		return fmt.Errorf("no link %d", linkID)
	}
	lk := l.m.Links[linkID]
	if !l.routers[lk.A.Node] || !l.routers[lk.B.Node] {
		return fmt.Errorf("link %d (%s-%s) is not between two routers of the lab", linkID, lk.A.Node, lk.B.Node)
	}
	state := "down"
	if up {
		state = "up"
	}
	for _, e := range []string{lk.A.Node, lk.B.Node} {
		ifc, err := l.iface(e, linkID)
		if err != nil {
			return err
		}
		if err := run("ip", "-n", l.nsOf(e, ifc), "link", "set", ifc.Name, state); err != nil {
			return err
		}
	}
	return nil
}

// errNoRouters is returned by Usage for a lab whose daemons are gone.
var errNoRouters = errors.New("no FRR process in the lab's namespaces")
