package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/examples"
	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// The exported frr.conf files run on real FRR, for the seed lab with LDP
// and with segment routing: one network namespace per router, veth pairs named as the model names the
// interfaces, zebra, staticd, ospfd, ldpd and bgpd of Debian's FRR 8.4
// loaded with the files as exported (vtysh -b). OSPF reaches Full on every
// core link, LDP sessions come up, every BGP session the lab starts is
// Established, and the PEs' VPNv4 tables hold the same (RD, prefix) routes
// as the lab's PEs hold.
//
// This kernel has no VRF devices, so a PE's VRF is FRR's other VRF
// backend: a network namespace (zebra -n) named after the VRF, visible
// only to that PE's daemons (a private mount of /run/netns), holding the
// VRF's interfaces. That is the one thing the test does that the file does
// not: the file's header says how to make a Linux VRF device instead. No
// MPLS forwarding either: labels are allocated and signalled (LDP, VPN
// labels) but not installed; the test checks the control plane.
//
// It takes about a minute (half for each label mode), mostly waiting on
// FRR's timers; it runs wherever it can (root, FRR installed, as in CI)
// unless INTERCLOUD_FRR_EXPORT=0.
func TestExportedFRRConfigsConvergeLikeTheLab(t *testing.T) {
	if os.Getenv("INTERCLOUD_FRR_EXPORT") == "0" {
		t.Skip("INTERCLOUD_FRR_EXPORT=0: not running the exported frr.conf files on FRR")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to make network namespaces: run as root to prove the exported frr.conf files on FRR")
	}
	for _, d := range []string{"zebra", "staticd", "ospfd", "ldpd", "bgpd"} {
		if _, err := os.Stat("/usr/lib/frr/" + d); err != nil {
			t.Skipf("no /usr/lib/frr/%s: apt-get install frr (8.4) to prove the exported configurations", d)
		}
	}
	if _, err := exec.LookPath("vtysh"); err != nil {
		t.Skip("no vtysh: apt-get install frr")
	}
	for _, mode := range []string{"ldp", "sr"} {
		t.Run(mode, func(t *testing.T) {
			y := bytes.Replace(examples.Seed, []byte("label_mode: ldp"), []byte("label_mode: "+mode), 1)
			res, err := topology.Load("seed.yaml", y)
			if err != nil {
				t.Fatal(err)
			}
			proveOnFRR(t, res.Model, fmt.Sprintf("icx%d%c", os.Getpid()%100000, mode[0]))
		})
	}
}

// proveOnFRR runs m's exported configurations on FRR and checks they
// converge as the lab does.
func proveOnFRR(t *testing.T, m *topology.Model, prefix string) {
	want, wantVRF := labVPNRoutes(t, m)

	h := &frrHarness{t: t, m: m, prefix: prefix}
	// ospfd keeps graceful-restart state in one file whatever its -N.
	if _, err := os.Stat(ospfGRFile); err != nil {
		h.dirs = append(h.dirs, ospfGRFile)
	}
	t.Cleanup(h.cleanup)
	h.build()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h.waitFor(ctx, "OSPF Full on every core link", h.ospfFull)
	if m.LabelMode == topology.LabelSR {
		h.waitFor(ctx, "every core router to know every core router's node SID", h.srNodes)
	} else {
		h.waitFor(ctx, "LDP sessions operational on every core link", h.ldpUp)
	}
	h.waitFor(ctx, "every BGP session the lab starts Established", h.bgpEstablished)
	var got map[string][]string
	h.waitFor(ctx, "the PEs' VPNv4 tables to hold the lab's routes", func() (bool, string) {
		got = h.vpnRoutes()
		for pe, routes := range want {
			if !slices.Equal(got[pe], routes) {
				return false, fmt.Sprintf("%s has %v, the lab has %v", pe, got[pe], routes)
			}
		}
		return true, ""
	})
	for pe, routes := range got {
		t.Logf("%s: %d VPNv4 routes as the lab: %v", pe, len(routes), routes)
	}
	// import vpn brings the remote sites' routes into the VRFs (FRR
	// holds them without a valid next hop: no MPLS labels in this kernel).
	h.waitFor(ctx, "the PEs' VRFs to hold the lab's VRF routes", func() (bool, string) {
		for key, prefixes := range wantVRF {
			pe, vrf, _ := strings.Cut(key, " ")
			v := h.vtysh(pe, "show bgp vrf "+vrf+" ipv4 unicast json")
			routes, _ := v["routes"].(map[string]any)
			var have []string
			for p := range routes {
				have = append(have, p)
			}
			slices.Sort(have)
			if !slices.Equal(have, prefixes) {
				return false, fmt.Sprintf("%s vrf %s has %v, the lab has %v", pe, vrf, have, prefixes)
			}
		}
		return true, ""
	})
}

// labVPNRoutes runs m in-process on the virtual clock and returns each
// PE's VPNv4 routes as "RD prefix", sorted, and the prefixes in each VRF
// (keyed "PE VRF"). The floating-ip clouds'
// prefixes are on their uplinks, as the exported CEs route them.
func labVPNRoutes(t *testing.T, m *topology.Model) (map[string][]string, map[string][]string) {
	t.Helper()
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l, err := lab.New(m, lab.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Start()
	if c, took, ok := l.WaitReady(10*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		t.Fatalf("lab not ready after %v: %+v", took, c)
	}
	for _, c := range m.Clouds {
		if c.Joins(topology.JoinFloatingIP) {
			if err := l.ApplyCloud(c.Name, lab.CloudConfig{Uplink: []netip.Prefix{c.Prefix}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	out := map[string][]string{}
	read := func() {
		for _, n := range m.Nodes {
			if n.Role != topology.RolePE {
				continue
			}
			data, _, err := l.Show(n.Name, "bgp vpnv4", "")
			if err != nil {
				t.Fatal(err)
			}
			var rs []string
			for _, r := range data.([]bgp.RouteView) {
				rs = append(rs, r.RD+" "+r.Prefix)
			}
			slices.Sort(rs)
			out[n.Name] = slices.Compact(rs)
		}
	}
	// Let the clouds' prefixes reach the far PEs: bounded lab time.
	for i := 0; i < 500; i++ {
		clk.Advance(10 * time.Millisecond)
		read()
		if hasAll(out, m) {
			break
		}
	}
	if !hasAll(out, m) {
		t.Fatalf("the lab's PEs never learnt the floating-ip clouds' prefixes: %v", out)
	}
	vrfs := map[string][]string{}
	for _, n := range m.Nodes {
		for _, v := range vrfsOf(m, n.Name) {
			data, _, err := l.Show(n.Name, "bgp ipv4 unicast", v.name)
			if err != nil {
				t.Fatal(err)
			}
			var ps []string
			for _, r := range data.([]bgp.RouteView) {
				ps = append(ps, r.Prefix)
			}
			slices.Sort(ps)
			vrfs[n.Name+" "+v.name] = slices.Compact(ps)
		}
	}
	return out, vrfs
}

func hasAll(out map[string][]string, m *topology.Model) bool {
	for _, c := range m.Clouds {
		if !c.Joins(topology.JoinFloatingIP) {
			continue
		}
		for _, rs := range out {
			if !slices.ContainsFunc(rs, func(r string) bool { return strings.HasSuffix(r, " "+c.Prefix.String()) }) {
				return false
			}
		}
	}
	return true
}

const ospfGRFile = "/var/run/frr/ospfd-gr.json"

// frrHarness runs one FRR per exported router in its own namespace.
type frrHarness struct {
	t      *testing.T
	m      *topology.Model
	prefix string
	netns  []string // made, to delete
	dirs   []string // made, to remove (directories and files)
	pids   []string // pid-file directories of started daemons
}

func (h *frrHarness) ns(node string) string { return h.prefix + "-" + node }

// nsOf is the namespace an interface lives in: its VRF's on a PE.
func (h *frrHarness) nsOf(node string, ifc *topology.Interface) string {
	if ifc.VRF != "" {
		return h.ns(node) + "-" + ifc.VRF
	}
	return h.ns(node)
}

func (h *frrHarness) run(args ...string) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		h.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (h *frrHarness) addNetns(name string) {
	h.run("ip", "netns", "add", name)
	h.netns = append(h.netns, name)
	h.run("ip", "-n", name, "link", "set", "lo", "up")
}

func (h *frrHarness) build() {
	t, m := h.t, h.m
	routers := map[string]bool{}
	for _, n := range m.Nodes {
		if !Exported(n) {
			continue
		}
		routers[n.Name] = true
		h.addNetns(h.ns(n.Name))
		for _, v := range vrfsOf(m, n.Name) {
			h.addNetns(h.ns(n.Name) + "-" + v.name)
		}
	}
	iface := func(node string, id int) *topology.Interface {
		for _, i := range m.Node(node).Interfaces {
			if i.LinkID == id {
				return i
			}
		}
		t.Fatalf("%s has no interface on link %d", node, id)
		return nil
	}
	// Links between exported routers are veth pairs; a router's link to a
	// cloud (not a router) is a veth whose peer stays in the router's
	// namespace (this kernel has no dummy interfaces), up, with its address.
	var ends []struct {
		node string
		ifc  *topology.Interface
	}
	for _, l := range m.Links {
		a, b := routers[l.A.Node], routers[l.B.Node]
		ia, ib := (*topology.Interface)(nil), (*topology.Interface)(nil)
		if a {
			ia = iface(l.A.Node, l.ID)
			ends = append(ends, struct {
				node string
				ifc  *topology.Interface
			}{l.A.Node, ia})
		}
		if b {
			ib = iface(l.B.Node, l.ID)
			ends = append(ends, struct {
				node string
				ifc  *topology.Interface
			}{l.B.Node, ib})
		}
		switch {
		case a && b:
			h.run("ip", "link", "add", ia.Name, "netns", h.nsOf(l.A.Node, ia), "type", "veth", "peer", "name", ib.Name, "netns", h.nsOf(l.B.Node, ib))
		case a:
			h.stub(h.nsOf(l.A.Node, ia), ia.Name)
		case b:
			h.stub(h.nsOf(l.B.Node, ib), ib.Name)
		}
	}
	for _, e := range ends {
		ns := h.nsOf(e.node, e.ifc)
		if e.ifc.VRF != "" {
			// zebra addresses the default VRF's interfaces from
			// frr.conf; a VRF namespace's are the operator's.
			h.run("ip", "-n", ns, "addr", "add", e.ifc.Addr.String(), "dev", e.ifc.Name)
		}
		h.run("ip", "-n", ns, "link", "set", e.ifc.Name, "up")
	}

	dir := t.TempDir()
	for _, n := range m.Nodes {
		if routers[n.Name] {
			h.start(n, dir)
		}
	}
}

// start runs n's daemons in its namespace, in a mount namespace of their
// own where /run/netns holds only n's VRFs, and loads its frr.conf.
func (h *frrHarness) start(n *topology.Node, dir string) {
	t := h.t
	conf, err := FRR(h.m, n.Name)
	if err != nil {
		t.Fatal(err)
	}
	name := h.ns(n.Name)
	etc, run := "/etc/frr/"+name, "/var/run/frr/"+name
	for _, d := range []string{etc, run} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		h.dirs = append(h.dirs, d)
		// The daemons run as Debian's frr user, as its packaging does.
		if u, err := user.Lookup("frr"); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			if err := os.Chown(d, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.pids = append(h.pids, run)
	if err := os.WriteFile(filepath.Join(etc, "frr.conf"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "vtysh.conf"), []byte("service integrated-vtysh-config\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vrfdir := filepath.Join(dir, n.Name+"-netns")
	script := []string{"set -e", "mkdir -p " + vrfdir}
	for _, v := range vrfsOf(h.m, n.Name) {
		f := filepath.Join(vrfdir, v.name)
		script = append(script, "touch "+f, "mount --bind /run/netns/"+name+"-"+v.name+" "+f)
	}
	script = append(script, "mount --rbind "+vrfdir+" /run/netns")
	for _, d := range []string{"zebra", "staticd", "ospfd", "ldpd", "bgpd"} {
		args := "-d -N " + name + " --log file:" + filepath.Join(dir, n.Name+"-"+d+".log")
		if d == "zebra" {
			args += " -n" // VRFs are network namespaces
		}
		script = append(script, "/usr/lib/frr/"+d+" "+args)
	}
	script = append(script, "vtysh -N "+name+" -b")
	out, err := exec.Command("ip", "netns", "exec", name, "unshare", "-m", "--propagation", "private", "sh", "-c", strings.Join(script, "\n")).CombinedOutput()
	if err != nil {
		t.Fatalf("starting FRR for %s: %v\n%s", n.Name, err, out)
	}
}

// stub makes interface name in ns, up, with nothing at its far end.
func (h *frrHarness) stub(ns, name string) {
	far := "x" + name
	h.run("ip", "-n", ns, "link", "add", name, "type", "veth", "peer", "name", far)
	h.run("ip", "-n", ns, "link", "set", far, "up")
}

func (h *frrHarness) cleanup() {
	for _, run := range h.pids {
		files, _ := filepath.Glob(filepath.Join(run, "*.pid"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || pid <= 1 {
				continue
			}
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Signal(os.Kill)
				waitGone(pid)
			}
		}
	}
	for _, ns := range h.netns {
		_ = exec.Command("ip", "netns", "del", ns).Run()
	}
	for _, d := range h.dirs {
		_ = os.RemoveAll(d)
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

// vtysh runs a show command on node's FRR and decodes its JSON.
func (h *frrHarness) vtysh(node, cmd string) map[string]any {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "vtysh", "-N", h.ns(node), "-c", cmd).Output()
	if err != nil {
		return nil
	}
	var v map[string]any
	if json.Unmarshal(out, &v) != nil {
		return nil
	}
	return v
}

// waitFor polls cond until it holds or ctx ends.
func (h *frrHarness) waitFor(ctx context.Context, what string, cond func() (bool, string)) {
	h.t.Helper()
	start := time.Now()
	for {
		ok, why := cond()
		if ok {
			h.t.Logf("%s after %v", what, time.Since(start).Round(time.Millisecond))
			return
		}
		select {
		case <-ctx.Done():
			h.t.Fatalf("no %s after %v: %s", what, time.Since(start).Round(time.Millisecond), why)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// coreLinks counts each core router's IGP links to other exported routers.
func (h *frrHarness) coreLinks() map[string]int {
	out := map[string]int{}
	for _, l := range h.m.Links {
		if l.Core && !l.InterAS {
			out[l.A.Node]++
			out[l.B.Node]++
		}
	}
	return out
}

func (h *frrHarness) ospfFull() (bool, string) {
	for node, want := range h.coreLinks() {
		v := h.vtysh(node, "show ip ospf neighbor json")
		full := 0
		nbrs, _ := v["neighbors"].(map[string]any)
		for _, list := range nbrs {
			for _, e := range asList(list) {
				if s, _ := e["nbrState"].(string); strings.HasPrefix(s, "Full") {
					full++
				}
			}
		}
		if full != want {
			return false, fmt.Sprintf("%s has %d Full neighbours, want %d", node, full, want)
		}
	}
	return true, ""
}

func (h *frrHarness) ldpUp() (bool, string) {
	// One LDP session per pair of neighbours, however many links.
	peers := map[string]map[string]bool{}
	for _, l := range h.m.Links {
		if !l.Core || l.InterAS || h.m.Node(l.A.Node).LabelMode != topology.LabelLDP || h.m.Node(l.B.Node).LabelMode != topology.LabelLDP {
			continue
		}
		for _, p := range [][2]string{{l.A.Node, l.B.Node}, {l.B.Node, l.A.Node}} {
			if peers[p[0]] == nil {
				peers[p[0]] = map[string]bool{}
			}
			peers[p[0]][p[1]] = true
		}
	}
	for node, ps := range peers {
		v := h.vtysh(node, "show mpls ldp neighbor json")
		up := 0
		for _, e := range asList(v["neighbors"]) {
			if s, _ := e["state"].(string); s == "OPERATIONAL" {
				up++
			}
		}
		if up != len(ps) {
			return false, fmt.Sprintf("%s has %d operational LDP neighbours, want %d", node, up, len(ps))
		}
	}
	return true, ""
}

// srNodes checks each core router's OSPF SR database holds every core
// router (itself included) with the node SID index the model gives it.
func (h *frrHarness) srNodes() (bool, string) {
	want := map[string]int{}
	for _, n := range h.m.Nodes {
		if n.Role.IsCore() && n.SRIndex >= 0 {
			want[n.Loopback.String()] = n.SRIndex
		}
	}
	for _, n := range h.m.Nodes {
		if !n.Role.IsCore() {
			continue
		}
		v := h.vtysh(n.Name, "show ip ospf database segment-routing json")
		have := map[string]int{}
		for _, node := range asList(v["srNodes"]) {
			for _, p := range asList(node["extendedPrefix"]) {
				pre, _ := p["prefix"].(string)
				sid, _ := p["sid"].(float64)
				have[pre] = int(sid)
			}
		}
		if !maps.Equal(have, want) {
			b, _ := json.Marshal(v)
			return false, fmt.Sprintf("%s's SR database has node SIDs %v, want %v (%s)", n.Name, have, want, b)
		}
	}
	return true, ""
}

func (h *frrHarness) bgpEstablished() (bool, string) {
	for _, s := range h.m.Sessions {
		if s.OnDemand() {
			continue
		}
		for _, end := range []struct {
			node, vrf string
			peer      netip.Addr
		}{{s.A, s.VRF, s.BAddr}, {s.B, "", s.AAddr}} {
			if n := h.m.Node(end.node); n == nil || !Exported(n) {
				continue
			}
			cmd := "show bgp neighbors " + end.peer.String() + " json"
			if end.vrf != "" {
				cmd = "show bgp vrf " + end.vrf + " neighbors " + end.peer.String() + " json"
			}
			v := h.vtysh(end.node, cmd)
			nb, _ := v[end.peer.String()].(map[string]any)
			if st, _ := nb["bgpState"].(string); st != "Established" {
				return false, fmt.Sprintf("%s's session with %s (%s) is %q", end.node, end.peer, s.Kind, st)
			}
		}
	}
	return true, ""
}

// vpnRoutes reads each PE's VPNv4 table as "RD prefix", sorted.
func (h *frrHarness) vpnRoutes() map[string][]string {
	out := map[string][]string{}
	for _, n := range h.m.Nodes {
		if n.Role != topology.RolePE {
			continue
		}
		v := h.vtysh(n.Name, "show bgp ipv4 vpn json")
		routes, _ := v["routes"].(map[string]any)
		rds, _ := routes["routeDistinguishers"].(map[string]any)
		var rs []string
		for rd, prefixes := range rds {
			ps, _ := prefixes.(map[string]any)
			for p := range ps {
				rs = append(rs, rd+" "+p)
			}
		}
		slices.Sort(rs)
		out[n.Name] = rs
	}
	return out
}

func asList(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case map[string]any:
		out = append(out, x)
	}
	return out
}
