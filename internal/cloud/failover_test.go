package cloud

import (
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/agents"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

// TestDynamicRoutingSpeakerFailover moves edmonton's speaker between its
// two dragents while a VM pings a VM in toronto (200 pings, 10 ms apart,
// on the virtual clock): first as an admin does when an agent dies
// (admin_state_up false, then the speaker added to the other agent),
// then back (the agent re-enabled, the speaker removed from the second
// and added to the first). Each move restarts the speaker gracefully
// (RFC 4724): ce1 keeps its routes as stale, so not one ping is lost,
// and the session comes back. Unscheduled for good, the speaker stays
// down and ce1 drops its routes once their restart time has run out.
func TestDynamicRoutingSpeakerFailover(t *testing.T) {
	e := start(t, loadModel(t, "two-clouds.yaml"), t.TempDir())
	a, b := e.setupCloud("edmonton"), e.setupCloud("toronto")
	e.addBGP(a, e.cloudASN("edmonton"))
	e.addBGP(b, e.cloudASN("toronto"))
	e.until("ce2 learns edmonton's subnet and ce1 toronto's", 5*time.Second, func() bool {
		return e.has("ce2", "", a.tenant) && e.has("ce1", "", b.tenant)
	})

	ctx := ctxT(t)
	pages, err := agents.List(a.adm, agents.ListOpts{AgentType: "BGP dynamic routing agent"}).AllPages(ctx)
	must(t, err)
	all, err := agents.ExtractAgents(pages)
	must(t, err)
	hosts := map[string]string{} // host -> agent id
	for _, ag := range all {
		hosts[ag.Host] = ag.ID
	}
	first, second := hosts["edmonton-network"], hosts["edmonton-network-2"]
	if len(all) != 2 || first == "" || second == "" {
		t.Fatalf("edmonton's dragents: %+v, want edmonton-network and edmonton-network-2", all)
	}
	hosting := func() []string {
		t.Helper()
		pages, err := agents.ListDRAgentHostingBGPSpeakers(a.adm, a.speaker).AllPages(ctx)
		must(t, err)
		l, err := agents.ExtractAgents(pages)
		must(t, err)
		var out []string
		for _, ag := range l {
			out = append(out, ag.Host)
		}
		return out
	}
	if h := hosting(); len(h) != 1 || h[0] != "edmonton-network" {
		t.Fatalf("speaker hosted by %v, want edmonton-network", h)
	}
	since := e.clk.Now()

	ping, err := e.lab.StartPing(a.vm.String(), b.vm.String(), router.PingOptions{Count: 200, Interval: 10 * time.Millisecond})
	must(t, err)
	moves := map[int]func(){
		// The first agent dies: the admin disables it and gives its
		// speaker to the second.
		500: func() {
			must(t, agents.Update(ctx, a.adm, first, agents.UpdateOpts{AdminStateUp: ptr(false)}).Err)
			if !e.has("ce1", "", a.tenant) {
				t.Error("ce1 dropped edmonton's subnet when the speaker's agent was disabled")
			}
			must(t, agents.ScheduleBGPSpeaker(ctx, a.adm, second, agents.ScheduleBGPSpeakerOpts{SpeakerID: a.speaker}).ExtractErr())
		},
		// And back: off the second, off the disabled first, which is
		// enabled again and given the speaker.
		1200: func() {
			must(t, agents.RemoveBGPSpeaker(ctx, a.adm, second, a.speaker).ExtractErr())
			e.clk.Advance(20 * time.Millisecond) // two pings' time with no speaker anywhere
			if !e.has("ce1", "", a.tenant) {
				t.Error("ce1 dropped edmonton's subnet when the speaker was taken off its agent")
			}
			must(t, agents.RemoveBGPSpeaker(ctx, a.adm, first, a.speaker).ExtractErr())
			must(t, agents.Update(ctx, a.adm, first, agents.UpdateOpts{AdminStateUp: ptr(true)}).Err)
			must(t, agents.ScheduleBGPSpeaker(ctx, a.adm, first, agents.ScheduleBGPSpeakerOpts{SpeakerID: a.speaker}).ExtractErr())
		},
	}
	done := false
	for ms := 0; ms < 10_000 && !done; ms++ {
		if move := moves[ms]; move != nil {
			move()
		}
		select {
		case <-ping.Done():
			done = true
		default:
			e.clk.Advance(time.Millisecond)
		}
	}
	if !done {
		t.Fatal("ping not done after 10 s of lab time")
	}
	if res := ping.Result(); res.Sent != 200 || res.Received != 200 {
		t.Fatalf("ping %v -> %v across two speaker moves: %d/%d received, want no loss", a.vm, b.vm, res.Received, res.Sent)
	}
	if h := hosting(); len(h) != 1 || h[0] != "edmonton-network" {
		t.Errorf("speaker hosted by %v, want edmonton-network again", h)
	}

	// The session came back: ce1 has it established with the restarted
	// speaker, which is done restarting, and the route is fresh again.
	e.until("the restarted speaker's session is up and done restarting", 5*time.Second, func() bool {
		d, _, err := e.lab.Show("ce1", "bgp neighbor edmonton", "")
		nd, _ := d.(bgp.NeighborDetail)
		sp := e.lab.CloudSpeaker("edmonton")
		return err == nil && nd.State == "Established" && sp != nil && !sp.Restarting()
	})
	_, text, err := e.lab.Show("edmonton", "bgp summary", "")
	if err != nil {
		t.Errorf("show edmonton bgp summary: %v", err)
	}
	t.Logf("show edmonton bgp summary after the moves:\n%s", text)
	ce1, _ := e.lab.Node("ce1")
	fresh := false
	for _, r := range ce1.BGP().Routes(bgp.IPv4Unicast) {
		if r.Key.Prefix == a.tenant && r.Best && !r.Stale && r.NextHop == a.gateway {
			fresh = true
		}
	}
	if !fresh {
		t.Errorf("ce1 has no fresh best route for %v via %v after the moves", a.tenant, a.gateway)
	}
	var downs, restarts []string
	for _, ev := range e.lab.Events(since) {
		if ev.Node != "edmonton" || ev.Kind != "bgp-dragent" {
			continue
		}
		switch {
		case strings.Contains(ev.Detail, " down: "):
			downs = append(downs, ev.Detail)
		case strings.Contains(ev.Detail, "restarted gracefully on edmonton-network-2"),
			strings.Contains(ev.Detail, "restarted gracefully on edmonton-network "):
			restarts = append(restarts, ev.Detail)
		case strings.Contains(ev.Detail, "stopped"), strings.Contains(ev.Detail, "started"):
			t.Errorf("speaker torn down instead of restarted: %s", ev.Detail)
		}
	}
	if len(downs) != 2 || len(restarts) != 2 {
		t.Errorf("bgp-dragent events: down %q, restarted %q; want two of each", downs, restarts)
	}

	// Unscheduled for good: down, its routes kept as stale until the
	// restart time runs out, then gone.
	must(t, agents.RemoveBGPSpeaker(ctx, a.adm, first, a.speaker).ExtractErr())
	e.clk.Advance(time.Second)
	if !e.has("ce2", "", a.tenant) {
		t.Error("ce2 dropped edmonton's subnet at once; want it kept for the restart time")
	}
	for waited := time.Duration(0); e.has("ce2", "", a.tenant); waited += 100 * time.Millisecond {
		if waited > 125*time.Second {
			t.Fatal("ce2 still routes edmonton's subnet 125 s after its speaker was unscheduled")
		}
		e.clk.Advance(100 * time.Millisecond)
	}
	if e.lab.CloudSpeaker("edmonton") != nil {
		t.Error("edmonton still runs a speaker with no agent hosting it")
	}
}
