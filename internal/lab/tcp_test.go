package lab

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/testpeer"
	"github.com/intercloud/intercloud/internal/topology"
)

// tcpSeedLab runs the seed lab with its BGP over real TCP on 127/8, as the
// daemon does, on a free port; the virtual clock moves along while the
// sessions come up in wall time.
func tcpSeedLab(t *testing.T) (*Lab, *clock.Virtual, uint16) {
	t.Helper()
	port := testpeer.LabPort(t)
	l, clk := newTCPSeedLab(t, port)
	l.Start()
	advanceUntil(t, clk, 20*time.Second, "the seed lab over TCP to be ready", func() bool {
		c := l.Counts()
		return c.Ready
	})
	return l, clk, port
}

// newTCPSeedLab builds the seed lab with its BGP over TCP on port, not
// yet started, and closes it when the test ends.
func newTCPSeedLab(t *testing.T, port uint16) (*Lab, *clock.Virtual) {
	t.Helper()
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(epoch)
	l, err := New(m, Options{Clock: clk, BGPTransport: "tcp", BGPPort: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l, clk
}

// TestBGPOverTCP runs the seed lab's BGP over TCP: every session is
// Established between the routers' own 127.65/16 and 127.66/16 addresses
// (PE VRF speakers), next hops are still the emulated addresses (so CE to
// CE traffic crosses the core as in memory), and when pe2 loses its core
// links its sessions with the reflectors die by hold timer and come back
// when the links return.
func TestBGPOverTCP(t *testing.T) {
	l, clk, _ := tcpSeedLab(t)
	pe1, _ := l.Node("pe1")
	pe2, _ := l.Node("pe2")
	p1, _ := l.Node("p1")
	for _, nb := range pe1.BGP().Summary() {
		if nb.State != "Established" || !strings.HasPrefix(nb.Neighbor.String(), "127.65.") {
			t.Errorf("pe1's neighbor %v (%s): %s, want Established on 127.65/16", nb.Neighbor, nb.Description, nb.State)
		}
	}
	if d, ok := p1.BGP().NeighborInfo(mustTCP(t, l, "pe1")); !ok || d.LocalAddr != mustTCP(t, l, "p1") {
		t.Errorf("p1's session with pe1 runs from %v, want %v", d.LocalAddr, mustTCP(t, l, "p1"))
	}
	// Next hops are the emulated addresses, not the sessions' 127/8 ones.
	advanceUntil(t, clk, 20*time.Second, "pe2 to have pe1's VPN routes", func() bool {
		for _, x := range pe2.BGP().Routes(bgp.VPNv4) {
			if x.Best && x.NextHop == pe1.Model.Loopback.Addr() {
				return true
			}
		}
		return false
	})
	// BGP converges in wall time here; the pings run on the lab's clock.
	siteRoutes := func(what string) {
		advanceUntil(t, clk, 20*time.Second, what, func() bool { return sitesRoute(l, "ce1", "ce2") })
	}
	siteRoutes("the CEs to learn each other's loopbacks")
	if res := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 3, Interval: 100 * time.Millisecond}); res.Received != 3 {
		t.Fatalf("ping ce1 -> ce2 with BGP over TCP: %+v", res)
	}

	// Cut pe2 off the core: its sessions with the reflectors go down.
	for _, p := range []string{"p1", "p2"} {
		if _, err := l.SetLinkUp("pe2", p, false); err != nil {
			t.Fatal(err)
		}
	}
	advanceUntil(t, clk, 20*time.Second, "pe2's sessions to fall", func() bool {
		clk.Advance(time.Second) // hold timers are 90 s of lab time
		return pe2.BGP().PeerState(mustTCP(t, l, "p1")) != bgp.Established
	})
	for _, p := range []string{"p1", "p2"} {
		if _, err := l.SetLinkUp("pe2", p, true); err != nil {
			t.Fatal(err)
		}
	}
	advanceUntil(t, clk, 20*time.Second, "pe2's sessions to come back", func() bool {
		return pe2.BGP().PeerState(mustTCP(t, l, "p1")) == bgp.Established && l.Counts().Ready
	})
	siteRoutes("the CEs to learn each other's loopbacks again")
	if res := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 1}); res.Received != 1 {
		t.Fatalf("ping after recovery: %+v", res)
	}
}

func mustTCP(t *testing.T, l *Lab, node string) netip.Addr {
	t.Helper()
	a, ok := l.TCPAddr(node)
	if !ok {
		t.Fatalf("no TCP address for %s", node)
	}
	return a
}

// TestTsharkDecodesLabBGP captures lo while the seed lab comes up over TCP
// and has tshark decode the BGP live: OPENs from the routers' 127.65/16
// addresses and VPNv4 UPDATEs. Needs root to capture.
func TestTsharkDecodesLabBGP(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (scripts/test installs it)")
	}
	if os.Geteuid() != 0 {
		t.Skip("capturing on lo needs root")
	}
	port := testpeer.LabPort(t)
	// -l prints each packet as it is decoded, so the test can wait on what
	// tshark has seen instead of guessing how long dumpcap takes.
	capture := exec.Command(tshark, "-l", "-n", "-i", "lo", "-f", fmt.Sprintf("tcp port %d and net 127.64.0.0/10", port),
		"-d", fmt.Sprintf("tcp.port==%d,bgp", port), "-T", "fields", "-e", "ip.src", "-e", "bgp.type",
		"-e", "bgp.update.path_attribute.mp_reach_nlri.safi", "-e", "bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv4")
	capture.Env = append(os.Environ(), "HOME="+t.TempDir())
	var out, errs lockedBuffer
	capture.Stdout, capture.Stderr = &out, &errs
	if err := capture.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopProcess(capture, 10*time.Second)
		if t.Failed() {
			t.Logf("tshark's stderr:\n%s", errs.String())
		}
	})

	// The capture is on once tshark decodes a sentinel: a connection
	// attempt to the lab's still closed BGP port, repeated until seen.
	sentinel := net.JoinHostPort("127.65.0.1", strconv.Itoa(int(port)))
	testpeer.WaitFor(t, 3*time.Minute, "tshark to decode a sentinel SYN", func() bool {
		if c, err := net.DialTimeout("tcp", sentinel, time.Second); err == nil {
			c.Close()
		}
		return strings.Contains(out.String(), "\n")
	})

	l, clk := newTCPSeedLab(t, port)
	l.Start()
	advanceUntil(t, clk, 20*time.Second, "the seed lab over TCP to be ready", func() bool { return l.Counts().Ready })

	pe1 := mustTCP(t, l, "pe1").String()
	node, _ := l.Node("pe1")
	loopback := node.Model.Loopback.Addr().String()
	var bgpLines []string // for the failure message: the sentinels left out
	decoded := func() (open, vpn bool) {
		bgpLines = bgpLines[:0]
		for _, line := range strings.Split(out.String(), "\n") {
			f := strings.Split(line, "\t")
			if len(f) >= 2 && f[1] != "" {
				bgpLines = append(bgpLines, line)
			}
			if len(f) < 4 || f[0] != pe1 {
				continue
			}
			open = open || strings.Contains(f[1], "1")
			// A VPNv4 UPDATE (SAFI 128) whose next hop is pe1's loopback in
			// the emulated network, not its session address.
			vpn = vpn || strings.Contains(f[2], "128") && strings.Contains(f[3], loopback)
		}
		return open, vpn
	}
	// The lab's clock keeps running meanwhile, as `up` paces it: the
	// speakers handle what they read on it.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		open, vpn := decoded()
		if open && vpn {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("from pe1's %s tshark decoded an OPEN: %v, a VPNv4 UPDATE with next hop %s: %v\n%s", pe1, open, loopback, vpn, strings.Join(bgpLines, "\n"))
		}
		clk.Advance(5 * time.Millisecond)
		time.Sleep(10 * time.Millisecond)
	}
}

// sitesRoute reports whether two VPN sites route to each other end to end:
// each CE to the other's loopback, and each PE's VRF over a labelled path.
func sitesRoute(l *Lab, a, b string) bool {
	ca, _ := l.Node(a)
	cb, _ := l.Node(b)
	for _, c := range [][2]*Node{{ca, cb}, {cb, ca}} {
		if _, ok := c[0].Router.RIB().Best("", c[1].Model.Loopback); !ok {
			return false
		}
		pe, ok := l.Node(c[0].Model.Interfaces[0].Peer)
		if !ok {
			return false
		}
		for _, vrf := range pe.Router.VRFs() {
			if r, ok := pe.Router.RIB().Best(vrf, c[1].Model.Loopback); ok && len(r.Nexthops) > 0 {
				goto next
			}
		}
		return false
	next:
	}
	return true
}

// TestEachLabSessionOpensOneConnection: the lab configures both ends of
// a session at once, and were both to dial, their connections would
// cross and collision resolution would drop one after both had sent an
// OPEN. The B end waits for A's connection, so every session of the
// seed lab over TCP is one connection, one OPEN each way, even on a
// clock running ahead of the wall's.
func TestEachLabSessionOpensOneConnection(t *testing.T) {
	l, clk := newTCPSeedLab(t, testpeer.LabPort(t))
	var mu sync.Mutex
	opens := map[netip.Addr]int{} // OPENs each lab address received
	countOpens := func(to netip.AddrPort, msg []byte) {
		if len(msg) > 18 && msg[18] == 1 {
			mu.Lock()
			opens[to.Addr()]++
			mu.Unlock()
		}
	}
	l.tcp.beforeHandle.Store(&countOpens)
	l.Start()
	// The clock runs twice the wall's, as a large lab's may while it
	// comes up (WaitFor polls every 10 ms).
	testpeer.WaitFor(t, 20*time.Second, "the seed lab over TCP to be ready", func() bool {
		clk.Advance(20 * time.Millisecond)
		return l.Counts().Ready
	})
	c := l.Counts()
	if c.BGPSessions == 0 || c.BGPEstablished != c.BGPSessions {
		t.Fatalf("sessions: %+v", c)
	}
	sessions := map[netip.Addr]int{} // sessions each lab address ends
	for _, bs := range l.bgpSessions {
		sessions[bs.aKey]++
		sessions[bs.bKey]++
	}
	mu.Lock()
	defer mu.Unlock()
	// Sessions that came up while New ran were read before the count
	// began: an address may have received fewer, never more.
	for a, n := range opens {
		if n > sessions[a] {
			t.Errorf("%v received %d OPENs for its %d sessions, want one each", a, n, sessions[a])
		}
	}
}
