package lab

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/intercloud/intercloud/internal/clock"
)

// inboxRecorder is a speaker's end of an inbox: what it was handed, in
// order (a close as "closed: err"), and in how many clock callbacks.
type inboxRecorder struct {
	got     []string
	batches int
	inBatch bool // a message was handed since the clock last moved
	closed  int
}

func newRecordedInbox(clk clock.Clock) (*inbox, *inboxRecorder) {
	r := &inboxRecorder{}
	b := newInbox(clk, func(msg []byte) {
		if !r.inBatch {
			r.batches++
			r.inBatch = true
		}
		r.got = append(r.got, string(msg))
	}, func(err error) {
		r.closed++
		r.got = append(r.got, "closed: "+err.Error())
	})
	return b, r
}

// advance moves clk on; what it hands the speaker meanwhile is a batch.
func (r *inboxRecorder) advance(clk *clock.Virtual) {
	clk.Advance(0)
	r.inBatch = false
}

func TestInboxHandsABurstToTheSpeakerOnTheClockInOrder(t *testing.T) {
	clk := clock.NewVirtual(epoch)
	b, r := newRecordedInbox(clk)
	var want []string
	for i := range 100 {
		msg := fmt.Sprintf("m%d", i)
		want = append(want, msg)
		b.push([]byte(msg))
	}
	if len(r.got) != 0 {
		t.Fatalf("handed %d messages before the clock moved", len(r.got))
	}
	r.advance(clk)
	if !slices.Equal(r.got, want) || r.batches != 1 {
		t.Fatalf("got %v in %d callbacks, want %v in one", r.got, r.batches, want)
	}
	b.push([]byte("later"))
	r.advance(clk)
	if r.got[len(r.got)-1] != "later" || r.batches != 2 {
		t.Fatalf("a message read after the burst: got %v in %d callbacks", r.got, r.batches)
	}
}

func TestInboxReportsTheFarEndsCloseOnceAfterWhatWasRead(t *testing.T) {
	clk := clock.NewVirtual(epoch)
	b, r := newRecordedInbox(clk)
	b.push([]byte("a"))
	b.push([]byte("b"))
	b.end(errors.New("reset"))
	clk.Advance(0)
	b.end(errors.New("again")) // a late report changes nothing
	clk.Advance(0)
	if want := []string{"a", "b", "closed: reset"}; !slices.Equal(r.got, want) || r.closed != 1 {
		t.Fatalf("handed %v, want %v", r.got, want)
	}
}

func TestInboxHandsNothingAfterALocalClose(t *testing.T) {
	clk := clock.NewVirtual(epoch)
	b, r := newRecordedInbox(clk)
	// The speaker closes the connection while handling the second
	// message (an error it answers with a NOTIFICATION, say).
	b.recv = func(msg []byte) {
		r.got = append(r.got, string(msg))
		if string(msg) == "2" {
			b.stop()
		}
	}
	for _, m := range []string{"1", "2", "3"} {
		b.push([]byte(m))
	}
	b.end(errors.New("eof"))
	clk.Advance(0)
	b.push([]byte("4"))
	clk.Advance(0)
	if want := []string{"1", "2"}; !slices.Equal(r.got, want) {
		t.Fatalf("handed %v, want %v and no close", r.got, want)
	}
}

// overfull fills an inbox to its limit and has a reader push one more
// message: pushed closes once that push returns. Run it in a synctest
// bubble.
func overfull(clk *clock.Virtual) (b *inbox, r *inboxRecorder, pushed chan struct{}) {
	b, r = newRecordedInbox(clk)
	for range inboxLimit {
		b.push([]byte("x"))
	}
	pushed = make(chan struct{})
	go func() {
		b.push([]byte("over"))
		close(pushed)
	}()
	synctest.Wait()
	return b, r, pushed
}

func TestInboxHoldsTheReaderWhileFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := clock.NewVirtual(epoch)
		_, r, pushed := overfull(clk)
		select {
		case <-pushed:
			t.Fatal("the reader queued a message beyond the limit")
		default:
		}
		clk.Advance(0) // the speaker takes the batch: room again
		<-pushed
		clk.Advance(0)
		if len(r.got) != inboxLimit+1 || r.got[inboxLimit] != "over" {
			t.Fatalf("handed %d messages, the last %q", len(r.got), r.got[len(r.got)-1])
		}
	})
}

func TestInboxFreesAReaderWaitingWhenClosedLocally(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := clock.NewVirtual(epoch)
		b, r, pushed := overfull(clk)
		b.stop()
		<-pushed
		clk.Advance(0)
		if len(r.got) != 0 {
			t.Fatalf("handed %d messages after a local close", len(r.got))
		}
	})
}
