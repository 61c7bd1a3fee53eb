package export

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/intercloud/intercloud/internal/topology"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func seed(t *testing.T) *topology.Model {
	t.Helper()
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The seed lab's frr.conf of a P (a route reflector), a PE (a VRF, a
// bgpvpn cloud on a global interface) and a CE (a dynamic-routing cloud)
// are as reviewed; `go test ./internal/export -update` rewrites them. The
// same files are run on FRR by TestExportedFRRConfigsConvergeLikeTheLab.
func TestSeedFRRConfigsMatchTheGoldenFiles(t *testing.T) {
	m := seed(t)
	for _, node := range []string{"p1", "pe2", "ce1"} {
		got, err := FRR(m, node)
		if err != nil {
			t.Fatal(err)
		}
		matchGolden(t, node, filepath.Join("testdata", "seed-"+node+".frr.conf"), got)
	}
}

// matchGolden compares node's frr.conf with its golden file, or rewrites
// the file with -update.
func matchGolden(t *testing.T, node, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s's frr.conf differs from %s (go test -update to accept):\n%s", node, golden, got)
	}
}

// The file says what it leaves out, at its top, before any command.
func TestFRRConfigsListWhatTheyLeaveOutAtTheTop(t *testing.T) {
	m := seed(t)
	conf, err := FRR(m, "pe2")
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(conf), "frr version")
	for _, want := range []string{"route target constraint", "cloud cloud3 (bgpvpn): its OpenStack side", "ip link add tenant type vrf table"} {
		if !strings.Contains(head, want) {
			t.Errorf("pe2's header lacks %q:\n%s", want, head)
		}
	}
	for _, line := range strings.Split(head, "\n") {
		if line != "" && !strings.HasPrefix(line, "!") {
			t.Errorf("header line %q is not a comment", line)
		}
	}
}

// FRR's ospfd cannot suppress prefixes: a router that does in the lab
// says so at the top of its file rather than differ silently.
func TestAPrefixSuppressingRoutersConfigSaysFRRAdvertisesItsLinks(t *testing.T) {
	m := seed(t)
	m.Node("p1").PrefixSuppression = true
	conf, err := FRR(m, "p1")
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(conf), "frr version")
	if !strings.Contains(head, "prefix suppression (RFC 6860)") {
		t.Errorf("p1's header does not mention prefix suppression:\n%s", head)
	}
	if conf, _ := FRR(m, "p2"); strings.Contains(string(conf), "prefix suppression") {
		t.Error("p2, which does not suppress, mentions it")
	}
}

func TestCloudsAndComputesGetNoRouterConfig(t *testing.T) {
	m := seed(t)
	for _, node := range []string{"cloud1", "cloud1-cn1"} {
		if _, err := FRR(m, node); err == nil || !strings.Contains(err.Error(), "not a router") {
			t.Errorf("FRR(%s): %v, want an error saying it is not a router", node, err)
		}
	}
	if _, err := FRR(m, "nope"); err == nil {
		t.Error("FRR(nope): want an error")
	}
}

// The containerlab file parses back as YAML with one FRR container per
// router, a stand-in per cloud, and the lab's links between them with
// the model's interface names.
func TestContainerlabWiresTheRoutersAsTheLab(t *testing.T) {
	m := seed(t)
	b, err := Containerlab(m, "")
	if err != nil {
		t.Fatal(err)
	}
	var c Clab
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if c.Name != "seed" {
		t.Errorf("name %q", c.Name)
	}
	var names []string
	for name, n := range c.Topology.Nodes {
		names = append(names, name)
		if n.Kind != "linux" {
			t.Errorf("%s kind %q, want linux", name, n.Kind)
		}
		if Exported(m.Node(name)) {
			if n.Image != DefaultImage || !slices.Contains(n.Binds, name+"/frr.conf:/etc/frr/frr.conf") || !slices.Contains(n.Binds, name+"/daemons:/etc/frr/daemons") {
				t.Errorf("%s: %+v, want the FRR image and its frr.conf and daemons bound", name, n)
			}
		}
	}
	slices.Sort(names)
	if want := []string{"ce1", "ce2", "cloud1", "cloud2", "cloud3", "p1", "p2", "pe1", "pe2"}; !slices.Equal(names, want) {
		t.Errorf("nodes %v, want %v", names, want)
	}
	var links []string
	for _, l := range c.Topology.Links {
		if len(l.Endpoints) != 2 {
			t.Fatalf("link %v", l.Endpoints)
		}
		links = append(links, l.Endpoints[0]+"--"+l.Endpoints[1])
	}
	var want []string
	for _, l := range m.Links {
		if m.Node(l.A.Node).Role != topology.RoleCompute && m.Node(l.B.Node).Role != topology.RoleCompute {
			want = append(want, l.A.Node+":"+l.A.Interface+"--"+l.B.Node+":"+l.B.Interface)
		}
	}
	if !slices.Equal(links, want) {
		t.Errorf("links %v, want %v", links, want)
	}
	if pe1 := c.Topology.Nodes["pe1"]; !slices.Contains(pe1.Exec, "ip link set eth3 master tenant") {
		t.Errorf("pe1 exec %v, want eth3 enslaved to the tenant VRF", pe1.Exec)
	}
}

func TestWriteLaysOutOneDirectoryPerRouter(t *testing.T) {
	m := seed(t)
	dir := t.TempDir()
	paths, err := Write(m, Options{Format: "containerlab"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2*6+1 {
		t.Errorf("wrote %d files, want 13: %v", len(paths), paths)
	}
	for _, p := range []string{"pe1/frr.conf", "pe1/daemons", "ce2/frr.conf", "seed.clab.yml"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
	d, _ := os.ReadFile(filepath.Join(dir, "ce1", "daemons"))
	if !strings.Contains(string(d), "ldpd=no") || !strings.Contains(string(d), "bgpd=yes") {
		t.Errorf("ce1's daemons:\n%s", d)
	}
	if _, err := Write(m, Options{Format: "junos"}, dir); err == nil || !strings.Contains(err.Error(), "frr, containerlab") {
		t.Errorf("format junos: %v, want an error naming the formats", err)
	}
}

// Every example's exported frr.conf files parse in FRR 8.4's vtysh
// (--dryrun): SR, inter-AS, several clouds and VPNs included, not only the
// seed lab the namespace test runs.
func TestEveryExamplesFRRConfigsPassVtyshDryRun(t *testing.T) {
	vtysh, err := exec.LookPath("vtysh")
	if err != nil {
		t.Skip("no vtysh: apt-get install frr (8.4) to check the exported configurations parse")
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	dir := t.TempDir()
	checked := 0
	for _, f := range files {
		res, err := topology.LoadFile(f)
		if err != nil {
			continue // examples/broken.yaml, on purpose
		}
		out := filepath.Join(dir, filepath.Base(f))
		if _, err := Write(res.Model, Options{Format: "frr"}, out); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		confs, _ := filepath.Glob(filepath.Join(out, "*", "frr.conf"))
		for _, c := range confs {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			msg, err := exec.CommandContext(ctx, vtysh, "--dryrun", "-f", c).CombinedOutput()
			cancel()
			if err != nil {
				t.Errorf("%s: vtysh --dryrun %s: %v\n%s", f, c, err, msg)
			}
			checked++
		}
	}
	t.Logf("%d frr.conf files parse", checked)
}
