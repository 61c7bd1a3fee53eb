package export

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// find walks v along path: object members by name, list entries by
// "key=value".
func find(t *testing.T, v any, path ...string) any {
	t.Helper()
	for i, p := range path {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[p]
			if !ok {
				t.Fatalf("no %q at %s", p, strings.Join(path[:i], "/"))
			}
			v = next
		case []any:
			k, want, _ := strings.Cut(p, "=")
			var hit any
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					if s, _ := json.Marshal(m[k]); strings.Trim(string(s), `"`) == want {
						hit = e
					}
				}
			}
			if hit == nil {
				t.Fatalf("no entry %s at %s", p, strings.Join(path[:i], "/"))
			}
			v = hit
		default:
			t.Fatalf("%s is a leaf", strings.Join(path[:i], "/"))
		}
	}
	return v
}

func openConfigDoc(t *testing.T, node string) (map[string]any, []string) {
	t.Helper()
	b, omitted, err := OpenConfig(seed(t), node)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v, omitted
}

// The seed lab's design is in the OpenConfig documents, at the published
// paths: p1's second link to p2 costs 20 in area 0, it reflects pe1's VPN
// routes, pe2 has the tenant L3VRF with its RD and CE session, and ce1
// filters cloud1's routes to its allowed prefix.
func TestOpenConfigCarriesTheSeedLabsDesign(t *testing.T) {
	p1, _ := openConfigDoc(t, "p1")
	ni := "openconfig-network-instance:network-instances"
	ospf := []string{ni, "network-instance", "name=default", "protocols", "protocol", "identifier=openconfig-policy-types:OSPF", "ospfv2", "areas", "area", "identifier=0.0.0.0", "interfaces", "interface", "id=eth2", "config", "metric"}
	if got := find(t, p1, ospf...); got != float64(20) {
		t.Errorf("p1 eth2 OSPF metric %v, want 20", got)
	}
	bgp := []string{ni, "network-instance", "name=default", "protocols", "protocol", "identifier=openconfig-policy-types:BGP", "bgp"}
	if got := find(t, p1, append(bgp, "neighbors", "neighbor", "neighbor-address=10.255.32.1", "route-reflector", "config", "route-reflector-client")...); got != true {
		t.Errorf("p1's neighbor pe1 route-reflector-client %v", got)
	}
	if got := find(t, p1, append(bgp, "neighbors", "neighbor", "neighbor-address=10.255.32.1", "afi-safis", "afi-safi", "afi-safi-name=openconfig-bgp-types:L3VPN_IPV4_UNICAST", "config", "enabled")...); got != true {
		t.Errorf("p1's neighbor pe1 VPNv4 %v", got)
	}
	if got := find(t, p1, ni, "network-instance", "name=default", "mpls", "signaling-protocols", "ldp", "global", "config", "lsr-id"); got != "10.255.0.1" {
		t.Errorf("p1 LDP lsr-id %v", got)
	}

	pe2, omitted := openConfigDoc(t, "pe2")
	if got := find(t, pe2, ni, "network-instance", "name=tenant", "config", "route-distinguisher"); got != "10.255.32.2:9263" {
		t.Errorf("pe2 tenant RD %v", got)
	}
	if got := find(t, pe2, ni, "network-instance", "name=tenant", "protocols", "protocol", "identifier=openconfig-policy-types:BGP", "bgp", "neighbors", "neighbor", "neighbor-address=10.0.248.2", "config", "peer-as"); got != float64(64514) {
		t.Errorf("pe2 tenant neighbor ce2 peer-as %v", got)
	}
	if got := find(t, pe2, "openconfig-routing-policy:routing-policy", "defined-sets", "openconfig-bgp-policy:bgp-defined-sets", "ext-community-sets", "ext-community-set", "ext-community-set-name=tenant-import-rt", "config", "ext-community-member"); !strings.Contains(toJSON(got), "route-target:65000:9263") {
		t.Errorf("pe2 tenant import RTs %v", got)
	}
	if !strings.Contains(strings.Join(omitted, "\n"), "route target constraint") {
		t.Errorf("pe2 omitted %v, want route target constraint listed", omitted)
	}
	if got := find(t, pe2, "openconfig-interfaces:interfaces", "interface", "name=eth3", "subinterfaces", "subinterface", "index=0", "openconfig-if-ip:ipv4", "addresses", "address", "ip=10.0.248.3", "config", "prefix-length"); got != float64(31) {
		t.Errorf("pe2 eth3 prefix length %v", got)
	}

	ce1, _ := openConfigDoc(t, "ce1")
	if got := find(t, ce1, "openconfig-routing-policy:routing-policy", "defined-sets", "prefix-sets", "prefix-set", "name=cloud1-allowed", "prefixes", "prefix", "ip-prefix=100.65.0.0/16", "masklength-range"); got != "16..32" {
		t.Errorf("ce1 cloud1-allowed %v", got)
	}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// Every router's document is valid data for the published OpenConfig
// models, checked by libyang's yanglint. Needs yanglint (apt-get install
// libyang2-tools) and a checkout of github.com/openconfig/public in
// INTERCLOUD_OPENCONFIG_YANG.
//
// One must statement of openconfig-bgp-policy (on bgp-actions/config,
// about set-med) is removed from the test's copy: libyang evaluates it on
// the container its defaults create, where it fails for any policy that
// does not set a MED; OpenConfig's own tools (pyang, goyang) do not
// evaluate must.
func TestOpenConfigIsValidForThePublishedModels(t *testing.T) {
	yanglint, err := exec.LookPath("yanglint")
	if err != nil {
		t.Skip("no yanglint: apt-get install libyang2-tools")
	}
	src := os.Getenv("INTERCLOUD_OPENCONFIG_YANG")
	if src == "" {
		t.Skip("set INTERCLOUD_OPENCONFIG_YANG to a checkout of github.com/openconfig/public to validate the OpenConfig export")
	}
	dir := t.TempDir()
	dirs := map[string]bool{}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yang") || strings.Contains(p, "regexp-tests") {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if filepath.Base(p) == "openconfig-bgp-policy.yang" {
			b = regexp.MustCompile(`(?s)\s*must "\(set-med != 'IGP' and set-med-action\) or" \+\s*"\(set-med = 'IGP' and set-med-action = 'SET'\)" \{.*?\}\n`).ReplaceAll(b, []byte("\n"))
		}
		out := filepath.Join(dir, rel)
		dirs[filepath.Dir(out)] = true
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-i", "-i", "-t", "config", "-f", "json"}
	for d := range dirs {
		args = append(args, "-p", d)
	}
	for _, mod := range []string{"interfaces/openconfig-interfaces.yang", "interfaces/openconfig-if-ip.yang", "network-instance/openconfig-network-instance.yang", "policy/openconfig-routing-policy.yang", "bgp/openconfig-bgp-policy.yang"} {
		args = append(args, filepath.Join(dir, "release", "models", mod))
	}
	m := seed(t)
	for _, n := range m.Nodes {
		if !Exported(n) {
			continue
		}
		doc, _, err := OpenConfig(m, n.Name)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, n.Name+".json")
		if err := os.WriteFile(f, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, yanglint, append(args, f)...).CombinedOutput()
		cancel()
		var errs []string
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "err") || strings.Contains(line, "YANGLINT[E]") {
				errs = append(errs, line)
			}
		}
		if err != nil || len(errs) > 0 {
			t.Errorf("yanglint %s: %v\n%s", n.Name, err, strings.Join(errs, "\n"))
		}
	}
}
