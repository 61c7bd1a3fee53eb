package lab

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/testpeer"
)

// TestReadyWaitsForBGPStillInFlightOverTCP plays a slow machine: pe1's
// main speaker reads every UPDATE late, so its sessions are Established
// and the core quiet while its VPN routes are still in a socket. The
// lab is not ready until they are handled; once it says ready, ce1
// reaches ce2 at once (`up` then `ping` with nothing in between).
func TestReadyWaitsForBGPStillInFlightOverTCP(t *testing.T) {
	l, clk := newTCPSeedLab(t, testpeer.LabPort(t))
	pe1 := mustTCP(t, l, "pe1")
	gate := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release) // before Close: no reader stays blocked
	slowPE1 := func(to netip.AddrPort, msg []byte) {
		if to.Addr() == pe1 && len(msg) > 18 && msg[18] == 2 { // an UPDATE
			<-gate
		}
	}
	l.tcp.beforeHandle.Store(&slowPE1)
	// As the daemon does: lab time runs at most four times the wall's.
	advance := func(d time.Duration) {
		clk.Advance(d)
		time.Sleep(d / 4)
	}
	l.Start()
	if c, _, ok := l.WaitReady(5*time.Second, 10*time.Millisecond, advance); ok {
		t.Fatalf("ready with pe1's UPDATEs unread: %+v", c)
	}
	if c := l.Counts(); c.BGPEstablished != c.BGPSessions || !c.Ready {
		t.Fatalf("the test holds the wrong thing: sessions and core should be up: %+v", c)
	}
	release()
	if c, _, ok := l.WaitReady(clk.Now().Sub(l.Started())+20*time.Second, 10*time.Millisecond, advance); !ok {
		t.Fatalf("not ready once pe1 reads its UPDATEs: %+v", c)
	}
	if r := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 1, TTL: 64}); r.Received != 1 {
		t.Fatalf("ping ce1 -> ce2 right after ready: %+v", r)
	}
}
