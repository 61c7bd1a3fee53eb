// Package generate writes topology files for labs larger than anyone types
// by hand: a service-provider core of points of presence (POPs) joined in a
// ring, PEs dual-homed to the P routers of their POP, route reflectors,
// customer CEs in a handful of VPNs and clouds joining in every way
// DESIGN.md section 4 lists. The output is an ordinary topology file that
// internal/topology loads without errors or warnings.
package generate

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/intercloud/intercloud/internal/topology"
)

// Params describes the lab to generate. Counts are taken literally except
// where a zero is documented to mean a default.
type Params struct {
	Name      string // lab name; "" derives one from the counts
	POPs      int    // points of presence, at least 1
	PPerPOP   int    // P routers per POP, meshed inside it, at least 1
	PEPerPOP  int    // PE routers per POP, each dual-homed to two P routers, at least 1
	CEPerPE   int    // CE routers on each PE; 0 means none
	Clouds    int    // clouds, spread over the POPs, cycling through the five join modes
	RRs       int    // dedicated route reflectors, spread over the POPs; 0 means 2
	VPNs      int    // customer VPNs the CEs are dealt into; 0 means 5
	Areas     bool   // put each POP's PEs and their uplinks in an OSPF area of its own, a totally NSSA (P ring and RRs: area 0)
	LabelMode string // "ldp" or "sr"; "" means ldp
	// PrefixSuppression leaves the core's link subnets out of OSPF (RFC
	// 6860): a core router's table holds the loopbacks, not every link.
	PrefixSuppression bool
	Seed              int64 // places the POPs on the map, hence the long-haul latencies
}

// DefaultParams are the command's defaults: 20 POPs of 2 P and 4 PE
// routers, one CE per PE and 50 clouds (202 routers).
func DefaultParams() Params {
	return Params{POPs: 20, PPerPOP: 2, PEPerPOP: 4, CEPerPE: 1, Clouds: 50, RRs: 2, VPNs: 5, LabelMode: "ldp", Seed: 1}
}

// Limits keep a generated lab inside what its pools can number.
const (
	MaxRouters = 100_000 // p + pe + ce + rr
	MaxClouds  = 100_000
	MaxRRs     = 32
	MaxVPNs    = 10_000
)

// Counts is how many of each thing a lab has.
type Counts struct {
	P, PE, CE, RR, Clouds, VPNs int
}

// Routers is the number of p, pe, ce and rr nodes.
func (c Counts) Routers() int { return c.P + c.PE + c.CE + c.RR }

// Core is the number of routers that run the IGP and distribute labels.
func (c Counts) Core() int { return c.P + c.PE + c.RR }

// Counts returns what a lab generated from p holds, with defaults applied.
// It does not check p; Lab does.
func (p Params) Counts() Counts {
	p = p.withDefaults()
	c := Counts{P: p.POPs * p.PPerPOP, PE: p.POPs * p.PEPerPOP, RR: p.RRs, Clouds: p.Clouds}
	c.CE = c.PE * p.CEPerPE
	c.VPNs = p.vpnCount(c.CE)
	return c
}

func (p Params) withDefaults() Params {
	if p.RRs == 0 {
		p.RRs = 2
	}
	if p.VPNs == 0 {
		p.VPNs = 5
	}
	if p.LabelMode == "" {
		p.LabelMode = string(topology.LabelLDP)
	}
	p.LabelMode = strings.ToLower(p.LabelMode)
	if p.Name == "" {
		p.Name = p.defaultName()
	}
	return p
}

// defaultName is the lab's name when Params.Name is empty.
func (p Params) defaultName() string {
	return fmt.Sprintf("gen-pops%d-p%d-pe%d-ce%d-clouds%d", p.POPs, p.PPerPOP, p.PEPerPOP, p.CEPerPE, p.Clouds)
}

// vpnCount is how many VPNs the lab declares: no more than give each two
// sites (or, with no CEs, one cloud each).
func (p Params) vpnCount(ces int) int {
	n := p.VPNs
	if ces > 0 {
		return min(n, max(ces/2, 1))
	}
	return min(n, max(p.Clouds, 1))
}

// check reports the first reason p cannot make a valid lab; p has its
// defaults applied.
func (p Params) check() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if p.POPs < 1 {
		bad("pops must be at least 1, not %d", p.POPs)
	}
	if p.PPerPOP < 1 {
		bad("p-per-pop must be at least 1, not %d", p.PPerPOP)
	}
	if p.POPs == 1 && p.PPerPOP == 1 {
		bad("one POP with one P router has no redundancy: use at least 2 POPs or 2 P routers per POP")
	}
	if p.PEPerPOP < 1 {
		bad("pe-per-pop must be at least 1, not %d", p.PEPerPOP)
	}
	if p.CEPerPE < 0 {
		bad("ce-per-pe must not be negative, not %d", p.CEPerPE)
	}
	if p.Clouds < 0 || p.Clouds > MaxClouds {
		bad("clouds must be between 0 and %d, not %d", MaxClouds, p.Clouds)
	}
	if p.RRs < 1 || p.RRs > MaxRRs {
		bad("rrs must be between 1 and %d, not %d", MaxRRs, p.RRs)
	}
	if p.VPNs < 1 || p.VPNs > MaxVPNs {
		bad("vpns must be between 1 and %d, not %d", MaxVPNs, p.VPNs)
	}
	if !utf8.ValidString(p.Name) || strings.IndexFunc(p.Name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		bad("name %q must be printable text", p.Name)
	}
	switch topology.LabelMode(p.LabelMode) {
	case topology.LabelLDP, topology.LabelSR:
	default:
		bad("label mode must be ldp or sr, not %q", p.LabelMode)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	// Bound each count before multiplying, so that the product cannot overflow.
	for _, n := range []int{p.POPs, p.PPerPOP, p.PEPerPOP, p.CEPerPE} {
		if n > MaxRouters {
			return fmt.Errorf("%d is more than the %d routers a generated lab's pools are sized for", n, MaxRouters)
		}
	}
	routers := int64(p.POPs)*(int64(p.PPerPOP)+int64(p.PEPerPOP)*(1+int64(p.CEPerPE))) + int64(p.RRs)
	if routers > MaxRouters {
		return fmt.Errorf("%d routers is more than the %d a generated lab's pools are sized for", routers, MaxRouters)
	}
	c := p.Counts()
	if p.LabelMode == string(topology.LabelSR) && c.Core() > topology.SRGBSize-1 {
		return fmt.Errorf("segment routing numbers at most %d core routers (the SRGB %d-%d holds one node SID each); this lab has %d: use ldp or fewer P/PE routers",
			topology.SRGBSize-1, topology.SRGBBase, topology.SRGBBase+topology.SRGBSize-1, c.Core())
	}
	return nil
}

// Command is the intercloud command line that generates this lab, written
// at the top of the file so that it can be regenerated.
func (p Params) Command() string {
	p = p.withDefaults()
	var b strings.Builder
	fmt.Fprintf(&b, "intercloud generate %s --rrs %d --vpns %d --label-mode %s --seed %d", p.Flags(), p.RRs, p.VPNs, p.LabelMode, p.Seed)
	if p.Areas {
		b.WriteString(" --areas")
	}
	if p.PrefixSuppression {
		b.WriteString(" --prefix-suppression")
	}
	if p.Name != p.defaultName() {
		fmt.Fprintf(&b, " --name %s", shellQuote(p.Name))
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/=+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Example is a documented parameter set.
type Example struct {
	Size   string // "~1,000"
	Params Params
}

// Examples are parameter sets giving labs of about 100, 1,000 and 10,000
// routers, for the command's help and the benchmarks.
func Examples() []Example {
	set := func(pops, p, pe, ce, clouds int) Params {
		q := DefaultParams()
		q.POPs, q.PPerPOP, q.PEPerPOP, q.CEPerPE, q.Clouds = pops, p, pe, ce, clouds
		return q
	}
	return []Example{
		{"~100", set(7, 2, 4, 2, 10)},
		{"~1,000", set(20, 2, 16, 2, 100)},
		{"~10,000", set(100, 4, 32, 2, 500)},
	}
}

// Flags writes the counts of p as the command's flags.
func (p Params) Flags() string {
	return fmt.Sprintf("--pops %d --p-per-pop %d --pe-per-pop %d --ce-per-pe %d --clouds %d", p.POPs, p.PPerPOP, p.PEPerPOP, p.CEPerPE, p.Clouds)
}
