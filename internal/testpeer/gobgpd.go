package testpeer

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Gobgpd is a running gobgpd (Debian package gobgpd) with its gRPC API on
// 127.0.0.1 for the gobgp CLI.
type Gobgpd struct {
	APIPort int
	BGPPort int // where it listens for BGP
	log     *syncBuffer
}

// StartGobgpd runs gobgpd with the TOML configuration conf(bgpPort),
// listening for BGP on listen and a free port. The test skips when
// gobgpd or its CLI is not installed.
func StartGobgpd(t testing.TB, listen string, conf func(bgpPort int) string) *Gobgpd {
	t.Helper()
	bin, err := exec.LookPath("gobgpd")
	if err != nil {
		t.Skip("gobgpd not installed (Debian package gobgpd): skipping interop test")
	}
	if _, err := exec.LookPath("gobgp"); err != nil {
		t.Skip("gobgp CLI not installed (Debian package gobgpd): skipping interop test")
	}
	g := &Gobgpd{APIPort: FreePort(t, "127.0.0.1"), BGPPort: FreePort(t, listen), log: &syncBuffer{}}
	path := filepath.Join(t.TempDir(), "gobgpd.toml")
	if err := os.WriteFile(path, []byte(conf(g.BGPPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-f", path, "-p", "--api-hosts", fmt.Sprintf("127.0.0.1:%d", g.APIPort), "--pprof-disable", "-l", "info")
	cmd.Stdout, cmd.Stderr = g.log, g.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gobgpd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("gobgpd log:\n%s", LastLines(g.log.String(), 60))
		}
	})
	WaitFor(t, 10*time.Second, "gobgpd's API", func() bool {
		_, err := g.CLI("global")
		return err == nil
	})
	return g
}

// CLI runs the gobgp command against this gobgpd (bounded to 5 s).
func (g *Gobgpd) CLI(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	args = append([]string{"-u", "127.0.0.1", "-p", fmt.Sprint(g.APIPort)}, args...)
	out, err := exec.CommandContext(ctx, "gobgp", args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("gobgp %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return out, nil
}
