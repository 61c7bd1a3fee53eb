package lab

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/generate"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// TestEveryNodeReachesEveryNode pings every node's loopback from every
// node, in the seed lab (LDP) and the three-cloud example (SR-MPLS, two
// areas, a host behind a CE): nodes in one routing domain — the global
// table, or one VPN's sites and what hangs below them — must all reach
// each other (the edge's static routing, its redistribution, the core's
// LSPs and the VPNs leave nobody out), and no node may reach a node of
// another domain (VPNs are isolated from the core and from each other; a
// cloud's compute nodes are reached from their cloud's node only: the
// cloud's underlay is not leaked into the WAN). Each lab runs twice: on
// the tests' usual clock, one callback at a time, and as intercloud up
// runs it, each instant's callbacks at once on four goroutines (the race
// detector then watches the routers' concurrent work).
func TestEveryNodeReachesEveryNode(t *testing.T) {
	for _, file := range []string{"", filepath.Join("..", "..", "examples", "three-clouds.yaml")} {
		for _, workers := range []int{1, 4} {
			everyNodeReachesEveryNode(t, file, workers)
		}
	}
}

func everyNodeReachesEveryNode(t *testing.T, file string, workers int) {
	res, err := topology.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(epoch)
	clk.SetParallel(workers)
	l, err := New(res.Model, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	if c, took, ok := l.WaitReady(10*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		t.Fatalf("%s: not ready after %v: %+v", res.Model.Name, took, c)
	}
	var all []pending
	for _, a := range l.Nodes() {
		for _, b := range l.Nodes() {
			if a != b {
				all = append(all, startPing(t, l, a.Model.Name, b.Model.Name))
			}
		}
	}
	clk.Advance(3 * time.Second)
	checkDomains(t, l, fmt.Sprintf("%s (%d at once)", res.Model.Name, workers), all)
	l.Close()
}

// TestGeneratedLabReachability does the same on generated labs with OSPF
// areas, in LDP and in SR mode, and in LDP mode with prefix suppression
// (the core routers ping from their loopbacks), and in SR mode with each
// instant's callbacks run at once, for a fixed sample of node pairs.
func TestGeneratedLabReachability(t *testing.T) {
	for _, mode := range []string{"ldp", "sr", "ldp suppressed", "sr parallel"} {
		label, parallel := strings.CutSuffix(mode, " parallel")
		label, suppressed := strings.CutSuffix(label, " suppressed")
		y, err := generate.Lab(generate.Params{POPs: 5, PPerPOP: 2, PEPerPOP: 3, CEPerPE: 1, Clouds: 5, Areas: true, LabelMode: label, PrefixSuppression: suppressed})
		if err != nil {
			t.Fatal(err)
		}
		res, err := topology.Load("gen.yaml", y)
		if err != nil {
			t.Fatal(err)
		}
		clk := clock.NewVirtual(epoch)
		if parallel {
			clk.SetParallel(4)
		}
		l, err := New(res.Model, Options{Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		l.Start()
		if c, took, ok := l.WaitReady(10*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
			t.Fatalf("%s: not ready after %v: %+v", mode, took, c)
		}
		nodes := l.Nodes()
		rng := rand.New(rand.NewPCG(1, 2))
		var all []pending
		for range 200 {
			a, b := nodes[rng.IntN(len(nodes))], nodes[rng.IntN(len(nodes))]
			if a == b {
				continue
			}
			all = append(all, startPing(t, l, a.Model.Name, b.Model.Name))
		}
		clk.Advance(3 * time.Second)
		checkDomains(t, l, mode, all)
		l.Close()
	}
}

// pending is a ping under way; err is set when it could not start (no
// route from the source's table).
type pending struct {
	s    *router.PingSession
	err  error
	a, b string
}

func startPing(t *testing.T, l *Lab, a, b string) pending {
	t.Helper()
	s, err := l.StartPing(a, b, router.PingOptions{Count: 1, Timeout: 2 * time.Second})
	return pending{s: s, err: err, a: a, b: b}
}

// checkDomains wants every ping between nodes of one routing domain
// answered and every ping across domains to go unanswered (or find no
// route at all).
func checkDomains(t *testing.T, l *Lab, what string, all []pending) {
	t.Helper()
	dom := domains(l)
	var same, cross int
	for _, p := range all {
		if dom[p.a] == dom[p.b] || sameCloud(l, p.a, p.b) || underlayOut(l, dom, p.a, p.b) {
			same++
			if p.err != nil {
				t.Errorf("%s: %s cannot reach %s: %v", what, p.a, p.b, p.err)
			} else if r := p.s.Result(); r.Received != 1 {
				t.Errorf("%s: %s cannot reach %s: %+v", what, p.a, p.b, r.Replies)
			}
			continue
		}
		cross++
		if p.err == nil && p.s.Result().Received != 0 {
			t.Errorf("%s: %s (%q) reached %s (%q) across routing domains", what, p.a, dom[p.a], p.b, dom[p.b])
		}
	}
	if same == 0 || cross == 0 {
		t.Errorf("%s: %d pings within domains and %d across: the sample misses one kind", what, same, cross)
	}
}

// sameCloud reports whether a and b are a compute (or control) node and
// its cloud's node: the underlay joins them, whatever the cloud's domain.
func sameCloud(l *Lab, a, b string) bool {
	na, nb := l.nodes[a].Model, l.nodes[b].Model
	return onUnderlay(na) && nb.Role == topology.RoleCloud && na.Cloud == nb.Cloud ||
		onUnderlay(nb) && na.Role == topology.RoleCloud && na.Cloud == nb.Cloud
}

// onUnderlay reports whether n lives on its cloud's underlay alone: a
// compute node, or an sdn cloud's control node.
func onUnderlay(n *topology.Node) bool {
	return n.Role == topology.RoleCompute || n.Role == topology.RoleControl
}

// underlayOut reports whether a is a compute node acting as a PE (its
// cloud joins by bgpvpn) and b is in the global table: the WAN routes the
// compute's underlay address, which its pings come from (its loopback
// stays unrouted, so pings to it do not come back).
func underlayOut(l *Lab, dom map[string]string, a, b string) bool {
	na := l.nodes[a].Model
	return na.Role == topology.RoleCompute && l.computeIsPE(na.Cloud) && dom[b] == "" && l.nodes[b].Model.Role != topology.RoleCompute
}

// domains names each node's routing domain: "" for the global table, the
// VPN's name for the nodes of its sites and everything below them, and
// "underlay of CLOUD" for a cloud's compute nodes, which only their
// cloud's node routes to (sameCloud).
func domains(l *Lab) map[string]string {
	up := l.edgeTree()
	out := map[string]string{}
	for _, n := range l.Nodes() {
		name := n.Model.Name
		if onUnderlay(n.Model) {
			out[name] = "underlay of " + n.Model.Cloud
			continue
		}
		for {
			h, ok := up[name]
			if !ok {
				break
			}
			if l.nodes[h.parent].Model.Role.IsCore() {
				if l.vpnSite(h, name) {
					for _, ifc := range l.nodes[h.parent].Model.Interfaces {
						if ifc.LinkID == h.link.ID {
							out[n.Model.Name] = ifc.VRF
						}
					}
				}
				break
			}
			name = h.parent
		}
	}
	return out
}
