package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/intercloud/intercloud/examples"
	"github.com/intercloud/intercloud/internal/export"
	"github.com/intercloud/intercloud/internal/frrlab"
	"github.com/intercloud/intercloud/internal/generate"
	"github.com/intercloud/intercloud/internal/topology"
)

// labSpec is one topology as both sides build it.
type labSpec struct {
	name     string
	yaml     []byte
	file     string // yaml, written for the intercloud child
	m        *topology.Model
	routers  int // routers FRR runs (P, PE, RR, CE)
	core     int
	fail     int // the core link failed for reconvergence
	failText string
	expect   frrlab.Expected
}

// params gives a generated lab of about n routers: POPs of 2 P routers
// and PEs with one CE each, two route reflectors, five VPNs, no clouds
// (a cloud is OpenStack, not a router FRR could run).
func params(n int) generate.Params {
	p := generate.DefaultParams()
	p.Clouds, p.CEPerPE, p.PPerPOP, p.RRs = 0, 1, 2, 2
	p.PEPerPOP = 8 // 18 routers a POP
	if n < 100 {
		p.PEPerPOP = 3 // 8 a POP
	}
	perPOP := p.PPerPOP + p.PEPerPOP*(1+p.CEPerPE)
	p.POPs = max(3, (n-p.RRs+perPOP/2)/perPOP)
	return p
}

func topologyOf(size string) (*labSpec, error) {
	t := &labSpec{name: size}
	if size == "seed" {
		t.yaml = examples.Seed
	} else {
		n, err := strconv.Atoi(size)
		if err != nil || n < 20 {
			return nil, fmt.Errorf("size %q: want seed or a router count of at least 20", size)
		}
		p := params(n)
		if t.yaml, err = generate.Lab(p); err != nil {
			return nil, err
		}
		t.name = "generated " + p.Flags()
	}
	res, err := topology.Load(size+".yaml", t.yaml)
	if err != nil {
		return nil, err
	}
	t.m = res.Model
	dir, err := os.MkdirTemp("", "icref-topo")
	if err != nil {
		return nil, err
	}
	cleanup.add(func() { os.RemoveAll(dir) })
	t.file = filepath.Join(dir, "lab.yaml")
	if err := os.WriteFile(t.file, t.yaml, 0o644); err != nil {
		return nil, err
	}
	for _, n := range t.m.Nodes {
		if export.Exported(n) {
			t.routers++
		}
		if n.Role.IsCore() {
			t.core++
		}
	}
	// The failed link: the first between two P routers whose loss leaves
	// every core router reaching every other.
	t.fail = -1
	for _, l := range t.m.Links {
		if !l.Core || l.InterAS || !l.Up || t.m.Node(l.A.Node).Role != topology.RoleP || t.m.Node(l.B.Node).Role != topology.RoleP {
			continue
		}
		connected := true
		for _, routes := range frrlab.LoopbackNexthops(t.m, map[int]bool{l.ID: true}) {
			if len(routes) != t.core-1 {
				connected = false
			}
		}
		if connected {
			t.fail = l.ID
			t.failText = fmt.Sprintf("%s:%s - %s:%s", l.A.Node, l.A.Interface, l.B.Node, l.B.Interface)
			break
		}
	}
	if t.fail < 0 {
		return nil, fmt.Errorf("%s: no P-P link whose failure leaves the core connected", t.name)
	}
	if t.expect, err = frrlab.LabRoutes(t.m); err != nil {
		return nil, fmt.Errorf("%s: the routes intercloud's lab converges to: %v", t.name, err)
	}
	return t, nil
}
