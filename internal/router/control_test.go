package router

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/topology"
)

type ctlRecv struct {
	iface string
	msg   any
	at    time.Duration
}

// pair is x:eth0 -- y:eth0 with the given impairment.
func pair(t *testing.T, imp dataplane.Impairment) (*testNet, *Router, *Router, *dataplane.Link) {
	n := newNet(t)
	x := n.router("x", topology.RoleP, "10.255.0.1/32")
	y := n.router("y", topology.RoleP, "10.255.0.2/32")
	l := n.link("x", "eth0", "10.1.0.1/30", "y", "eth0", "10.1.0.2/30", imp)
	return n, x, y, l
}

func TestControlMessagesTakeLatencyInOrder(t *testing.T) {
	// Random loss and a slow rate apply to frames, not control messages.
	n, x, y, _ := pair(t, dataplane.Impairment{Latency: 30 * time.Millisecond, Loss: 1, Rate: 1000})
	var got []ctlRecv
	y.HandleControl(ProtoOSPF, func(iface string, msg any) {
		if y.ctl.TryLock() {
			y.ctl.Unlock()
			t.Error("handler ran without the control lock")
		}
		got = append(got, ctlRecv{iface, msg, n.clk.Now().Sub(epoch)})
	})
	x.Do(func() {
		for i := range 3 {
			x.SendControl("eth0", ProtoOSPF, i)
		}
	})
	n.clk.Advance(29 * time.Millisecond)
	if len(got) != 0 {
		t.Fatalf("delivered before the latency: %v", got)
	}
	n.clk.Advance(time.Millisecond)
	want := []ctlRecv{{"eth0", 0, 30 * time.Millisecond}, {"eth0", 1, 30 * time.Millisecond}, {"eth0", 2, 30 * time.Millisecond}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// No handler for the protocol there: lost, and counted.
	x.SendControl("eth0", ProtoLDP, "x")
	n.run()
	if sent, lost := x.ControlStats("eth0"); sent != 4 || lost != 1 {
		t.Errorf("control stats sent %d lost %d, want 4 and 1", sent, lost)
	}
}

func TestControlMessagesLostWithLink(t *testing.T) {
	n, x, y, l := pair(t, dataplane.Impairment{Latency: 10 * time.Millisecond})
	var got []any
	y.HandleControl(ProtoLDP, func(_ string, msg any) { got = append(got, msg) })
	l.SetUp(false)
	x.SendControl("eth0", ProtoLDP, "while down")
	n.run()
	// In flight when the link flaps: lost, although it is up on arrival.
	l.SetUp(true)
	x.SendControl("eth0", ProtoLDP, "in flight")
	n.clk.Advance(5 * time.Millisecond)
	l.SetUp(false)
	l.SetUp(true)
	n.run()
	x.SendControl("eth0", ProtoLDP, "after")
	n.run()
	if !slices.Equal(got, []any{"after"}) {
		t.Errorf("delivered %v, want only the message sent after the flap", got)
	}
}

func TestCarrierChangesInterfaceAndRoutes(t *testing.T) {
	n, x, _, l := pair(t, dataplane.Impairment{})
	var changes []InterfaceState
	x.OnInterfaceChange(func(s InterfaceState) {
		if x.ctl.TryLock() {
			x.ctl.Unlock()
			t.Error("interface watcher ran without the control lock")
		}
		changes = append(changes, s)
	})
	l.SetUp(false)
	if st, _ := x.Interface("eth0"); st.Up {
		t.Error("eth0 still up")
	}
	if gws, _ := fibVia(x, "", "10.1.0.2"); gws != nil {
		t.Errorf("connected route via a down interface: %v", gws)
	}
	n.clk.Advance(time.Second)
	l.SetUp(true)
	if gws, _ := fibVia(x, "", "10.1.0.2"); len(gws) != 1 {
		t.Errorf("connected route not back: %v", gws)
	}
	want := []InterfaceState{
		{Name: "eth0", Addr: pfx("10.1.0.1/30"), Up: false, Peer: "y"},
		{Name: "eth0", Addr: pfx("10.1.0.1/30"), Up: true, Peer: "y"},
	}
	if !slices.Equal(changes, want) {
		t.Errorf("changes %v, want %v", changes, want)
	}
	var kinds []string
	for _, e := range x.Events(time.Time{}) {
		kinds = append(kinds, fmt.Sprintf("%s %s %s +%v", e.Node, e.Kind, e.Detail, e.Time.Sub(epoch)))
	}
	if !slices.Equal(kinds, []string{"x interface-down eth0 +0s", "x interface-up eth0 +1s"}) {
		t.Errorf("events %v", kinds)
	}
}

func TestAfterFuncRunsUnderLockAndStops(t *testing.T) {
	n, x, _, _ := pair(t, dataplane.Impairment{})
	var ran []string
	x.AfterFunc(time.Second, func() {
		if x.ctl.TryLock() {
			x.ctl.Unlock()
			t.Error("timer ran without the control lock")
		}
		ran = append(ran, "a")
	})
	stopped := x.AfterFunc(time.Second, func() { ran = append(ran, "stopped") })
	reset := x.AfterFunc(time.Second, func() { ran = append(ran, fmt.Sprint("reset@", n.clk.Now().Sub(epoch))) })
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop should report pending once")
	}
	reset.Reset(3 * time.Second)
	n.run()
	if !slices.Equal(ran, []string{"a", "reset@3s"}) {
		t.Errorf("ran %v", ran)
	}
	// A timer whose callback fired but is waiting for the lock while the
	// protocol stops it does not run.
	late := x.AfterFunc(time.Second, func() { ran = append(ran, "late") })
	x.ctl.Lock()
	done := make(chan struct{})
	go func() { n.clk.Advance(time.Second); close(done) }()
	// Wait until the clock's goroutine is blocked on the lock: the timer
	// has left the clock's queue.
	for deadline := time.Now().Add(10 * time.Second); n.clk.Pending() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			x.ctl.Unlock()
			t.Fatal("the clock never took the timer off its queue")
		}
	}
	late.Stop()
	x.ctl.Unlock()
	<-done
	if slices.Contains(ran, "late") {
		t.Error("stopped timer ran after winning the lock")
	}
}

func TestEventLogBounded(t *testing.T) {
	n := newNet(t)
	var sink []Event
	r := n.router("r", topology.RoleP, "", func(c *Config) {
		c.EventLog = 3
		c.EventSink = func(e Event) { sink = append(sink, e) }
	})
	for i := range 5 {
		r.Event("spf", fmt.Sprint(i))
		n.clk.Advance(time.Second)
	}
	var got []string
	for _, e := range r.Events(time.Time{}) {
		got = append(got, e.Detail)
	}
	if !slices.Equal(got, []string{"2", "3", "4"}) {
		t.Errorf("events %v, want the last 3", got)
	}
	if es := r.Events(epoch.Add(3 * time.Second)); len(es) != 1 || es[0].Detail != "4" {
		t.Errorf("events since +3s: %v", es)
	}
	if len(sink) != 5 {
		t.Errorf("sink got %d events, want 5", len(sink))
	}
}
