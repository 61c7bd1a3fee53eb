package gnmi

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gnmiCLI finds OpenConfig's gnmi_cli where scripts/needs/gnmi_cli.sh
// builds it, or on PATH.
func gnmiCLI(t *testing.T) string {
	t.Helper()
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".cache", "intercloud", "bin", "gnmi_cli")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("gnmi_cli"); err == nil {
		return p
	}
	t.Skip("gnmi_cli not found: run scripts/needs/gnmi_cli.sh (GOBIN=$HOME/.cache/intercloud/bin go install github.com/openconfig/gnmi/cmd/gnmi_cli@v0.14.1)")
	return ""
}

// cliCommand runs gnmi_cli against addr with the lab's token as its
// password, as a user would (GNMI_USER/GNMI_PASS with -with_user_pass).
func cliCommand(ctx context.Context, t *testing.T, addr string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, gnmiCLI(t), append([]string{"-address", addr, "-insecure", "-with_user_pass", "-timeout", "10s"}, args...)...)
	cmd.Env = append(os.Environ(), "GNMI_USER=admin", "GNMI_PASS="+testToken)
	return cmd
}

func TestGNMICLICapabilitiesListsTheModel(t *testing.T) {
	_, _, addr := seedServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := cliCommand(ctx, t, addr, "-capabilities").CombinedOutput()
	if err != nil {
		t.Fatalf("gnmi_cli -capabilities: %v\n%s", err, out)
	}
	for _, want := range []string{"openconfig-interfaces", "openconfig-network-instance", "JSON_IETF", gnmiVersion} {
		if !strings.Contains(string(out), want) {
			t.Errorf("capabilities lack %q:\n%s", want, out)
		}
	}
}

func TestGNMICLIGetsAnInterfacesState(t *testing.T) {
	l, _, addr := seedServer(t)
	ifname := linkIface(t, l, "pe1", "p1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := `prefix: <target: "pe1"> path: <elem: <name: "interfaces"> elem: <name: "interface" key: <key: "name" value: "` + ifname +
		`">> elem: <name: "state">> encoding: JSON_IETF`
	out, err := cliCommand(ctx, t, addr, "-get", "-proto", req).CombinedOutput()
	if err != nil {
		t.Fatalf("gnmi_cli -get: %v\n%s", err, out)
	}
	// RFC 7951: the top members are named with their module.
	for _, want := range []string{`\"openconfig-interfaces:oper-status\":\"UP\"`, `\"openconfig-interfaces:name\":\"` + ifname + `\"`, `in-pkts`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the answer lacks %s:\n%s", want, out)
		}
	}
}

// gnmi_cli's streaming query asks TARGET_DEFINED, which this server serves
// as ON_CHANGE: the link's failure appears as one DOWN line.
func TestGNMICLIStreamsOperStatusDownAcrossALinkFailure(t *testing.T) {
	l, _, addr := seedServer(t)
	ifname := linkIface(t, l, "pe1", "p1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := cliCommand(ctx, t, addr, "-qt", "s", "-dt", "s", "-t", "pe1", "-q", "interfaces/interface/state/oper-status")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	seen := ""
	// wait reads gnmi_cli's lines ("pe1/interfaces/interface/eth1/state/oper-status, UP")
	// until one gives ifname's oper-status as value.
	wait := func(value string) {
		t.Helper()
		for lines.Scan() {
			ln := lines.Text()
			seen += ln + "\n"
			if strings.Contains(ln, "/interface/"+ifname+"/state/oper-status") && strings.HasSuffix(strings.TrimSpace(ln), ", "+value) {
				return
			}
		}
		t.Fatalf("gnmi_cli ended before %s went %s: %v\n%s\n%s", ifname, value, lines.Err(), seen, stderr.String())
	}
	wait("UP")
	if _, err := l.SetLinkUp("pe1", "p1", false); err != nil {
		t.Fatal(err)
	}
	wait("DOWN")
}

func TestGNMICLIGetsAVRFsAFT(t *testing.T) {
	l, _, addr := seedServer(t)
	v := tenantVRF(t, l)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := `prefix: <target: "pe1"> path: <elem: <name: "network-instances"> elem: <name: "network-instance" key: <key: "name" value: "` + v.Name +
		`">> elem: <name: "afts">> encoding: JSON_IETF`
	out, err := cliCommand(ctx, t, addr, "-get", "-proto", req).CombinedOutput()
	if err != nil {
		t.Fatalf("gnmi_cli -get: %v\n%s", err, out)
	}
	pe2, _ := l.Node("pe2")
	// A remote site's route pushes pe2's VPN label under the transport one.
	for _, want := range []string{`ipv4-entry`, `next-hop-group`, `pushed-mpls-label-stack`, fmt.Sprint(pe2.VPNLabel(v.Name)), `\"origin-protocol\":\"openconfig-policy-types:BGP\"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the AFT lacks %s:\n%s", want, out)
		}
	}
}

func TestGNMICLISetsEnabledFalseAndTheLinkGoesDown(t *testing.T) {
	l, _, addr := seedServer(t)
	ifname := linkIface(t, l, "pe1", "p1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := `prefix: <target: "pe1"> update: <path: <elem: <name: "interfaces"> elem: <name: "interface" key: <key: "name" value: "` + ifname +
		`">> elem: <name: "config"> elem: <name: "enabled">> val: <bool_val: false>>`
	out, err := cliCommand(ctx, t, addr, "-set", "-proto", req).CombinedOutput()
	if err != nil {
		t.Fatalf("gnmi_cli -set: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "UPDATE") {
		t.Errorf("gnmi_cli shows no UPDATE result:\n%s", out)
	}
	if linkUp(t, l, "pe1:"+ifname) {
		t.Error("the link is still up after gnmi_cli set enabled false")
	}
}
