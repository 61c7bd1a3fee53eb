package dataplane_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
)

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	macA = packet.MAC{0x02, 0, 0, 0, 0, 0xa}
	macB = packet.MAC{0x02, 0, 0, 0, 0, 0xb}
)

// frame returns an Ethernet frame of size bytes whose payload starts with
// seq, so a test can tell frames apart.
func frame(seq uint32, size int) *packet.Frame {
	f := packet.NewFrame(packet.DefaultHeadroom, size)
	b, _ := f.Extend(size)
	packet.Ethernet{Dst: macB, Src: macA, Type: packet.EtherTypeIPv4}.Put(b)
	binary.BigEndian.PutUint32(b[packet.EthernetHeaderLen:], seq)
	return f
}

func seqOf(f *packet.Frame) uint32 {
	return binary.BigEndian.Uint32(f.Bytes()[packet.EthernetHeaderLen:])
}

// arrival is a frame as a port's handler saw it.
type arrival struct {
	seq uint32
	at  time.Duration // since epoch
}

// sink records what a port receives.
type sink struct {
	mu  sync.Mutex
	clk clock.Clock
	got []arrival
}

func (s *sink) handle(f *packet.Frame) {
	s.mu.Lock()
	s.got = append(s.got, arrival{seqOf(f), s.clk.Now().Sub(epoch)})
	s.mu.Unlock()
	f.Release()
}

func (s *sink) arrivals() []arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]arrival(nil), s.got...)
}

// newLink returns a link on a fresh virtual clock with sinks on both ports.
func newLink(t *testing.T, cfg dataplane.Config) (*clock.Virtual, *dataplane.Link, *sink, *sink) {
	t.Helper()
	v := clock.NewVirtual(epoch)
	l, err := dataplane.NewLink(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	atA, atB := &sink{clk: v}, &sink{clk: v}
	l.A().SetHandler(atA.handle)
	l.B().SetHandler(atB.handle)
	return v, l, atA, atB
}

func TestLatencyIsExact(t *testing.T) {
	v, l, atA, atB := newLink(t, dataplane.Config{Name: "edm-tor",
		A: dataplane.Impairment{Latency: 30 * time.Millisecond},
		B: dataplane.Impairment{Latency: 10 * time.Millisecond}})
	l.A().Send(frame(1, 100))
	l.B().Send(frame(2, 100))

	v.Advance(10*time.Millisecond - time.Nanosecond)
	if len(atA.arrivals())+len(atB.arrivals()) != 0 {
		t.Fatal("a frame arrived before its latency")
	}
	v.Advance(time.Nanosecond)
	if got, want := atA.arrivals(), []arrival{{2, 10 * time.Millisecond}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("at A: %v, want %v", got, want)
	}
	v.AdvanceTo(epoch.Add(30*time.Millisecond - time.Nanosecond))
	if len(atB.arrivals()) != 0 {
		t.Fatal("frame A->B arrived before 30ms")
	}
	v.Advance(time.Nanosecond)
	if got, want := atB.arrivals(), []arrival{{1, 30 * time.Millisecond}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("at B: %v, want %v", got, want)
	}
	a, b := l.A().Stats(), l.B().Stats()
	if a.TxFrames != 1 || a.TxBytes != 100 || a.RxFrames != 1 || b.RxFrames != 1 || b.RxBytes != 100 || a.TotalDrops()+b.TotalDrops() != 0 {
		t.Errorf("stats A %+v B %+v", a, b)
	}
}

func TestDeliveryIsScheduledNotSynchronous(t *testing.T) {
	v, l, _, atB := newLink(t, dataplane.Config{Name: "l"})
	for i := range 3 {
		l.A().Send(frame(uint32(i), 64))
	}
	if len(atB.arrivals()) != 0 {
		t.Fatal("a zero-latency frame was delivered inside Send")
	}
	v.Advance(0)
	want := []arrival{{0, 0}, {1, 0}, {2, 0}}
	if got := atB.arrivals(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestJitterStaysWithinBoundsAndKeepsOrder(t *testing.T) {
	const latency, jitter = 30 * time.Millisecond, 5 * time.Millisecond
	v, l, _, atB := newLink(t, dataplane.Config{Name: "l", Seed: 42,
		A: dataplane.Impairment{Latency: latency, Jitter: jitter}})
	// Spaced wider than the jitter, so no frame is held back behind another
	// and each delay is the drawn one.
	const n, gap = 500, 20 * time.Millisecond
	for i := range n {
		l.A().Send(frame(uint32(i), 64))
		v.Advance(gap)
	}
	v.Advance(time.Second)
	got := atB.arrivals()
	if len(got) != n {
		t.Fatalf("%d frames arrived, want %d", len(got), n)
	}
	lo, hi := time.Hour, time.Duration(0)
	for i, a := range got {
		d := a.at - time.Duration(a.seq)*gap
		if d < latency-jitter || d > latency+jitter {
			t.Fatalf("frame %d took %v, outside %v±%v", a.seq, d, latency, jitter)
		}
		if a.seq != uint32(i) {
			t.Fatalf("frame %d arrived in position %d", a.seq, i)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	if hi-lo < jitter { // 500 uniform draws over 10ms span well over 5ms
		t.Errorf("delays span only %v..%v: no jitter applied", lo, hi)
	}

	// Back to back, jitter may not reorder: arrivals never go backwards.
	atB.got = nil
	for i := range 100 {
		l.A().Send(frame(uint32(i), 64))
	}
	v.Advance(time.Second)
	got = atB.arrivals()
	for i := range got {
		if got[i].seq != uint32(i) || (i > 0 && got[i].at < got[i-1].at) {
			t.Fatalf("reordered: %v", got)
		}
	}
}

func TestLossMatchesSettingAndIsRepeatable(t *testing.T) {
	const n, loss = 20000, 0.1
	run := func(seed uint64) ([]arrival, dataplane.Stats) {
		v, l, _, atB := newLink(t, dataplane.Config{Name: "l", Seed: seed,
			A: dataplane.Impairment{Loss: loss, Latency: time.Millisecond}})
		for i := range n {
			l.A().Send(frame(uint32(i), 64))
		}
		v.Advance(time.Second)
		return atB.arrivals(), l.A().Stats()
	}
	got, st := run(7)
	lost := n - len(got)
	// Binomial: mean 2000, sd 42; 5 sd either side.
	if sd := math.Sqrt(n * loss * (1 - loss)); math.Abs(float64(lost)-n*loss) > 5*sd {
		t.Errorf("lost %d of %d, want about %d", lost, n, int(n*loss))
	}
	if st.Drops(dataplane.DropLoss) != uint64(lost) || st.TxFrames != n {
		t.Errorf("stats %+v, lost %d", st, lost)
	}
	again, _ := run(7)
	if !reflect.DeepEqual(got, again) {
		t.Error("the same seed lost different frames")
	}
	other, _ := run(8)
	if reflect.DeepEqual(got, other) {
		t.Error("different seeds lost the same frames")
	}
}

func TestRateLimitQueuesAndTailDrops(t *testing.T) {
	// 1 Mbit/s: a 1250-byte frame takes 10ms. The queue holds 5000 bytes,
	// counting the frame being serialized.
	v, l, _, atB := newLink(t, dataplane.Config{Name: "l", MTU: 9000,
		A: dataplane.Impairment{Rate: 1_000_000, QueueBytes: 5000, Latency: time.Millisecond}})
	for i := range 10 {
		l.A().Send(frame(uint32(i), 1250))
	}
	v.Advance(time.Second)
	want := []arrival{{0, 11 * time.Millisecond}, {1, 21 * time.Millisecond}, {2, 31 * time.Millisecond}, {3, 41 * time.Millisecond}}
	if got := atB.arrivals(); !reflect.DeepEqual(got, want) {
		t.Errorf("arrivals %v, want %v", got, want)
	}
	if st := l.A().Stats(); st.TxFrames != 4 || st.Drops(dataplane.DropQueue) != 6 {
		t.Errorf("stats %+v", st)
	}
}

func TestRateLimitThroughput(t *testing.T) {
	// Offer 10 Mbit/s to a 2 Mbit/s line for 10 s: it delivers 2 Mbit/s
	// and tail-drops the rest.
	const rate, size = 2_000_000, 1000
	v, l, _, atB := newLink(t, dataplane.Config{Name: "l", A: dataplane.Impairment{Rate: rate}})
	const period = 10 * time.Second
	sent := 0
	for elapsed := time.Duration(0); elapsed < period; elapsed += 800 * time.Microsecond {
		l.A().Send(frame(uint32(sent), size))
		sent++
		v.Advance(800 * time.Microsecond)
	}
	got := atB.arrivals()
	bps := float64(len(got)*size*8) / period.Seconds()
	if math.Abs(bps-rate)/rate > 0.01 {
		t.Errorf("delivered %.0f bit/s, want %d within 1%%", bps, rate)
	}
	st := l.A().Stats()
	if st.Drops(dataplane.DropQueue) == 0 || st.TxFrames+st.Drops(dataplane.DropQueue) != uint64(sent) {
		t.Errorf("stats %+v after %d sent", st, sent)
	}
	// Frames leave no faster than the line sends them, and the default
	// queue (what 2 Mbit/s sends in 50ms) bounds how long any waits.
	const txTime = size * 8 * time.Second / rate
	for i, a := range got {
		if i > 0 && a.at-got[i-1].at < txTime {
			t.Fatalf("frames %d and %d arrived %v apart, faster than the line", got[i-1].seq, a.seq, a.at-got[i-1].at)
		}
		if wait := a.at - time.Duration(a.seq)*800*time.Microsecond; wait > dataplane.DefaultQueueTime+txTime {
			t.Fatalf("frame %d took %v, longer than the queue allows", a.seq, wait)
		}
	}
}

func TestDownLinkDropsAndUpDelivers(t *testing.T) {
	v, l, _, atB := newLink(t, dataplane.Config{Name: "l", A: dataplane.Impairment{Latency: 10 * time.Millisecond}})
	var carrier []bool
	l.A().SetCarrierHandler(func(up bool) { carrier = append(carrier, up) })
	l.B().SetCarrierHandler(func(up bool) { carrier = append(carrier, up) })

	l.A().Send(frame(1, 64)) // in flight when the link goes down
	v.Advance(5 * time.Millisecond)
	l.SetUp(false)
	l.SetUp(false) // no change, no carrier event
	l.A().Send(frame(2, 64))
	v.Advance(time.Second)
	if got := atB.arrivals(); len(got) != 0 {
		t.Fatalf("down link delivered %v", got)
	}
	if st := l.A().Stats(); st.Drops(dataplane.DropDown) != 2 || l.Up() {
		t.Errorf("stats %+v up %v", st, l.Up())
	}

	l.SetUp(true)
	l.A().Send(frame(3, 64))
	v.Advance(10 * time.Millisecond)
	if got := atB.arrivals(); len(got) != 1 || got[0].seq != 3 {
		t.Fatalf("after up: %v", got)
	}
	if want := []bool{false, false, true, true}; !reflect.DeepEqual(carrier, want) {
		t.Errorf("carrier events %v, want %v", carrier, want)
	}
}

func TestMTUAndRunts(t *testing.T) {
	v, l, _, atB := newLink(t, dataplane.Config{Name: "l"})
	l.A().Send(frame(1, packet.EthernetHeaderLen+1500))
	l.A().Send(frame(2, packet.EthernetHeaderLen+1501))
	l.A().Send(packet.FrameFrom([]byte{1, 2, 3}))
	if err := l.SetMTU(9000); err != nil {
		t.Fatal(err)
	}
	l.A().Send(frame(3, packet.EthernetHeaderLen+1501))
	v.Advance(0)
	if got := atB.arrivals(); len(got) != 2 || got[0].seq != 1 || got[1].seq != 3 {
		t.Errorf("arrivals %v", got)
	}
	st := l.A().Stats()
	if st.Drops(dataplane.DropMTU) != 1 || st.Drops(dataplane.DropRunt) != 1 {
		t.Errorf("stats %+v", st)
	}
	if l.SetMTU(0) == nil {
		t.Error("SetMTU(0) accepted")
	}
}

func TestNoHandlerDrops(t *testing.T) {
	v := clock.NewVirtual(epoch)
	l, _ := dataplane.NewLink(v, dataplane.Config{Name: "l"})
	l.A().Send(frame(1, 64))
	v.Advance(0)
	if st := l.A().Stats(); st.Drops(dataplane.DropNoHandler) != 1 || st.TxFrames != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestImpairmentChangesAtRunTime(t *testing.T) {
	v, l, _, atB := newLink(t, dataplane.Config{Name: "l", A: dataplane.Impairment{Latency: 30 * time.Millisecond}})
	l.A().Send(frame(1, 64)) // arrives at 30ms
	if err := l.A().SetImpairment(dataplane.Impairment{Latency: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	l.A().Send(frame(2, 64)) // would arrive at 10ms: held behind frame 1
	v.Advance(25 * time.Millisecond)
	l.A().Send(frame(3, 64)) // 25+10
	v.Advance(time.Second)
	want := []arrival{{1, 30 * time.Millisecond}, {2, 30 * time.Millisecond}, {3, 35 * time.Millisecond}}
	if got := atB.arrivals(); !reflect.DeepEqual(got, want) {
		t.Errorf("arrivals %v, want %v", got, want)
	}
	if got := l.A().Impairment().Latency; got != 10*time.Millisecond {
		t.Errorf("Impairment().Latency = %v", got)
	}
	if err := l.A().SetImpairment(dataplane.Impairment{Loss: 1.5}); err == nil {
		t.Error("loss 1.5 accepted")
	}
}

func TestDownUpReArmsForEarlierFrame(t *testing.T) {
	// A frame with a long delay is dropped by a down/up; a frame sent
	// afterwards with a short delay must not wait for the old timer.
	v, l, _, atB := newLink(t, dataplane.Config{Name: "l", A: dataplane.Impairment{Latency: time.Second}})
	l.A().Send(frame(1, 64))
	l.SetUp(false)
	l.SetUp(true)
	_ = l.A().SetImpairment(dataplane.Impairment{Latency: time.Millisecond})
	l.A().Send(frame(2, 64))
	v.Advance(time.Millisecond)
	if got := atB.arrivals(); len(got) != 1 || got[0] != (arrival{2, time.Millisecond}) {
		t.Fatalf("arrivals %v", got)
	}
}

func TestNewLinkValidates(t *testing.T) {
	v := clock.NewVirtual(epoch)
	bad := []dataplane.Config{
		{MTU: -1},
		{A: dataplane.Impairment{Latency: -1}},
		{B: dataplane.Impairment{Jitter: -1}},
		{A: dataplane.Impairment{Loss: math.NaN()}},
		{B: dataplane.Impairment{QueueBytes: -1}},
	}
	for _, cfg := range bad {
		if _, err := dataplane.NewLink(v, cfg); err == nil {
			t.Errorf("NewLink(%+v) accepted", cfg)
		}
	}
	if _, err := dataplane.NewLink(nil, dataplane.Config{}); err == nil {
		t.Error("NewLink without a clock accepted")
	}
	l, _ := dataplane.NewLink(v, dataplane.Config{Name: "pe1-p1", AName: "pe1:eth1", Down: true})
	if l.A().Name() != "pe1:eth1" || l.B().Name() != "pe1-p1.b" || l.A().Peer() != l.B() || l.B().Link() != l || l.Up() {
		t.Error("names, peers or initial state wrong")
	}
}

func TestRealClockDeliversInOrder(t *testing.T) {
	l, err := dataplane.NewLink(clock.Real(), dataplane.Config{Name: "l",
		A: dataplane.Impairment{Latency: time.Millisecond, Jitter: 500 * time.Microsecond}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	got := make(chan uint32, n)
	l.B().SetHandler(func(f *packet.Frame) { got <- seqOf(f); f.Release() })
	var wg sync.WaitGroup
	// Concurrent senders (run with -race); each sender's frames keep order.
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n / 4 {
				l.A().Send(frame(uint32(g<<16|i), 64))
			}
		}()
	}
	wg.Wait()
	last := map[uint32]int{}
	timeout := time.After(10 * time.Second)
	for range n {
		select {
		case s := <-got:
			g, i := s>>16, int(s&0xffff)
			if prev, ok := last[g]; ok && i <= prev {
				t.Fatalf("sender %d: frame %d after %d", g, i, prev)
			}
			last[g] = i
		case <-timeout:
			t.Fatalf("real clock: only %d frames in 10s", len(last))
		}
	}
}

func TestSendFromHandlerChainsLinks(t *testing.T) {
	// Three links in a row; each middle port forwards what it receives, as
	// a router would, from inside its handler.
	v := clock.NewVirtual(epoch)
	var links []*dataplane.Link
	for i := range 3 {
		l, _ := dataplane.NewLink(v, dataplane.Config{Name: "l", A: dataplane.Impairment{Latency: time.Duration(i+1) * time.Millisecond}})
		links = append(links, l)
	}
	for i := range 2 {
		next := links[i+1].A()
		links[i].B().SetHandler(func(f *packet.Frame) { next.Send(f) })
	}
	end := &sink{clk: v}
	links[2].B().SetHandler(end.handle)
	links[0].A().Send(frame(9, 64))
	v.Advance(time.Second)
	if got := end.arrivals(); len(got) != 1 || got[0] != (arrival{9, 6 * time.Millisecond}) {
		t.Fatalf("arrivals %v, want frame 9 at 1+2+3ms", got)
	}
}

func ExampleLink() {
	v := clock.NewVirtual(epoch)
	l, _ := dataplane.NewLink(v, dataplane.Config{Name: "edmonton-toronto",
		A: dataplane.Impairment{Latency: 30 * time.Millisecond}})
	l.B().SetHandler(func(f *packet.Frame) {
		d, _ := packet.Decode(f.Bytes())
		fmt.Println(v.Now().Sub(epoch), d)
		f.Release()
	})
	echo, _ := packet.ICMP{Type: packet.ICMPEchoRequest, ID: 1, Seq: 1}.Marshal()
	f := packet.FrameFrom(echo)
	_ = packet.PushIPv4(f, packet.IPv4{TTL: 64, Protocol: packet.ProtocolICMP,
		Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2")})
	_ = packet.PushEthernet(f, packet.Ethernet{Dst: macB, Src: macA, Type: packet.EtherTypeIPv4})
	l.A().Send(f)
	v.Advance(time.Second) // no wall time passes
	// Output: 30ms IPv4 10.0.0.1 > 10.0.0.2 ttl 64 ICMP echo request id 1 seq 1
}
