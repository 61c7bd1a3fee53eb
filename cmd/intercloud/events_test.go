package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a buffer a command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// follow runs `intercloud events --follow` until ctx ends, returning its
// output as it grows and its exit error when it returns.
func follow(ctx context.Context, args ...string) (*syncBuffer, <-chan error) {
	out := &syncBuffer{}
	done := make(chan error, 1)
	cmd := newRootCmd()
	cmd.SetOut(out)
	cmd.SetErr(out)
	cmd.SetArgs(append([]string{"events", "--follow"}, args...))
	go func() { done <- cmd.ExecuteContext(ctx) }()
	return out, done
}

func TestEventsFollowPrintsALinkDownAsItHappensAndEndsWithTheLab(t *testing.T) {
	api, _ := freeAPI(t)
	useStateDir(t, t.TempDir())
	upDone := make(chan struct{})
	go func() {
		run(t, "up", api, "--bgp-port="+api[strings.LastIndexByte(api, ':')+1:], "--bgp-transport=memory")
		close(upDone)
	}()
	waitUntil(t, 30*time.Second, "lab up", func() (bool, string) {
		out, errOut, code := run(t, "status", api)
		return code == 0 && strings.Contains(out, "converged"), out + errOut
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// --since prints the history first: once it shows, the stream is open.
	text, textDone := follow(ctx, api, "--since", "1h")
	js, jsDone := follow(context.Background(), api, "--since", "1h", "-o", "json")
	waitUntil(t, 10*time.Second, "the history printed", func() (bool, string) {
		return strings.Contains(text.String(), "adjacency-up") && strings.Contains(js.String(), `"kind":"adjacency-up"`), text.String()
	})
	downs := strings.Count(text.String(), "adjacency-down")
	if _, errOut, code := run(t, "link", api, "down", "pe1", "p1"); code != 0 {
		t.Fatalf("link down: %s", errOut)
	}
	waitUntil(t, 5*time.Second, "adjacency-down printed while following", func() (bool, string) {
		return strings.Count(text.String(), "adjacency-down") > downs && strings.Contains(js.String(), `"kind":"adjacency-down"`), text.String()
	})
	if !strings.Contains(js.String(), `{"id":`) {
		t.Errorf("-o json lines lack ids:\n%.300s", js.String())
	}
	cancel() // Ctrl-C
	select {
	case err := <-textDone:
		if err != nil {
			t.Errorf("events --follow ended by Ctrl-C: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("events --follow still running 5s after Ctrl-C")
	}
	run(t, "down", api)
	select {
	case err := <-jsDone:
		if err != nil {
			t.Errorf("events --follow ended by the lab stopping: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("events --follow still running 10s after the lab stopped")
	}
	<-upDone
}
