package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run executes the CLI in-process and returns stdout, stderr and the exit
// code main would use.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := newRootCmd()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(args)
	err := cmd.Execute()
	code := 0
	var ex *exitError
	switch {
	case errors.As(err, &ex):
		code = ex.code
		errb.WriteString(ex.msg)
	case err != nil:
		code = 1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

func TestValidateExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("links:\n  - p1-p2\n  - {a: p1, b: p2, latency: -1ms}\n"), 0o644)

	out, _, code := run(t, "validate")
	if code != 0 || !strings.Contains(out, "builtin:seed.yaml: valid: 15 nodes") {
		t.Errorf("seed: code %d out %q", code, out)
	}
	_, errOut, code := run(t, "validate", bad)
	if code != 1 || !strings.Contains(errOut, bad+":3:29: link latency -1ms is negative (delays cannot be negative)") || !strings.Contains(errOut, "1 error") {
		t.Errorf("bad: code %d err %q", code, errOut)
	}
	_, errOut, code = run(t, "validate", filepath.Join(dir, "missing.yaml"))
	if code != 2 || !strings.Contains(errOut, "cannot read topology") {
		t.Errorf("missing: code %d err %q", code, errOut)
	}
	out, _, code = run(t, "validate", bad, "-o", "json")
	var report struct {
		Valid  bool
		Errors []struct {
			Pos struct{ Line, Col int }
		}
	}
	if code != 1 || json.Unmarshal([]byte(out), &report) != nil || report.Valid || report.Errors[0].Pos.Line != 3 {
		t.Errorf("json: code %d out %q", code, out)
	}
}

func TestInspectShowsAllocatedValues(t *testing.T) {
	out, _, code := run(t, "inspect")
	for _, want := range []string{"pe1         pe       65000*  10.255.32.1/32*", "ebgp-pe-ce", "* allocated automatically"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect lacks %q (code %d)", want, code)
		}
	}
	out, _, _ = run(t, "inspect", "-o", "yaml")
	if !strings.Contains(out, "provider_asn: 65000") {
		t.Errorf("yaml output: %.200s", out)
	}
}

func TestGraphWritesFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "seed.svg")
	if _, errOut, code := run(t, "graph", "--format", "svg", "-o", f); code != 0 {
		t.Fatalf("graph: %d %s", code, errOut)
	}
	b, _ := os.ReadFile(f)
	if !bytes.HasPrefix(b, []byte("<svg")) && !bytes.Contains(b[:200], []byte("<svg")) {
		t.Errorf("not an svg: %.100s", b)
	}
	out, _, _ := run(t, "graph", "--format", "dot", "--bgp=false")
	if !strings.Contains(out, "cluster_area_0_0_0_0") {
		t.Errorf("dot: %.200s", out)
	}
}

func TestGenerateOutputValidates(t *testing.T) {
	f := filepath.Join(t.TempDir(), "big.yaml")
	if _, errOut, code := run(t, "generate", "--pops", "5", "--p-per-pop", "2", "--pe-per-pop", "4", "--clouds", "10", "-w", f); code != 0 {
		t.Fatalf("generate: %d %s", code, errOut)
	}
	if out, errOut, code := run(t, "validate", f); code != 0 {
		t.Fatalf("validate generated: %d %s %s", code, out, errOut)
	}
}

// TestUpAndDown runs `intercloud up` on a free loopback port and drives
// the running lab with the other commands, as a user would.
func TestUpAndDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	api := "--api=" + addr

	if _, errOut, code := run(t, "status", api); code != 1 || !strings.Contains(errOut, "no lab is running") {
		t.Fatalf("status before up: %d %q", code, errOut)
	}
	useStateDir(t, t.TempDir())
	upDone := upConverged(t, 30*time.Second, api)
	if _, errOut, code := run(t, "up", api); code != 1 || !strings.Contains(errOut, "a lab is already running") {
		t.Errorf("second up: %d %q", code, errOut)
	}
	out, errOut, code := run(t, "ping", api, "ce1", "ce2", "-c", "2", "-i", "50ms")
	if code != 0 || !strings.Contains(out, "2 packets transmitted, 2 received, 0% packet loss") {
		t.Errorf("ping: %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = run(t, "trace", api, "ce1", "ce2", "-q", "1")
	if code != 0 || !strings.Contains(out, "(pe1)") || !strings.Contains(out, "MPLS Label=") || !strings.Contains(out, "TTL=1 S=1") {
		t.Errorf("trace: %d\n%s%s", code, out, errOut)
	}
	out, _, _ = run(t, "show", api, "pe1", "igp", "neighbors")
	if !strings.Contains(out, "Full/-") {
		t.Errorf("show igp neighbors:\n%s", out)
	}
	out, _, _ = run(t, "show", api, "p1", "lfib", "-o", "json")
	if !strings.Contains(out, `"in_label"`) {
		t.Errorf("show lfib json:\n%s", out)
	}
	out, _, code = run(t, "restart-bgp", api, "pe2")
	if code != 0 || !strings.Contains(out, "pe2: BGP restarted gracefully (global, vrf ") || !strings.Contains(out, "keep its routes as stale") {
		t.Errorf("restart-bgp: %d\n%s", code, out)
	}
	out, _, code = run(t, "ping", api, "ce1", "ce2", "-c", "2", "-i", "50ms")
	if code != 0 || !strings.Contains(out, "0% packet loss") {
		t.Errorf("ping after restart-bgp: %d\n%s", code, out)
	}
	if _, errOut, code := run(t, "restart-bgp", api, "nope"); code == 0 || !strings.Contains(errOut, "no node") {
		t.Errorf("restart-bgp nope: %d %s", code, errOut)
	}
	out, _, code = run(t, "link", api, "down", "pe1", "p1")
	if code != 0 || !strings.Contains(out, "down") {
		t.Errorf("link down: %d %s", code, out)
	}
	out, _, _ = run(t, "events", api)
	if !strings.Contains(out, "adjacency-down") {
		t.Errorf("events lack the adjacency going down:\n%s", out)
	}
	out, _, code = run(t, "impair", api, "pe1", "p2", "--delay", "5ms", "--loss", "1%", "--rate", "100mbit")
	if code != 0 || !strings.Contains(out, "100mbit") {
		t.Errorf("impair: %d %s", code, out)
	}
	if _, errOut, code := run(t, "impair", api, "pe1", "p2", "--loss", "300%"); code != 2 {
		t.Errorf("bad loss accepted: %d %s", code, errOut)
	}
	out, _, code = run(t, "down", api)
	if code != 0 || !strings.Contains(out, "lab seed stopped") {
		t.Errorf("down: %d %s", code, out)
	}
	select {
	case out := <-upDone:
		if !strings.Contains(out, "lab seed is up: 15 routers") {
			t.Errorf("up printed:\n%s", out)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("up did not return after down")
	}
}
