package bgp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The ExaBGP interop test runs Debian's ExaBGP 4 (package exabgp) on
// loopback and exchanges VPNv4 routes with it over real TCP: over iBGP
// with ExaBGP connecting to our listener, and over eBGP with us
// connecting to ExaBGP's. ExaBGP's API process
// is a two-line shell script: commands the test writes to a FIFO reach
// ExaBGP, and the updates ExaBGP receives, as JSON, go to a file the test
// reads.

const exabgpAddr = "127.0.0.2"

// exabgpBinary finds exabgp, installing the Debian package when it is
// missing and the test runs as root; it skips the test when neither works.
func exabgpBinary(t testing.TB) string {
	t.Helper()
	find := func() string {
		for _, p := range []string{"/usr/sbin/exabgp", "/usr/bin/exabgp"} {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		return ""
	}
	if bin := find(); bin != "" {
		return bin
	}
	if os.Getuid() != 0 {
		t.Skip("exabgp not installed (Debian package exabgp) and not root to install it: skipping interop test")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("exabgp not installed (Debian package exabgp) and no apt-get: skipping interop test")
	}
	apt := func(args ...string) ([]byte, error) {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.CombinedOutput()
	}
	install := []string{"install", "-y", "--no-install-recommends", "exabgp"}
	if _, err := apt(install...); err != nil {
		// Perhaps only the package lists are missing.
		apt("update")
		if out, err := apt(install...); err != nil {
			t.Skipf("exabgp not installed and apt-get install exabgp failed (%v): skipping interop test\n%s", err, lastLines(string(out), 10))
		}
	}
	bin := find()
	if bin == "" {
		t.Skip("exabgp still missing after apt-get install exabgp: skipping interop test")
	}
	return bin
}

type exabgp struct {
	t    testing.TB
	port int // where a passive ExaBGP listens
	cmds *os.File
	recv string
	log  *bytes.Buffer // read only once exited is closed
	// exited is closed when the exabgp process has ended.
	exited <-chan struct{}
}

// alive fails the test if exabgp has exited (say, on a configuration it
// refuses); its log then shows why.
func (e *exabgp) alive() bool {
	select {
	case <-e.exited:
		e.t.Fatal("exabgp exited")
	default:
	}
	return true
}

// exaOptions describe one ExaBGP neighbour: the intercloud speaker.
type exaOptions struct {
	localAS, peerAS uint32
	// connectPort, when set, is our listener ExaBGP connects to; else
	// ExaBGP is passive and listens on exabgp.port.
	connectPort uint16
	// static is the neighbour's static routes, one "route ...;" a line.
	static []string
	// noASN4 makes ExaBGP an OLD speaker (RFC 6793): no 4-octet AS
	// capability, 2-octet AS_PATHs with AS4_PATH.
	noASN4 bool
}

func startExaBGP(t testing.TB, o exaOptions) *exabgp {
	t.Helper()
	bin := exabgpBinary(t)
	dir := t.TempDir()
	e := &exabgp{t: t, recv: filepath.Join(dir, "recv.jsonl"), log: &bytes.Buffer{}}
	fifo := filepath.Join(dir, "cmd.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Read-write, so that opening never blocks and the reader sees EOF
	// only when the test closes it.
	cmds, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.cmds = cmds
	if err := os.WriteFile(e.recv, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "api.sh")
	if err := os.WriteFile(script, fmt.Appendf(nil, "#!/bin/sh\ncat <'%s' &\nexec cat >>'%s'\n", fifo, e.recv), 0o755); err != nil {
		t.Fatal(err)
	}
	session := fmt.Sprintf("connect %d;", o.connectPort)
	if o.noASN4 {
		session += "\n\tcapability {\n\t\tasn4 disable;\n\t}"
	}
	if o.connectPort == 0 {
		e.port = freePort(t, exabgpAddr)
		session = fmt.Sprintf("passive;\n\tlisten %d;", e.port) + strings.TrimPrefix(session, fmt.Sprintf("connect %d;", o.connectPort))
	}
	conf := fmt.Sprintf(`process intercloud {
	run %s;
	encoder json;
}

neighbor 127.0.0.1 {
	router-id 10.255.0.2;
	local-address %s;
	local-as %d;
	peer-as %d;
	hold-time 9;
	%s
	family {
		ipv4 mpls-vpn;
	}
	api {
		processes [ intercloud ];
		neighbor-changes;
		receive {
			parsed;
			update;
		}
	}
	static {
		%s
	}
}
`, script, exabgpAddr, o.localAS, o.peerAS, session, strings.Join(o.static, "\n\t\t"))
	path := filepath.Join(dir, "exabgp.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	// --env /dev/null: defaults, not /etc/exabgp/exabgp.env, under the
	// settings below (environment variables win over the file).
	cmd := exec.Command(bin, "--env", "/dev/null", path)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"exabgp.daemon.user=root", // as root it would otherwise switch to user exabgp
		"exabgp.daemon.daemonize=false",
		"exabgp.daemon.pid=",
		"exabgp.api.cli=false", // no named pipes for exabgpcli
		"exabgp.api.ack=false", // no "done" into the JSON after each command
		"exabgp.api.respawn=false",
		"exabgp.tcp.bind=", // no listener on port 179
		"exabgp.log.destination=stdout",
		"exabgp.log.level=DEBUG",
		"exabgp.log.packets=true", // the log is shown only when the test fails
	)
	cmd.Stdout, cmd.Stderr = e.log, e.log
	// The API process inherits ExaBGP's stderr; do not wait for it long.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start exabgp: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	e.exited = exited
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmds.Close() // the API process's reader sees EOF and exits
		<-exited
		if t.Failed() {
			t.Logf("exabgp log:\n%s", lastLines(e.log.String(), 80))
			b, _ := os.ReadFile(e.recv)
			t.Logf("exabgp API output:\n%s", b)
		}
	})
	return e
}

func (e *exabgp) command(c string) {
	e.t.Helper()
	if _, err := e.cmds.WriteString(c + "\n"); err != nil {
		e.t.Fatal(err)
	}
}

// exaMessage is the part of ExaBGP's JSON (one object a line) the test
// reads: session state changes and received UPDATEs.
type exaMessage struct {
	Type     string `json:"type"`
	Neighbor struct {
		State   string `json:"state"`
		Message struct {
			Update *struct {
				Attribute exaAttrs `json:"attribute"`
				// family -> next hop -> NLRIs
				Announce map[string]map[string][]exaNLRI `json:"announce"`
				// family -> NLRIs
				Withdraw map[string][]exaNLRI `json:"withdraw"`
			} `json:"update"`
		} `json:"message"`
	} `json:"neighbor"`
}

type exaAttrs struct {
	ASPath            []uint32 `json:"as-path"`
	LocalPref         *uint32  `json:"local-preference"`
	ExtendedCommunity []struct {
		String string `json:"string"`
	} `json:"extended-community"`
}

type exaNLRI struct {
	NLRI  string     `json:"nlri"`
	RD    string     `json:"rd"`
	Label [][]uint32 `json:"label"`
}

// exaRoute is a VPNv4 route as ExaBGP received it.
type exaRoute struct {
	nextHop string
	labels  [][]uint32
	attrs   exaAttrs
}

func (r exaRoute) rts() []string {
	var out []string
	for _, c := range r.attrs.ExtendedCommunity {
		out = append(out, c.String)
	}
	return out
}

// received replays ExaBGP's API output: the VPNv4 routes it holds from
// us, keyed "RD:prefix", and the session states it reported.
func (e *exabgp) received() (map[string]exaRoute, []string) {
	e.t.Helper()
	b, err := os.ReadFile(e.recv)
	if err != nil {
		e.t.Fatal(err)
	}
	rib := map[string]exaRoute{}
	var states []string
	// Only whole lines: the API process may be half-way through one.
	for len(b) > 0 {
		line, rest, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			break
		}
		b = rest
		var m exaMessage
		if err := json.Unmarshal(line, &m); err != nil {
			e.t.Fatalf("exabgp API output: %v: %s", err, line)
		}
		switch m.Type {
		case "state":
			states = append(states, m.Neighbor.State)
		case "update":
			u := m.Neighbor.Message.Update
			if u == nil {
				continue // End-of-RIB
			}
			for _, n := range u.Withdraw["ipv4 mpls-vpn"] {
				delete(rib, n.RD+":"+n.NLRI)
			}
			for nh, ns := range u.Announce["ipv4 mpls-vpn"] {
				for _, n := range ns {
					rib[n.RD+":"+n.NLRI] = exaRoute{nextHop: nh, labels: n.Label, attrs: u.Attribute}
				}
			}
		}
	}
	return rib, states
}

func TestInteropExaBGP(t *testing.T) {
	for _, c := range []struct {
		name        string
		ebgp        bool
		exaConnects bool
	}{
		{"ibgp/exabgp-connects", false, true},
		{"ebgp/we-connect", true, false},
	} {
		t.Run(c.name, func(t *testing.T) { testInteropExaBGP(t, c.ebgp, c.exaConnects) })
	}
}

func testInteropExaBGP(t *testing.T, ebgp, exaConnects bool) {
	const ourAS = 65000
	exaAS := uint32(ourAS)
	if ebgp {
		exaAS = 65001
	}
	s, err := New(Config{
		ASN: ourAS, RouterID: addr("10.255.0.1"), Families: []Family{VPNv4},
		ListenAddr: netip.MustParseAddrPort("127.0.0.1:0"), HoldTime: 9 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// ExaBGP's routes to us, from its configuration. (ExaBGP 4.2 writes
	// target:A.B.C.D:N with the two-octet-AS type, 0x0002, so the
	// IPv4-address route target is given raw: type 0x0102, 10.255.0.2:300.)
	pathB := "[ 64512 ]"
	if ebgp {
		pathB = "[ 65001 64512 ]" // ExaBGP sends an explicit AS_PATH as written
	}
	o := exaOptions{localAS: exaAS, peerAS: ourAS, static: []string{
		"route 172.16.5.0/24 rd 65001:2 label 2002 next-hop 127.0.0.2 extended-community [ target:65001:200 target:65001:201 ];",
		"route 172.16.6.0/25 rd 10.255.0.2:7 label 2003 next-hop 10.255.0.2 extended-community [ 0x01020aff0002012c ] as-path " + pathB + ";",
		"route 172.16.7.0/24 rd 4200000001:9 label 2004 next-hop 127.0.0.2 extended-community [ target:4200000001:5 ];",
	}}
	if exaConnects {
		o.connectPort = s.ListenAddr().Port()
	}
	e := startExaBGP(t, o)
	pc := PeerConfig{Addr: addr(exabgpAddr), ASN: exaAS, LocalAddr: addr("127.0.0.1"), Passive: exaConnects}
	if !exaConnects {
		pc.Port = uint16(e.port)
	}
	if err := s.AddPeer(pc); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "session with exabgp", func() bool {
		return e.alive() && s.PeerState(addr(exabgpAddr)) == Established
	})

	// intercloud -> ExaBGP: one route per RD type, route targets of each
	// type, the largest label.
	type ours struct {
		key   RouteKey
		label uint32
		rts   []string
		exa   []string // the route targets as ExaBGP writes them
	}
	out := []ours{
		{vpnKey(t, "65000:1", "192.168.1.0/24"), 1001, []string{"65000:100"}, []string{"target:65000:100"}},
		{vpnKey(t, "10.255.0.1:5", "10.20.0.0/16"), 1002, []string{"10.255.0.1:7", "65000:101"}, []string{"target:10.255.0.1:7", "target:65000:101"}},
		{vpnKey(t, "4200000000:3", "10.30.1.0/24"), 1<<20 - 1, []string{"4200000000:4"}, []string{"target:4200000000L:4"}},
	}
	for _, r := range out {
		var ecs []ExtCommunity
		for _, x := range r.rts {
			ecs = append(ecs, rt(t, x))
		}
		if err := s.Originate(VPNv4, r.key, r.label, Attrs{NextHop: addr("10.255.0.1"), ExtCommunities: PackExtCommunities(ecs)}); err != nil {
			t.Fatal(err)
		}
	}
	// Over iBGP the next hop is passed on; over eBGP it is our session
	// address and our AS leads the path.
	wantNH, wantPath := "10.255.0.1", []uint32{}
	if ebgp {
		wantNH, wantPath = "127.0.0.1", []uint32{ourAS}
	}
	// ExaBGP never gets its own routes back (checked below, once they
	// have all arrived here).
	waitFor(t, 20*time.Second, "exabgp to receive our routes", func() bool {
		rib, _ := e.received()
		for _, r := range out {
			if _, ok := rib[r.key.String()]; !ok {
				return false
			}
		}
		return true
	})
	rib, _ := e.received()
	if len(rib) != len(out) {
		t.Errorf("exabgp holds %d routes from us, want only our %d (none of its own echoed back)", len(rib), len(out))
	}
	for _, r := range out {
		got := rib[r.key.String()]
		if !slices.EqualFunc(got.labels, [][]uint32{{r.label}}, slices.Equal) {
			t.Errorf("exabgp got %v with labels %v, want [[%d]]", r.key, got.labels, r.label)
		}
		if got.nextHop != wantNH {
			t.Errorf("exabgp got %v with next hop %s, want %s", r.key, got.nextHop, wantNH)
		}
		if rts := got.rts(); !slices.Equal(rts, r.exa) {
			t.Errorf("exabgp got %v with extended communities %q, want %q", r.key, rts, r.exa)
		}
		if !slices.Equal(got.attrs.ASPath, wantPath) {
			t.Errorf("exabgp got %v with AS path %v, want %v", r.key, got.attrs.ASPath, wantPath)
		}
		if lp := got.attrs.LocalPref; ebgp != (lp == nil) || (lp != nil && *lp != 100) {
			t.Errorf("exabgp got %v with local preference %v (eBGP %v)", r.key, lp, ebgp)
		}
	}

	// ExaBGP -> intercloud: the configured routes, then one announced
	// through the API.
	type theirs struct {
		key     RouteKey
		label   uint32
		nextHop string
		rts     []string
		path    string
	}
	first := map[bool]string{true: "65001", false: ""}[ebgp]
	in := []theirs{
		{vpnKey(t, "65001:2", "172.16.5.0/24"), 2002, "127.0.0.2", []string{"RT:65001:200", "RT:65001:201"}, first},
		{vpnKey(t, "10.255.0.2:7", "172.16.6.0/25"), 2003, "10.255.0.2", []string{"RT:10.255.0.2:300"}, strings.TrimSpace(first + " 64512")},
		{vpnKey(t, "4200000001:9", "172.16.7.0/24"), 2004, "127.0.0.2", []string{"RT:4200000001:5"}, first},
		{vpnKey(t, "65001:9", "172.16.9.0/24"), 2009, "127.0.0.2", []string{"RT:65001:900"}, first},
	}
	e.command("announce route 172.16.9.0/24 rd 65001:9 label 2009 next-hop 127.0.0.2 extended-community [ target:65001:900 ]")
	waitFor(t, 20*time.Second, "exabgp's routes", func() bool {
		rs := s.Routes(VPNv4)
		for _, r := range in {
			if bestOf(rs, r.key) == nil {
				return false
			}
		}
		return true
	})
	rs := s.Routes(VPNv4)
	for _, w := range in {
		r := bestOf(rs, w.key)
		var rts []string
		for _, ec := range r.Attrs.RouteTargets() {
			rts = append(rts, ec.String())
		}
		if r.Label != w.label || r.NextHop != addr(w.nextHop) || !slices.Equal(rts, w.rts) ||
			r.Attrs.ASPathString() != w.path || r.Peer != addr(exabgpAddr) || r.EBGP != ebgp {
			t.Errorf("route %v from exabgp: label %d next hop %v RTs %v AS path %q from %v (eBGP %v); want label %d next hop %s RTs %v AS path %q",
				r.Key, r.Label, r.NextHop, rts, r.Attrs.ASPathString(), r.Peer, r.EBGP, w.label, w.nextHop, w.rts, w.path)
		}
	}

	// Withdrawals, both ways.
	gone := out[1]
	if err := s.Withdraw(VPNv4, gone.key); err != nil {
		t.Fatal(err)
	}
	e.command("withdraw route 172.16.5.0/24 rd 65001:2 label 2002 next-hop 127.0.0.2")
	waitFor(t, 20*time.Second, "exabgp to see our withdrawal", func() bool {
		rib, _ := e.received()
		_, ok := rib[gone.key.String()]
		return !ok
	})
	waitFor(t, 20*time.Second, "exabgp's withdrawal", func() bool { return bestOf(s.Routes(VPNv4), in[0].key) == nil })
	rib, states := e.received()
	for _, r := range []ours{out[0], out[2]} {
		if _, ok := rib[r.key.String()]; !ok {
			t.Errorf("exabgp lost %v after the withdrawal of %v", r.key, gone.key)
		}
	}
	rs = s.Routes(VPNv4)
	for _, w := range in[1:] {
		if bestOf(rs, w.key) == nil {
			t.Errorf("we lost %v after exabgp's withdrawal of %v", w.key, in[0].key)
		}
	}
	if st := s.PeerState(addr(exabgpAddr)); st != Established || !slices.Equal(states, []string{"connected", "up"}) {
		t.Errorf("session %v here, exabgp reported states %v", st, states)
	}
}

// TestInteropExaBGPWithout4OctetAS peers a speaker of a 4-octet AS with
// ExaBGP told not to advertise the 4-octet AS capability (as bagpipe-bgp
// never does): the session comes up (RFC 6793, not a NOTIFICATION 2/7),
// ExaBGP sees our AS as AS_TRANS in the OPEN and our real AS through
// AS4_PATH, and the 4-octet AS in ExaBGP's path reaches us intact.
func TestInteropExaBGPWithout4OctetAS(t *testing.T) {
	const ourAS = 4200000000
	s, err := New(Config{
		ASN: ourAS, RouterID: addr("10.255.0.1"), Families: []Family{VPNv4},
		ListenAddr: netip.MustParseAddrPort("127.0.0.1:0"), HoldTime: 9 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := startExaBGP(t, exaOptions{localAS: 65001, peerAS: 23456, noASN4: true, connectPort: s.ListenAddr().Port(), static: []string{
		"route 172.16.5.0/24 rd 65001:2 label 2002 next-hop 127.0.0.2 extended-community [ target:65001:200 ] as-path [ 65001 4200000001 64512 ];",
	}})
	if err := s.AddPeer(PeerConfig{Addr: addr(exabgpAddr), ASN: 65001, LocalAddr: addr("127.0.0.1"), Passive: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "session with exabgp without asn4", func() bool {
		return e.alive() && s.PeerState(addr(exabgpAddr)) == Established
	})
	if d, _ := s.NeighborInfo(addr(exabgpAddr)); d.FourOctetAS {
		t.Error("exabgp with asn4 disabled counted as a 4-octet AS speaker")
	}
	k := vpnKey(t, "65001:2", "172.16.5.0/24")
	waitFor(t, 20*time.Second, "exabgp's route", func() bool { return bestOf(s.Routes(VPNv4), k) != nil })
	if r := bestOf(s.Routes(VPNv4), k); r.Attrs.ASPathString() != "65001 4200000001 64512" {
		t.Errorf("exabgp's route has AS path %q, want 65001 4200000001 64512 (AS_PATH merged with AS4_PATH)", r.Attrs.ASPathString())
	}

	ours := vpnKey(t, "65000:1", "192.168.1.0/24")
	if err := s.Originate(VPNv4, ours, 1001, Attrs{NextHop: addr("10.255.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "exabgp to receive our route", func() bool {
		rib, _ := e.received()
		_, ok := rib[ours.String()]
		return ok
	})
	rib, _ := e.received()
	if got := rib[ours.String()]; !slices.Equal(got.attrs.ASPath, []uint32{ourAS}) {
		t.Errorf("exabgp got our route with AS path %v, want [%d] (AS_TRANS in AS_PATH, the real AS in AS4_PATH)", got.attrs.ASPath, uint32(ourAS))
	}
}
