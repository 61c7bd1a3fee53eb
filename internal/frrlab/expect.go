package frrlab

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// Expected is what intercloud's lab holds once converged, which FRR must
// hold too: each PE's VPNv4 routes as "RD prefix", sorted, and the
// prefixes of each VRF, keyed "PE VRF".
type Expected struct {
	VPN map[string][]string
	VRF map[string][]string
}

// LabRoutes runs m in intercloud's lab on a virtual clock and reads what
// its PEs hold. The floating-ip clouds' prefixes are announced on their
// uplinks, as the exported configurations route them.
func LabRoutes(m *topology.Model) (Expected, error) {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l, err := lab.New(m, lab.Options{Clock: clk, BGPTransport: "memory"})
	if err != nil {
		return Expected{}, err
	}
	defer l.Close()
	l.Start()
	if c, took, ok := l.WaitReady(time.Minute, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		return Expected{}, fmt.Errorf("lab not ready after %v: %+v", took, c)
	}
	if err := AnnounceFloating(l, m); err != nil {
		return Expected{}, err
	}
	exp := Expected{VPN: map[string][]string{}, VRF: map[string][]string{}}
	// Let the clouds' prefixes reach the far PEs: bounded lab time.
	for i := 0; ; i++ {
		clk.Advance(10 * time.Millisecond)
		if exp.VPN, err = PEVPNRoutes(l, m); err != nil {
			return Expected{}, err
		}
		if HasFloating(exp.VPN, m) {
			break
		}
		if i == 500 {
			return Expected{}, fmt.Errorf("the lab's PEs never learnt the floating-ip clouds' prefixes: %v", exp.VPN)
		}
	}
	// The PEs import what their VPNv4 tables learnt into the VRFs a sync
	// later: the VRFs are read once the lab is quiet again.
	if c, took, ok := l.WaitReady(clk.Now().Sub(l.Started())+time.Minute, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		return Expected{}, fmt.Errorf("lab not ready again after %v: %+v", took, c)
	}
	for _, n := range m.Nodes {
		for _, v := range VRFs(m, n.Name) {
			data, _, err := l.Show(n.Name, "bgp ipv4 unicast", v)
			if err != nil {
				return Expected{}, err
			}
			var ps []string
			for _, r := range data.([]bgp.RouteView) {
				ps = append(ps, r.Prefix)
			}
			slices.Sort(ps)
			exp.VRF[n.Name+" "+v] = slices.Compact(ps)
		}
	}
	return exp, nil
}

// AnnounceFloating puts each floating-ip cloud's prefix on its uplink.
func AnnounceFloating(l *lab.Lab, m *topology.Model) error {
	for _, c := range m.Clouds {
		if c.Joins(topology.JoinFloatingIP) {
			if err := l.ApplyCloud(c.Name, lab.CloudConfig{Uplink: []netip.Prefix{c.Prefix}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// PEVPNRoutes reads each of the lab's PEs' VPNv4 table as "RD prefix", sorted.
func PEVPNRoutes(l *lab.Lab, m *topology.Model) (map[string][]string, error) {
	out := map[string][]string{}
	for _, n := range m.Nodes {
		if n.Role != topology.RolePE {
			continue
		}
		data, _, err := l.Show(n.Name, "bgp vpnv4", "")
		if err != nil {
			return nil, err
		}
		var rs []string
		for _, r := range data.([]bgp.RouteView) {
			rs = append(rs, r.RD+" "+r.Prefix)
		}
		slices.Sort(rs)
		out[n.Name] = slices.Compact(rs)
	}
	return out, nil
}

// HasFloating says whether every PE has every floating-ip cloud's prefix.
func HasFloating(out map[string][]string, m *topology.Model) bool {
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
