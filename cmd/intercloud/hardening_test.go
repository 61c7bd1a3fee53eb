package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/store"
)

// up used to leave the state directory 0755 and the database 0644 (what
// `up -d` and SQLite made): other local users could read every password.
// Left so by an older version, they are tightened; the token is private.
func TestUpKeepsTheStateDirectoryAndItsSecretsToTheirOwner(t *testing.T) {
	apiFlag, _ := freeAPI(t)
	stateDir := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(stateDir, store.FileName)
	for _, f := range []string{db, db + "-wal"} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chmod(f, 0o644) // whatever the umask
	}
	os.Chmod(stateDir, 0o755)
	stop := startUp(t, apiFlag, stateDir, "")
	defer stop()
	for path, want := range map[string]os.FileMode{
		stateDir: 0o700, db: 0o600, db + "-wal": 0o600, db + "-shm": 0o600,
		filepath.Join(stateDir, api.TokenFile): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", filepath.Base(path), fi.Mode().Perm(), want)
		}
	}
}

// A command run with another state directory has no token: the lab
// refuses it and says where the token comes from, and changes nothing.
func TestCommandWithoutTheTokenIsRefusedWithAHint(t *testing.T) {
	api, _ := freeAPI(t)
	stateDir := t.TempDir()
	startUp(t, api, stateDir, "")
	_, errOut, code := run(t, "link", api, "--state-dir="+t.TempDir(), "down", "pe1", "p1")
	if code != 1 || !strings.Contains(errOut, "needs the lab's token") || !strings.Contains(errOut, "--state-dir") {
		t.Errorf("link down without the token: %d %q", code, errOut)
	}
	out, _, code := run(t, "show", api, "--state-dir="+stateDir, "pe1", "igp", "neighbors")
	if code != 0 || strings.Count(out, "Full/-") != 2 {
		t.Errorf("pe1 lost an adjacency to a refused command (%d):\n%s", code, out)
	}
	// The same command run from an unrelated web page's point of view is
	// covered in internal/api; here, a second up is told something answers.
	_, errOut, code = run(t, "up", api, "--state-dir="+t.TempDir())
	if code != 1 || !strings.Contains(errOut, "something already answers") {
		t.Errorf("second up without the token: %d %q", code, errOut)
	}
}
