package gnmi

import (
	"context"
	"strings"
	"testing"
	"time"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
)

// A link failure streams, on lab time, the interface going down at once,
// the OSPF adjacency over it going, and the FIB entry of the far router's
// loopback moving to another next-hop group once SPF ran.
func TestSubscribeOnChangeStreamsInterfaceAdjacencyAndAFTAcrossALinkFailure(t *testing.T) {
	l, clk, _, addr := seedServerOn(t, false)
	c := dial(t, addr)
	ifname := linkIface(t, l, "pe1", "p1")
	p1, _ := l.Node("p1")
	ctx, cancel := context.WithTimeout(authed(context.Background()), 30*time.Second)
	defer cancel()
	s, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	operPath := "/interfaces/interface[name=" + ifname + "]/state/oper-status"
	adjPath := "/network-instances/network-instance[name=DEFAULT]/protocols/protocol[identifier=OSPF][name=OSPF]/ospfv2/areas/area[identifier=0.0.0.0]/interfaces/interface[id=" + ifname + "]/neighbors"
	aftPath := "/network-instances/network-instance[name=DEFAULT]/afts/ipv4-unicast/ipv4-entry[prefix=" + p1.Model.Loopback.String() + "]/state/next-hop-group"
	var subs []*gpb.Subscription
	for _, p := range []string{operPath, adjPath, aftPath} {
		subs = append(subs, &gpb.Subscription{Path: mustPath(t, p), Mode: gpb.SubscriptionMode_ON_CHANGE})
	}
	if err := s.Send(&gpb.SubscribeRequest{Request: &gpb.SubscribeRequest_Subscribe{Subscribe: &gpb.SubscriptionList{
		Prefix: &gpb.Path{Target: "pe1"}, Mode: gpb.SubscriptionList_STREAM, Subscription: subs,
	}}}); err != nil {
		t.Fatal(err)
	}
	resps := make(chan *gpb.SubscribeResponse, 64)
	go func() {
		defer close(resps)
		for {
			r, err := s.Recv()
			if err != nil {
				return
			}
			resps <- r
		}
	}()
	// The initial answer holds the three, then sync.
	var initialNHG uint64
	for synced := false; !synced; {
		r, ok := <-resps
		if !ok {
			t.Fatal("the stream ended before sync")
		}
		synced = r.GetSyncResponse()
		for _, u := range r.GetUpdate().GetUpdate() {
			if strings.HasSuffix(pathString(u.Path), "/state/next-hop-group") {
				initialNHG = u.Val.GetUintVal()
			}
		}
	}
	if initialNHG == 0 {
		t.Fatal("the initial answer has no next-hop-group for p1's loopback")
	}
	down := clk.Now()
	if _, err := l.SetLinkUp("pe1", "p1", false); err != nil {
		t.Fatal(err)
	}
	// Seen: the lab time after the failure at which each change arrived.
	seen := map[string]time.Duration{}
	note := func(what string, ts int64) {
		if _, ok := seen[what]; !ok {
			seen[what] = time.Unix(0, ts).Sub(down)
		}
	}
	const budget = time.Second // of lab time, 1 ms a step
	for len(seen) < 3 && clk.Now().Sub(down) < budget {
		select {
		case r, ok := <-resps:
			if !ok {
				t.Fatal("the stream ended")
			}
			no := r.GetUpdate()
			for _, u := range no.GetUpdate() {
				p := pathString(u.Path)
				switch {
				case p == operPath && u.Val.GetStringVal() == "DOWN":
					note("oper-status", no.Timestamp)
				case strings.HasSuffix(p, "/adjacency-state") && u.Val.GetStringVal() != "FULL":
					note("adjacency", no.Timestamp)
				case p == aftPath && u.Val.GetUintVal() != initialNHG:
					note("aft", no.Timestamp)
				}
			}
			for _, d := range no.GetDelete() {
				if strings.HasPrefix(pathString(d), adjPath) {
					note("adjacency", no.Timestamp)
				}
			}
		case <-time.After(5 * time.Millisecond):
			clk.Advance(time.Millisecond)
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}
	t.Logf("lab time from the failure to each update: %v", seen)
	for what, within := range map[string]time.Duration{"oper-status": 0, "adjacency": 10 * time.Millisecond, "aft": 200 * time.Millisecond} {
		lag, ok := seen[what]
		if !ok {
			t.Errorf("no %s change streamed within %v of lab time", what, budget)
		} else if lag > within {
			t.Errorf("%s change streamed %v of lab time after the failure, want within %v", what, lag, within)
		}
	}
}
