package daemon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/intercloud/intercloud/internal/api"
)

// EnvDetached marks the child Detach starts, so that it runs the daemon
// in the foreground instead of detaching again.
const EnvDetached = "INTERCLOUD_DETACHED"

// IsDetachedChild says whether this process is a child Detach started.
func IsDetachedChild() bool { return os.Getenv(EnvDetached) != "" }

// LogFile is the detached daemon's output, in the state directory.
const LogFile = "lab.log"

// Child is a daemon running in the background.
type Child struct {
	PID    int
	Log    string // its log's path
	Output []byte // the log when it became ready: what it printed coming up
	Token  string // the lab's token
}

// Detach runs this executable again with args (a command line that runs
// the daemon in the foreground) in a session of its own, its output in
// the state directory's LogFile, and waits until the daemon at addr
// answers ready, for timeout and a few seconds more. A child that exits
// first is an error holding its log; one that never gets ready is
// killed.
func Detach(ctx context.Context, args []string, addr, stateDir string, timeout time.Duration) (*Child, error) {
	// The token is made here, before the child starts, so that this
	// process can ask the child whether it is ready; the child reads
	// the same file.
	tok, err := api.LoadOrCreateToken(stateDir)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(stateDir, LogFile)
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	logf.Chmod(0o600) // one an older version left 0644
	defer logf.Close()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	child := exec.Command(self, args...)
	child.Env = append(os.Environ(), EnvDetached+"=1")
	child.Stdout, child.Stderr, child.Stdin = logf, logf, nil
	child.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := child.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	client := api.NewClient(addr, tok)
	deadline := time.Now().Add(timeout + 5*time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			b, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("the lab exited during start-up:\n%s", b)
		case <-ctx.Done():
			child.Process.Kill()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		st, err := client.Status(ctx)
		if err != nil || !st.Ready {
			continue
		}
		b, _ := os.ReadFile(logPath)
		return &Child{PID: st.PID, Log: logPath, Output: b, Token: tok}, nil
	}
	child.Process.Kill()
	return nil, fmt.Errorf("the detached lab did not become ready in time; see %s", logPath)
}
