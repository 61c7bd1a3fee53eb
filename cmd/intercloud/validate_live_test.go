package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidateLiveRunsTheLabsChecksAndExitsByTheirOutcome(t *testing.T) {
	api, _ := freeAPI(t)
	useStateDir(t, t.TempDir())
	if _, errOut, code := run(t, "validate", "--live", api); code != 2 || !strings.Contains(errOut, "no lab is running") {
		t.Errorf("validate --live with no lab: %d %q, want 2", code, errOut)
	}
	upDone := make(chan struct{})
	go func() {
		run(t, "up", api, "--bgp-port="+api[strings.LastIndexByte(api, ':')+1:], "--bgp-transport=memory")
		close(upDone)
	}()
	defer func() {
		run(t, "down", api)
		<-upDone
	}()
	waitUntil(t, 30*time.Second, "lab up", func() (bool, string) {
		out, errOut, code := run(t, "status", api)
		return code == 0 && strings.Contains(out, "converged"), out + errOut
	})

	// Without FILE: the running lab's own file, the seed.
	out, errOut, code := run(t, "validate", "--live", api)
	if code != 0 || !strings.Contains(out, "builtin:seed.yaml:") || !strings.Contains(out, "PASS  ping ce1 ce2 succeeds (3 of 3 replies)") || !strings.Contains(out, "10 passed, 0 failed, 0 could not run") ||
		!strings.Contains(out, "PASS  cloud cloud2 advertises only its prefix 100.66.0.0/16 (announces 100.66.0.0/24)") {
		t.Errorf("validate --live: %d\n%s%s", code, out, errOut)
	}
	out, _, code = run(t, "validate", "--live", api, "-o", "json")
	var report struct{ Passed, Failed int }
	if err := json.Unmarshal([]byte(out), &report); err != nil || code != 0 || report.Passed != 10 {
		t.Errorf("validate --live -o json: %d %v\n%s", code, err, out)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, append(seedWith(t), []byte("  - ping: ce1 ce2\n    fails: true\n")...), 0o644)
	out, _, code = run(t, "validate", "--live", api, "--wait", "300ms", bad)
	if code != 1 || !strings.Contains(out, bad+":") || !strings.Contains(out, "FAIL  ping ce1 ce2 fails (3 of 3 replies)") || !strings.Contains(out, "10 passed, 1 failed") {
		t.Errorf("validate --live with a failing check: %d\n%s", code, out)
	}
}

// seedWith returns the seed file, whose validate: block is last, so
// checks appended to it join the block.
func seedWith(t *testing.T) []byte {
	b, err := os.ReadFile("../../examples/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
