package api

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFollowingEventsSeesALinkDownsAdjacencyDownWithinFiveSeconds(t *testing.T) {
	c := startLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := make(chan NumberedEvent, 1024)
	done := make(chan error, 1)
	// Follow from the newest event the metrics count, so the link's
	// events cannot slip in before the stream opens.
	newest, _ := sum(scrape(t, c), "intercloud_lab_events_total", func(map[string]string) bool { return true })
	go func() {
		q := url.Values{"after": {strconv.FormatUint(uint64(newest), 10)}}
		done <- c.Follow(ctx, q, func(e NumberedEvent) error { got <- e; return nil })
	}()
	if err := c.Do(ctx, "PUT", "/links/pe1/p1", nil, LinkChange{Up: ptr(false)}, nil); err != nil {
		t.Fatal(err)
	}
	bound := time.After(5 * time.Second)
	var last uint64
	for {
		select {
		case e := <-got:
			if e.ID <= last {
				t.Fatalf("event ids go %d then %d", last, e.ID)
			}
			last = e.ID
			if e.Kind == "adjacency-down" {
				// Resuming after an id gives what came after it, nothing before.
				rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
				defer rcancel()
				var first uint64
				c.Follow(rctx, url.Values{"after": {strconv.FormatUint(e.ID-1, 10)}}, func(r NumberedEvent) error {
					first = r.ID
					return errStop
				})
				if first != e.ID {
					t.Errorf("resumed after %d at %d", e.ID-1, first)
				}
				return
			}
		case err := <-done:
			t.Fatalf("stream ended: %v", err)
		case <-bound:
			t.Fatal("no adjacency-down within 5s of taking pe1-p1 down")
		}
	}
}

func TestEventStreamEndsWhenTheServerCloses(t *testing.T) {
	srv, addr := rawServer(t)
	c := NewClient(addr, srv.Token())
	done := make(chan error, 1)
	go func() { done <- c.Follow(context.Background(), nil, func(NumberedEvent) error { return nil }) }()
	waitFollowers(t, srv, 1)
	srv.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stream ended with %v, want a clean end", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open 5s after the server closed")
	}
}

func TestReadSSEFollowsTheWHATWGRules(t *testing.T) {
	in := ": comment\nid: 1\ndata: {\"a\":1}\n\nevent: x\ndata: one\ndata: two\n\nid: 3\n\ndata:tight\r\n\r\n"
	var got []string
	if err := ReadSSE(strings.NewReader(in), func(id, data string) error { got = append(got, id+"="+data); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []string{`1={"a":1}`, "1=one\ntwo", "3=tight"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

var errStop = errors.New("stop")

// waitFollowers waits, bounded, until srv streams events to n clients.
func waitFollowers(t *testing.T, srv *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Followers() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d clients follow the events after 5s, want %d", srv.Followers(), n)
		}
		time.Sleep(5 * time.Millisecond) // poll interval of a bounded wait
	}
}
