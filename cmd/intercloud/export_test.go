package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// intercloud export writes a directory per router and the containerlab
// file; a bad format or a missing -o is an error with the right exit code,
// and a broken topology file stops it as validate would.
func TestExportWritesTheFilesItSays(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := run(t, "export", "--format", "containerlab", "-o", dir)
	if code != 0 || !strings.Contains(out, "wrote 13 files to "+dir) {
		t.Fatalf("code %d out %q err %q", code, out, errOut)
	}
	conf, err := os.ReadFile(filepath.Join(dir, "pe1", "frr.conf"))
	if err != nil || !strings.Contains(string(conf), "router bgp 65000 vrf tenant") {
		t.Errorf("pe1/frr.conf: %v\n%s", err, conf)
	}
	if _, err := os.Stat(filepath.Join(dir, "seed.clab.yml")); err != nil {
		t.Error(err)
	}
	if _, errOut, code := run(t, "export", "--format", "junos", "-o", dir); code != 1 || !strings.Contains(errOut, "unknown format \"junos\"") {
		t.Errorf("--format junos: code %d err %q", code, errOut)
	}
	if _, errOut, code := run(t, "export"); code != 2 || !strings.Contains(errOut, "-o DIR is required") {
		t.Errorf("no -o: code %d err %q", code, errOut)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("links:\n  - p1-p2\n  - {a: p1, b: p2, latency: -1ms}\n"), 0o644)
	if _, errOut, code := run(t, "export", bad, "-o", dir); code != 1 || !strings.Contains(errOut, bad+":3:29") {
		t.Errorf("bad file: code %d err %q", code, errOut)
	}
}
