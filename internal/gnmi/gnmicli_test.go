package gnmi

import (
	"bufio"
	"context"
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
	for _, want := range []string{modelName, "JSON_IETF", gnmiVersion} {
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
	for _, want := range []string{`\"oper-status\":\"UP\"`, `\"name\":\"` + ifname + `\"`, `in-pkts`} {
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
