package generate

import (
	"fmt"

	"github.com/intercloud/intercloud/internal/topology"
)

// Model returns the lab p describes, loaded as `intercloud up` loads
// its file: what tests and benchmarks run on.
func Model(p Params) (*topology.Model, error) {
	y, err := Lab(p)
	if err != nil {
		return nil, err
	}
	res, err := topology.Load("generated.yaml", y)
	if err != nil {
		return nil, err
	}
	return res.Model, nil
}

// Lab returns the topology file (YAML) of the lab p describes. The same
// params always give the same bytes.
func Lab(p Params) ([]byte, error) {
	p = p.withDefaults()
	if err := p.check(); err != nil {
		return nil, err
	}
	pl := newPlan(p)
	pools, err := sizePools(pl)
	if err != nil {
		return nil, err
	}
	return pl.yaml(pools), nil
}

// plan is a lab before it is written: every node, link, VPN and cloud in
// file order.
type plan struct {
	p      Params
	c      Counts
	pops   []pop
	haul   []link // the ring between POPs
	vpns   [][]string
	clouds []cloud
}

type pop struct {
	nodes []node
	links []link
}

type node struct {
	name string
	role topology.Role
	area int // 0: the backbone (not written)
	pop  int // 1-based
	j    int // a PE's place in its POP, 0-based
}

type link struct {
	a, b      string
	latencyMs int // 0: not written
	cost      int // 0: the default
	note      string
}

type cloud struct {
	name, attach, vpn string
	join              topology.JoinMode
	// pop is the cloud's POP (1-based); onPE, its place among the clouds
	// on its POP's PEs (0-based), -1 behind a CE.
	pop, onPE int
}

// Names carry their POP and a lab-wide number: pop3-pe12 is the 12th PE
// and sits in POP 3. The topology package gives a name ending in a number
// the natural slot of its role's block (pe12: the PE block's 12th loopback),
// so lab-wide numbers keep loopbacks, ASNs and cloud prefixes readable and
// collision-free.

// popOf returns the POP (1-based) of the i-th (1-based) of per-POP things.
func popOf(i, perPOP int) int { return (i-1)/perPOP + 1 }

func (pl *plan) pName(i int) string  { return fmt.Sprintf("pop%d-p%d", popOf(i, pl.p.PPerPOP), i) }
func (pl *plan) peName(i int) string { return fmt.Sprintf("pop%d-pe%d", popOf(i, pl.p.PEPerPOP), i) }
func (pl *plan) ceName(i int) string {
	return fmt.Sprintf("pop%d-ce%d", popOf(i, pl.p.PEPerPOP*pl.p.CEPerPE), i)
}

// rrPOP is the POP of route reflector r (1-based): spread evenly, so that
// with two they sit on opposite sides of the ring.
func (pl *plan) rrPOP(r int) int { return 1 + (r-1)*pl.p.POPs/pl.p.RRs }

func (pl *plan) rrName(r int) string { return fmt.Sprintf("pop%d-rr%d", pl.rrPOP(r), r) }

// nextPOP is the POP after pop in the ring.
func (pl *plan) nextPOP(pop int) int { return pop%pl.p.POPs + 1 }

// uplinks returns the two P routers the j-th (0-based) PE or RR of a POP
// homes to: two of its own POP's, or with one P per POP its own and the
// next POP's.
func (pl *plan) uplinks(pop, j int) (string, string) {
	k := pl.p.PPerPOP
	first := (pop - 1) * k // global number of the POP's first P, minus one
	if k == 1 {
		return pl.pName(pop), pl.pName(pl.nextPOP(pop))
	}
	return pl.pName(first + j%k + 1), pl.pName(first + (j+1)%k + 1)
}

// vpnOfCE is the VPN (1-based) CE i is a site of: CEs are dealt round-robin.
func (pl *plan) vpnOfCE(i int) int { return (i-1)%pl.c.VPNs + 1 }

func vpnName(v int) string { return fmt.Sprintf("cust%d", v) }

func newPlan(p Params) *plan {
	pl := &plan{p: p, c: p.Counts()}
	pl.vpns = make([][]string, pl.c.VPNs)
	k, e, ce := p.PPerPOP, p.PEPerPOP, p.CEPerPE
	rrsOf := make(map[int][]int) // pop -> its route reflectors
	for r := 1; r <= p.RRs; r++ {
		rrsOf[pl.rrPOP(r)] = append(rrsOf[pl.rrPOP(r)], r)
	}
	pl.pops = make([]pop, p.POPs)
	for i := 1; i <= p.POPs; i++ {
		po := &pl.pops[i-1]
		area := 0
		if p.Areas {
			area = i
		}
		firstP := (i-1)*k + 1
		for j := range k {
			po.nodes = append(po.nodes, node{name: pl.pName(firstP + j), role: topology.RoleP})
		}
		for a := range k {
			for b := a + 1; b < k; b++ {
				po.links = append(po.links, link{a: pl.pName(firstP + a), b: pl.pName(firstP + b)})
			}
		}
		if p.POPs == 1 && k == 2 {
			// The only two P routers: a second path, so one failure does not partition.
			po.links = append(po.links, link{a: pl.pName(firstP), b: pl.pName(firstP + 1), cost: 2 * topology.DefaultCost, note: "second path"})
		}
		for j, r := range rrsOf[i] {
			name := pl.rrName(r)
			po.nodes = append(po.nodes, node{name: name, role: topology.RoleRR})
			up1, up2 := pl.uplinks(i, j)
			po.links = append(po.links, link{a: name, b: up1}, link{a: name, b: up2})
		}
		for j := range e {
			pe := (i-1)*e + j + 1
			name := pl.peName(pe)
			po.nodes = append(po.nodes, node{name: name, role: topology.RolePE, area: area, pop: i, j: j})
			up1, up2 := pl.uplinks(i, j)
			po.links = append(po.links, link{a: name, b: up1}, link{a: name, b: up2})
			for c := range ce {
				num := (pe-1)*ce + c + 1
				cname := pl.ceName(num)
				po.nodes = append(po.nodes, node{name: cname, role: topology.RoleCE})
				po.links = append(po.links, link{a: cname, b: name})
				v := pl.vpnOfCE(num)
				pl.vpns[v-1] = append(pl.vpns[v-1], cname)
			}
		}
	}
	pl.ring()
	pl.placeClouds()
	return pl
}

// ring joins each POP's P routers to the next POP's, rung by rung (a ladder
// when there are several P routers per POP), closing the ring from the last
// POP to the first. Two POPs are joined once, with a second link when a
// single rung would be the only path.
func (pl *plan) ring() {
	n, k := pl.p.POPs, pl.p.PPerPOP
	if n < 2 {
		return
	}
	where := popMap(n, pl.p.Seed)
	pairs := n
	if n == 2 {
		pairs = 1
	}
	for i := 1; i <= pairs; i++ {
		next := pl.nextPOP(i)
		ms := haulMs(where[i-1], where[next-1])
		for j := range k {
			lat := min(ms+j, maxHaulMs) // each rung its own fibre route
			pl.haul = append(pl.haul, link{a: pl.pName((i-1)*k + j + 1), b: pl.pName((next-1)*k + j + 1), latencyMs: lat, cost: 10 * lat})
		}
		if n == 2 && k == 1 {
			lat := min(ms+3, maxHaulMs)
			pl.haul = append(pl.haul, link{a: pl.pName(1), b: pl.pName(2), latencyMs: lat, cost: 10*lat + topology.DefaultCost, note: "second path"})
		}
	}
}

// placeClouds spreads the clouds evenly over the POPs and cycles them
// through the join modes in DESIGN.md order. Clouds that join by floating
// IPs or dynamic routing sit behind a CE of their POP (on a PE when there
// are no CEs); the others act as PEs and attach to a PE. Attach points are
// taken round-robin within the POP.
func (pl *plan) placeClouds() {
	p := pl.p
	cePerPOP := p.PEPerPOP * p.CEPerPE
	ceNext := make([]int, p.POPs)
	peNext := make([]int, p.POPs)
	onPE := make([]int, p.POPs)
	for i := 1; i <= p.Clouds; i++ {
		po := 1 + (i-1)*p.POPs/p.Clouds
		join := topology.JoinModes[(i-1)%len(topology.JoinModes)]
		c := cloud{name: fmt.Sprintf("pop%d-cloud%d", po, i), join: join, pop: po, onPE: -1}
		if join.ActsAsPE() || cePerPOP == 0 {
			pe := (po-1)*p.PEPerPOP + peNext[po-1]%p.PEPerPOP + 1
			peNext[po-1]++
			c.onPE = onPE[po-1]
			onPE[po-1]++
			c.attach = pl.peName(pe)
			c.vpn = vpnName((i-1)%pl.c.VPNs + 1)
		} else {
			ce := (po-1)*cePerPOP + ceNext[po-1]%cePerPOP + 1
			ceNext[po-1]++
			c.attach = pl.ceName(ce)
			c.vpn = vpnName(pl.vpnOfCE(ce))
		}
		pl.clouds = append(pl.clouds, c)
	}
}

// maxCloudsOnPEs is the most clouds any POP has on its PEs.
func (pl *plan) maxCloudsOnPEs() int {
	n := 0
	for _, c := range pl.clouds {
		n = max(n, c.onPE+1)
	}
	return n
}

// linkCount is the number of links the lab's file makes, cloud uplinks included.
func (pl *plan) linkCount() int {
	// each cloud's uplink and its computes' underlay links
	n := len(pl.haul) + len(pl.clouds)*(1+computesPerCloud)
	for _, po := range pl.pops {
		n += len(po.links)
	}
	return n
}
