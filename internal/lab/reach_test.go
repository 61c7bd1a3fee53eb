package lab

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/generate"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// TestEveryNodeReachesEveryNode pings every node's loopback from every
// node, in the seed lab (LDP) and the three-cloud example (SR-MPLS, two
// areas, a host behind a CE): the edge's static routing, its
// redistribution and the core's LSPs must leave nobody out.
func TestEveryNodeReachesEveryNode(t *testing.T) {
	for _, file := range []string{"", filepath.Join("..", "..", "examples", "three-clouds.yaml")} {
		res, err := topology.LoadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		clk := clock.NewVirtual(epoch)
		l, err := New(res.Model, Options{Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		l.Start()
		if c, took, ok := l.WaitReady(10*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
			t.Fatalf("%s: not ready after %v: %+v", res.Model.Name, took, c)
		}
		var sessions []*router.PingSession
		var pairs [][2]string
		for _, a := range l.Nodes() {
			for _, b := range l.Nodes() {
				if a == b {
					continue
				}
				s, err := l.StartPing(a.Model.Name, b.Model.Name, router.PingOptions{Count: 1, Timeout: 2 * time.Second})
				if err != nil {
					t.Fatalf("%s -> %s: %v", a.Model.Name, b.Model.Name, err)
				}
				sessions = append(sessions, s)
				pairs = append(pairs, [2]string{a.Model.Name, b.Model.Name})
			}
		}
		clk.Advance(3 * time.Second)
		for i, s := range sessions {
			if r := s.Result(); r.Received != 1 {
				t.Errorf("%s: %s cannot reach %s: %+v", res.Model.Name, pairs[i][0], pairs[i][1], r.Replies)
			}
		}
		l.Close()
	}
}

// TestGeneratedLabReachability does the same on generated labs with OSPF
// areas, in LDP and in SR mode, for a fixed sample of node pairs.
func TestGeneratedLabReachability(t *testing.T) {
	for _, mode := range []string{"ldp", "sr"} {
		y, err := generate.Lab(generate.Params{POPs: 5, PPerPOP: 2, PEPerPOP: 3, CEPerPE: 1, Clouds: 5, Areas: true, LabelMode: mode})
		if err != nil {
			t.Fatal(err)
		}
		res, err := topology.Load("gen.yaml", y)
		if err != nil {
			t.Fatal(err)
		}
		clk := clock.NewVirtual(epoch)
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
		type pending struct {
			s    *router.PingSession
			a, b string
		}
		var all []pending
		for range 200 {
			a, b := nodes[rng.IntN(len(nodes))], nodes[rng.IntN(len(nodes))]
			if a == b {
				continue
			}
			s, err := l.StartPing(a.Model.Name, b.Model.Name, router.PingOptions{Count: 1, Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, pending{s, a.Model.Name, b.Model.Name})
		}
		clk.Advance(3 * time.Second)
		for _, p := range all {
			if r := p.s.Result(); r.Received != 1 {
				t.Errorf("%s: %s cannot reach %s: %+v", mode, p.a, p.b, r.Replies)
			}
		}
		l.Close()
	}
}
