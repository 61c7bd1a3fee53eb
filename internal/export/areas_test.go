package export

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/frrlab"
	"github.com/intercloud/intercloud/internal/topology"
)

// rangedLab is two areas: pe1 alone in area 1 behind the ABR p1, whose
// range summarises pe1's loopback into the backbone, where pe2 is.
const rangedLab = `name: ranged
nodes:
  p1: {area: 0}
  pe1: {area: 1, loopback: 10.255.32.1}
  pe2: {area: 0, loopback: 10.255.0.2}
links: [pe1-p1, p1-pe2]
areas:
  1: {ranges: [10.255.32.0/24]}
`

func ranged(t *testing.T) *topology.Model {
	t.Helper()
	res, err := topology.Load("ranged.yaml", []byte(rangedLab))
	if err != nil {
		t.Fatal(err)
	}
	return res.Model
}

// routerOSPF is the router ospf block of a frr.conf, its lines without
// "router ospf" and "exit".
func routerOSPF(conf string) []string {
	_, rest, ok := strings.Cut(conf, "\nrouter ospf\n")
	if !ok {
		return nil
	}
	block, _, _ := strings.Cut(rest, "\nexit\n")
	return strings.Split(block, "\n")
}

// The ABR of a lab with area ranges writes them in FRR's syntax under
// router ospf, and only the ABR does; every LDP router's file says once,
// above mpls ldp, that FRR's ldpd will not build LSPs across the ranges,
// and lists it at its top among what the file leaves out. `go test
// ./internal/export -update` rewrites the golden files.
func TestAnABRsFRRConfigHasItsAreasRanges(t *testing.T) {
	m := ranged(t)
	wantOSPF := map[string][]string{
		"p1":  {" ospf router-id 10.255.0.1", " passive-interface lo", " area 0.0.0.1 range 10.255.32.0/24"},
		"pe1": {" ospf router-id 10.255.32.1", " passive-interface lo"},
		"pe2": {" ospf router-id 10.255.0.2", " passive-interface lo"},
	}
	for _, node := range []string{"p1", "pe1", "pe2"} {
		b, err := FRR(m, node)
		if err != nil {
			t.Fatal(err)
		}
		conf := string(b)
		if got := routerOSPF(conf); strings.Join(got, "\n") != strings.Join(wantOSPF[node], "\n") {
			t.Errorf("%s's router ospf:\n%s\nwant:\n%s", node, strings.Join(got, "\n"), strings.Join(wantOSPF[node], "\n"))
		}
		note := "! FRR's ldpd has no RFC 5283 longest match nor downstream on demand: no LSPs to\n" +
			"! loopbacks that an ABR's area range summarises (see the top of this file).\nmpls ldp\n"
		if n := strings.Count(conf, "! FRR's ldpd"); n != 1 || !strings.Contains(conf, note) {
			t.Errorf("%s's frr.conf has the ldpd note %d times, want once above mpls ldp:\n%s", node, n, conf)
		}
		head, _, _ := strings.Cut(conf, "frr version")
		if !strings.Contains(head, "!  - "+ldpAcrossRanges+"\n") {
			t.Errorf("%s's header does not list LDP across area ranges:\n%s", node, head)
		}
	}
	// One golden file per kind: the ABR, and a router inside area 1.
	for _, node := range []string{"p1", "pe1"} {
		got, _ := FRR(m, node)
		matchGolden(t, node, filepath.Join("testdata", "ranged-"+node+".frr.conf"), got)
	}
}

// A lab without ranges says nothing about them.
func TestALabWithoutRangesHasNoRangeLinesNorLDPNote(t *testing.T) {
	m := seed(t)
	for _, n := range m.Nodes {
		if !Exported(n) {
			continue
		}
		b, err := FRR(m, n.Name)
		if err != nil {
			t.Fatal(err)
		}
		if s := string(b); strings.Contains(s, " range ") || strings.Contains(s, "RFC 5283") {
			t.Errorf("%s's frr.conf mentions ranges:\n%s", n.Name, s)
		}
	}
}

// OpenConfig has no area ranges: the ABR's openconfig-not-exported.txt
// lists them.
func TestOpenConfigListsTheABRsRangesAsNotExported(t *testing.T) {
	m := ranged(t)
	_, omitted, err := OpenConfig(m, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(omitted, "\n"), "OSPF area 0.0.0.1 range 10.255.32.0/24") {
		t.Errorf("p1's OpenConfig leaves out %q, want the range among them", omitted)
	}
	if _, omitted, _ := OpenConfig(m, "pe1"); strings.Contains(strings.Join(omitted, "\n"), "range") {
		t.Errorf("pe1, inside one area, lists a range as left out: %q", omitted)
	}
}

// nssaLab is rangedLab with area 1 a totally NSSA, as `intercloud
// generate --areas` makes each POP.
func nssaLab(t *testing.T) *topology.Model {
	t.Helper()
	y := strings.Replace(rangedLab, "1: {ranges: [10.255.32.0/24]}", "1: {ranges: [10.255.32.0/24], nssa: true, no_summary: true}", 1)
	res, err := topology.Load("nssa.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return res.Model
}

// Every router of an NSSA says so under router ospf, as FRR needs (an
// area's routers must agree on its type to become adjacent); the border
// router adds no-summary for a totally NSSA.
func TestAnNSSAsRoutersSayItInTheirFRRConfig(t *testing.T) {
	m := nssaLab(t)
	want := map[string][]string{
		"p1":  {" ospf router-id 10.255.0.1", " passive-interface lo", " area 0.0.0.1 nssa no-summary", " area 0.0.0.1 range 10.255.32.0/24"},
		"pe1": {" ospf router-id 10.255.32.1", " passive-interface lo", " area 0.0.0.1 nssa"},
		"pe2": {" ospf router-id 10.255.0.2", " passive-interface lo"},
	}
	for node, w := range want {
		b, err := FRR(m, node)
		if err != nil {
			t.Fatal(err)
		}
		if got := routerOSPF(string(b)); strings.Join(got, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s's router ospf:\n%s\nwant:\n%s", node, strings.Join(got, "\n"), strings.Join(w, "\n"))
		}
	}
}

// The ranged lab's files, and the NSSA lab's, parse in FRR's vtysh
// (--dryrun).
func TestRangedFRRConfigsPassVtyshDryRun(t *testing.T) {
	vtysh, err := exec.LookPath("vtysh")
	if err != nil {
		t.Skip("no vtysh: apt-get install frr (8.4) to check the exported configurations parse")
	}
	for _, m := range []*topology.Model{ranged(t), nssaLab(t)} {
		dir := t.TempDir()
		if _, err := Write(m, Options{Format: "frr"}, dir); err != nil {
			t.Fatal(err)
		}
		confs, _ := filepath.Glob(filepath.Join(dir, "*", "frr.conf"))
		if len(confs) != 3 {
			t.Fatalf("%d frr.conf files, want 3", len(confs))
		}
		for _, c := range confs {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			msg, err := exec.CommandContext(ctx, vtysh, "--dryrun", "-f", c).CombinedOutput()
			cancel()
			if err != nil {
				t.Errorf("vtysh --dryrun %s: %v\n%s", c, err, msg)
			}
		}
	}
}

// On real FRR the ABR's range does what it does in the lab: the backbone
// router pe2 routes pe1's loopback by the range alone, which is why
// FRR's ldpd (exact match) has no LSP to 10.255.32.1/32 there. Runs where
// TestExportedFRRConfigsConvergeLikeTheLab runs.
func TestRangedFRRConfigsSummariseOnFRR(t *testing.T) {
	if os.Getenv("INTERCLOUD_FRR_EXPORT") == "0" {
		t.Skip("INTERCLOUD_FRR_EXPORT=0: not running the exported frr.conf files on FRR")
	}
	if why := frrlab.Missing(); why != "" {
		t.Skip(why + ": run as root with FRR installed to run the ranged lab on FRR")
	}
	m := ranged(t)
	l, err := frrlab.Start(frrlab.Config{Model: m, Prefix: fmt.Sprintf("icx%dr", os.Getpid()%100000), Runs: Exported,
		Conf: func(node string) ([]byte, error) { return FRRWith(m, node, FastTimers) }, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := frrlab.WaitFor(ctx, "OSPF Full on every core link", l.OSPFFull); err != nil {
		t.Fatal(err)
	}
	if _, err := frrlab.WaitFor(ctx, "pe2 to route 10.255.32.0/24 by OSPF, and not 10.255.32.1/32", func() (bool, string) {
		rt := l.Vtysh("pe2", "show ip route ospf json")
		_, summary := rt["10.255.32.0/24"]
		_, host := rt["10.255.32.1/32"]
		return summary && !host, fmt.Sprintf("pe2's OSPF routes: %v", keys(rt))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := frrlab.WaitFor(ctx, "p1 to route 10.255.32.1/32 inside area 1", func() (bool, string) {
		rt := l.Vtysh("p1", "show ip route ospf json")
		_, host := rt["10.255.32.1/32"]
		return host, fmt.Sprintf("p1's OSPF routes: %v", keys(rt))
	}); err != nil {
		t.Fatal(err)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
