package bgp

import (
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// restartedWithPeer is a speaker in the restarting role (deferral 60 s)
// whose one peer opens with the given capabilities and is Established.
func restartedWithPeer(t *testing.T, caps ...bgp.ParameterCapabilityInterface) (*Speaker, *recordConn, *clock.Virtual) {
	t.Helper()
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s, err := New(Config{ASN: 65000, RouterID: addr("10.0.0.1"), Families: []Family{IPv4Unicast}, Clock: clk, Transport: NewMemNetwork(clk),
		Restarting: true, SelectionDeferral: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.AddPeer(PeerConfig{Addr: addr("10.0.0.2"), ASN: 65000, Passive: true}); err != nil {
		t.Fatal(err)
	}
	rc := &recordConn{}
	s.accept(rc)
	caps = append(caps, bgp.NewCapMultiProtocol(bgp.RF_IPv4_UC), bgp.NewCapFourOctetASNumber(65000))
	open, err := bgp.NewBGPOpenMessage(65000, 90, addr("10.0.0.2"), []bgp.OptionParameterInterface{bgp.NewOptionParameterCapability(caps)})
	if err != nil {
		t.Fatal(err)
	}
	rc.recv(mustSerialize(t, open))
	rc.recv(mustSerialize(t, bgp.NewBGPKeepAliveMessage()))
	if st := s.PeerState(addr("10.0.0.2")); st != Established {
		t.Fatalf("state %v", st)
	}
	return s, rc, clk
}

// RFC 4724 4.1: a restarting speaker waits for End-of-RIB only from
// peers that advertised graceful restart. A peer without the capability
// (which may never send End-of-RIB) does not hold its routes back until
// the deferral timer: it advertises as soon as the session is up.
func TestRestartingSpeakerDoesNotWaitForEndOfRIBFromPeerWithoutGracefulRestart(t *testing.T) {
	s, rc, _ := restartedWithPeer(t)
	if s.Restarting() {
		t.Fatal("still deferring for the End-of-RIB of a peer that did not advertise graceful restart")
	}
	if eor := endOfRIBs(t, rc); eor != 1 {
		t.Errorf("sent %d End-of-RIB markers to the peer, want 1 (our table is complete)", eor)
	}
	if n := s.GracefulHelpers(); n != 0 {
		t.Errorf("GracefulHelpers %d: a peer without graceful restart keeps none of our routes", n)
	}
}

// A peer that advertised graceful restart is waited for until its
// End-of-RIB, and counts as keeping our routes.
func TestRestartingSpeakerWaitsForEndOfRIBFromGracefulPeer(t *testing.T) {
	gr := bgp.NewCapGracefulRestart(false, false, 120, []*bgp.CapGracefulRestartTuple{bgp.NewCapGracefulRestartTuple(bgp.RF_IPv4_UC, true)})
	s, rc, _ := restartedWithPeer(t, gr)
	if !s.Restarting() {
		t.Fatal("ended the deferral before the graceful peer's End-of-RIB")
	}
	if n := s.GracefulHelpers(); n != 1 {
		t.Errorf("GracefulHelpers %d, want 1", n)
	}
	rc.recv(mustSerialize(t, bgp.NewEndOfRib(bgp.RF_IPv4_UC)))
	if s.Restarting() {
		t.Error("still deferring after the peer's End-of-RIB")
	}
}

// A peer that is itself restarting (R bit) waits for our End-of-RIB
// before sending its own: RFC 4724 4.1 excludes it, or both would wait
// out the deferral timer.
func TestRestartingSpeakerDoesNotWaitForPeerThatIsRestartingToo(t *testing.T) {
	gr := bgp.NewCapGracefulRestart(true, false, 120, []*bgp.CapGracefulRestartTuple{bgp.NewCapGracefulRestartTuple(bgp.RF_IPv4_UC, true)})
	s, _, _ := restartedWithPeer(t, gr)
	if s.Restarting() {
		t.Error("deferring for the End-of-RIB of a peer that is restarting itself")
	}
}

func endOfRIBs(t *testing.T, rc *recordConn) int {
	n := 0
	for _, m := range rc.sentOfType(t, bgp.BGP_MSG_UPDATE, false) {
		if eor, _ := m.Body.(*bgp.BGPUpdate).IsEndOfRib(); eor {
			n++
		}
	}
	return n
}
