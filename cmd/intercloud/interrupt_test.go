package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A script that stops the lab as soon as it says it is up (a benchmark,
// a CI job) sends SIGINT the moment it reads "is up": up must already
// be listening for it, and stop the lab in order rather than die of it.
func TestCtrlCAnsweringIsUpStopsTheLabInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildIntercloud(t)
	for round := range 3 {
		_, addr := freeAPI(t)
		cmd := exec.Command(bin, "up", "--api="+addr, "--state-dir="+t.TempDir(), "--bgp-transport=memory", "--gnmi=")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		lines := make(chan string, 100)
		go func() {
			sc := bufio.NewScanner(out)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if strings.Contains(sc.Text(), " is up: ") {
					cmd.Process.Signal(os.Interrupt)
				}
				lines <- sc.Text()
			}
			close(lines)
			done <- cmd.Wait()
		}()
		var all []string
		timeout := time.After(60 * time.Second)
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				all = append(all, l)
			case <-timeout:
				cmd.Process.Kill()
				t.Fatalf("round %d: up neither came up nor stopped within 60 s:\n%s", round, strings.Join(all, "\n"))
			}
		}
		if err := <-done; err != nil {
			t.Fatalf("round %d: up ended with %v after SIGINT; it printed:\n%s", round, err, strings.Join(all, "\n"))
		}
		if last := all[len(all)-1]; last != "lab seed stopped" {
			t.Errorf("round %d: up's last line is %q, not that the lab stopped", round, last)
		}
	}
}
