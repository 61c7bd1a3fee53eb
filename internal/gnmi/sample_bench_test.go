package gnmi

import (
	"context"
	"flag"
	"fmt"
	"github.com/intercloud/intercloud/internal/testpeer"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/generate"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// benchPOPs sizes BenchmarkSubscribeSampleCounters' lab: POPs of the
// 1,000-router lab's shape (2 P, 16 PE, 2 CEs per PE: 50 routers, and 5
// clouds, per POP); 20 is that lab (1,002 routers with its 2 route
// reflectors), 2 a 102-router one for a quick look.
var benchPOPs = flag.Int("gnmi.pops", 20, "POPs of BenchmarkSubscribeSampleCounters' generated lab (50 routers each)")

// BenchmarkSubscribeSampleCounters brings up the generated lab as the
// daemon does (its clock advanced as fast as the CPU allows) without and
// then with a collector: one gRPC connection and one STREAM subscription
// per router, SAMPLE every 1 s of lab time of
// /interfaces/interface[name=*]/state/counters, opened as the lab starts.
// ns/op and cpu-ns/op are the bring-up's, from Start to ready (lab time,
// lab-ms, is the same in both: sampling runs beside the routers, never on
// their clock). Once ready, round-ms and round-cpu-ms are one more
// second of lab time: without the collector the lab's own timers, with
// it those and one sample of every router (until every stream has
// received its notification); updates/round counts the counters sent.
func BenchmarkSubscribeSampleCounters(b *testing.B) {
	y, err := generate.Lab(generate.Params{POPs: *benchPOPs, PPerPOP: 2, PEPerPOP: 16, CEPerPE: 2, Clouds: 5 * *benchPOPs})
	if err != nil {
		b.Fatal(err)
	}
	res, err := topology.Load("bench.yaml", y)
	if err != nil {
		b.Fatal(err)
	}
	m := res.Model
	for _, subscribed := range []bool{false, true} {
		b.Run(fmt.Sprintf("routers=%d/subscribed=%v", len(m.Nodes), subscribed), func(b *testing.B) {
			var st sampleRun
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				st = runSampled(b, m, subscribed)
				b.StartTimer()
			}
			// Only the bring-ups count as the operation.
			b.ReportMetric(float64(st.ready.Nanoseconds()), "ns/op")
			b.ReportMetric(float64(st.readyCPU.Nanoseconds()), "cpu-ns/op")
			b.ReportMetric(float64(st.lab.Milliseconds()), "lab-ms")
			b.ReportMetric(float64(st.round.Microseconds())/1e3, "round-ms")
			b.ReportMetric(float64(st.roundCPU.Microseconds())/1e3, "round-cpu-ms")
			if subscribed {
				b.ReportMetric(float64(st.syncedAtReady), "synced-at-ready")
				b.ReportMetric(float64(st.roundUpdates), "updates/round")
			}
		})
	}
}

// sampleRun is what one bring-up measured.
type sampleRun struct {
	ready, readyCPU, lab time.Duration
	syncedAtReady        int
	round, roundCPU      time.Duration
	roundUpdates         int64
}

// collector is the client side of one router's subscription.
type collector struct {
	synced  atomic.Bool
	samples atomic.Int64 // notifications after the sync
	updates atomic.Int64 // their updates
}

func runSampled(b *testing.B, m *topology.Model, subscribed bool) sampleRun {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l, err := lab.New(m, lab.Options{Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	s := New(l, testToken)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Stop()
	ctx, cancel := context.WithCancel(authed(context.Background()))
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	var run sampleRun
	wall, cpu := time.Now(), testpeer.ProcessCPU()
	l.Start()
	var cols []*collector
	if subscribed {
		for _, n := range l.Nodes() {
			c := &collector{}
			cols = append(cols, c)
			wg.Add(1)
			go func() {
				defer wg.Done()
				collect(ctx, b, ln.Addr().String(), n.Model.Name, c)
			}()
		}
	}
	counts, took, ok := l.WaitReady(5*time.Minute, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) })
	if !ok {
		b.Fatalf("not ready after %v of lab time: %+v", took, counts)
	}
	run.ready, run.readyCPU, run.lab = time.Since(wall), testpeer.ProcessCPU()-cpu, took
	if !subscribed {
		// The lab's own second: its timers fire within Advance.
		wall, cpu = time.Now(), testpeer.ProcessCPU()
		clk.Advance(time.Second)
		run.round, run.roundCPU = time.Since(wall), testpeer.ProcessCPU()-cpu
		return run
	}
	for _, c := range cols {
		if c.synced.Load() {
			run.syncedAtReady++
		}
	}
	waitFor(b, "every subscription's initial answer", func() bool {
		for _, c := range cols {
			if !c.synced.Load() {
				return false
			}
		}
		return true
	})
	// One sample round: 1 s of lab time, then every stream's notification.
	before := make([]int64, len(cols))
	var updates int64
	for i, c := range cols {
		before[i], updates = c.samples.Load(), updates+c.updates.Load()
	}
	wall, cpu = time.Now(), testpeer.ProcessCPU()
	clk.Advance(time.Second)
	waitFor(b, "a sample from every router", func() bool {
		for i, c := range cols {
			if c.samples.Load() <= before[i] {
				return false
			}
		}
		return true
	})
	run.round, run.roundCPU = time.Since(wall), testpeer.ProcessCPU()-cpu
	for _, c := range cols {
		run.roundUpdates += c.updates.Load()
	}
	run.roundUpdates -= updates
	return run
}

// collect subscribes to target's interface counters as a collector does,
// on a connection of its own, and counts what arrives until ctx ends.
func collect(ctx context.Context, b *testing.B, addr, target string, c *collector) {
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Error(err)
		return
	}
	defer cc.Close()
	st, err := gpb.NewGNMIClient(cc).Subscribe(ctx)
	if err != nil {
		b.Error(err)
		return
	}
	req := &gpb.SubscribeRequest{Request: &gpb.SubscribeRequest_Subscribe{Subscribe: &gpb.SubscriptionList{
		Prefix: &gpb.Path{Target: target},
		Mode:   gpb.SubscriptionList_STREAM,
		Subscription: []*gpb.Subscription{{
			Path: &gpb.Path{Elem: []*gpb.PathElem{{Name: "interfaces"}, {Name: "interface", Key: map[string]string{"name": "*"}},
				{Name: "state"}, {Name: "counters"}}},
			Mode:           gpb.SubscriptionMode_SAMPLE,
			SampleInterval: uint64(time.Second),
		}},
	}}}
	if err := st.Send(req); err != nil {
		b.Error(err)
		return
	}
	for {
		resp, err := st.Recv()
		if err != nil {
			if ctx.Err() == nil {
				b.Errorf("%s: %v", target, err)
			}
			return
		}
		switch {
		case resp.GetSyncResponse():
			c.synced.Store(true)
		case resp.GetUpdate() != nil && c.synced.Load():
			c.updates.Add(int64(len(resp.GetUpdate().GetUpdate())))
			c.samples.Add(1)
		}
	}
}

// waitFor polls cond for up to five minutes of wall time (a 1,000-router
// lab on a loaded machine is slow, not stuck).
func waitFor(b *testing.B, what string, cond func() bool) {
	for deadline := time.Now().Add(5 * time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("no %s after 5 minutes", what)
		}
	}
}
