package gnmi

import (
	"fmt"
	"slices"
	"time"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/intercloud/intercloud/internal/lab"
)

// Lab-time bounds of STREAM subscriptions. A SAMPLE interval of 0 means
// the shortest one (gNMI 3.5.1.5.2); ON_CHANGE leaves are compared again
// on every lab event (a link going down is one) and, for counters, which
// change without events, every changeCheck.
const (
	minSample   = 100 * time.Millisecond
	changeCheck = time.Second
)

// leaf is one value of the tree at its full path.
type leaf struct {
	path *gpb.Path
	key  string
	val  *gpb.TypedValue
}

// leaves flattens a router's tree under the scope's paths into its
// leaves, keyed by path string. Only the subtrees at the paths are
// flattened (as a PROTO Get answers them), not the whole tree built for
// them: a sample of the counters does not walk the interfaces' config.
func (s *Server) leaves(n *lab.Node, sc scope) (map[string]leaf, int64, error) {
	d, ts := s.snapshot(n, sc)
	out := make(map[string]leaf)
	for _, p := range sc {
		us, err := s.answer(d, p, gpb.Encoding_PROTO)
		if err != nil {
			return nil, 0, err
		}
		for _, u := range us {
			k := pathString(u.GetPath())
			out[k] = leaf{path: u.GetPath(), key: k, val: u.GetVal()}
		}
	}
	return out, ts, nil
}

// under picks the leaves that lie under any of paths.
func under(all map[string]leaf, paths []*gpb.Path) map[string]leaf {
	out := make(map[string]leaf)
	for k, l := range all {
		for _, p := range paths {
			if matches(p, l.path) {
				out[k] = l
				break
			}
		}
	}
	return out
}

// subscription is one checked entry of a SubscriptionList.
type subscription struct {
	path     *gpb.Path
	mode     gpb.SubscriptionMode
	interval time.Duration
	last     map[string]leaf // what SAMPLE last sent, for suppress_redundant
	redund   bool
	next     time.Time // when SAMPLE is next due, in lab time
}

// Subscribe serves ONCE, POLL and STREAM subscriptions of one router's
// leaves. Values are sent as scalars whatever the encoding asked (as
// TogNMINotifications renders them), each notification prefixed with the
// target and stamped with lab time.
func (s *Server) Subscribe(stream gpb.GNMI_SubscribeServer) error {
	req, err := stream.Recv()
	if err != nil {
		return err
	}
	sl := req.GetSubscribe()
	if sl == nil {
		return status.Error(codes.InvalidArgument, "the first SubscribeRequest must carry a SubscriptionList")
	}
	n, err := s.node(sl.GetPrefix())
	if err != nil {
		return err
	}
	if len(sl.GetSubscription()) == 0 {
		return status.Error(codes.InvalidArgument, "the SubscriptionList has no subscription")
	}
	var subs []*subscription
	for i, sub := range sl.GetSubscription() {
		field := fmt.Sprintf("subscribe.subscription[%d]", i)
		full, err := fullPath(sl.GetPrefix(), sub.GetPath())
		if err != nil {
			return fieldError(err, field, nil)
		}
		if err := checkPath(s.schema(), full, codes.InvalidArgument); err != nil {
			return fieldError(err, field, full)
		}
		sc := &subscription{path: full, mode: sub.GetMode(), interval: time.Duration(sub.GetSampleInterval()), redund: sub.GetSuppressRedundant()}
		if sc.mode == gpb.SubscriptionMode_SAMPLE {
			switch {
			case sc.interval == 0:
				sc.interval = minSample
			case sc.interval < minSample:
				return fieldError(status.Errorf(codes.InvalidArgument, "sample_interval %v is below the shortest served, %v", sc.interval, minSample), field, full)
			}
		}
		subs = append(subs, sc)
	}
	var paths []*gpb.Path
	for _, sc := range subs {
		paths = append(paths, sc.path)
	}
	target := sl.GetPrefix().GetTarget()
	send := func(ts int64, upd []leaf, del []*gpb.Path) error {
		if len(upd) == 0 && len(del) == 0 {
			return nil
		}
		no := &gpb.Notification{Timestamp: ts, Prefix: &gpb.Path{Target: target}, Delete: del}
		for _, l := range upd {
			no.Update = append(no.Update, &gpb.Update{Path: l.path, Val: l.val})
		}
		return stream.Send(&gpb.SubscribeResponse{Response: &gpb.SubscribeResponse_Update{Update: no}})
	}
	sync := func() error {
		return stream.Send(&gpb.SubscribeResponse{Response: &gpb.SubscribeResponse_SyncResponse{SyncResponse: true}})
	}
	sendAll := func() (map[string]leaf, error) {
		all, ts, err := s.leaves(n, paths)
		if err != nil {
			return nil, err
		}
		sel := under(all, paths)
		if len(sel) == 0 {
			return nil, status.Errorf(codes.NotFound, "%s has no data under the subscribed paths", n.Model.Name)
		}
		return sel, send(ts, sorted(sel), nil)
	}

	switch sl.GetMode() {
	case gpb.SubscriptionList_ONCE:
		if !sl.GetUpdatesOnly() {
			if _, err := sendAll(); err != nil {
				return err
			}
		}
		return sync()
	case gpb.SubscriptionList_POLL:
		if !sl.GetUpdatesOnly() {
			if _, err := sendAll(); err != nil {
				return err
			}
		}
		if err := sync(); err != nil {
			return err
		}
		for {
			req, err := stream.Recv()
			if err != nil {
				return nil // the client closed its side
			}
			if req.GetPoll() == nil {
				return status.Error(codes.InvalidArgument, "a POLL subscription takes only Poll requests after its SubscriptionList")
			}
			if _, err := sendAll(); err != nil {
				return err
			}
			if err := sync(); err != nil {
				return err
			}
		}
	}
	return s.stream(stream.Context().Done(), n, subs, sl.GetUpdatesOnly(), send, sync)
}

// stream runs a STREAM subscription until the client goes or the lab
// closes: SAMPLE entries on their lab-time intervals, ON_CHANGE (and
// TARGET_DEFINED) entries when a leaf under them changes.
func (s *Server) stream(done <-chan struct{}, n *lab.Node, subs []*subscription, updatesOnly bool,
	send func(int64, []leaf, []*gpb.Path) error, sync func() error) error {
	var onChange []*gpb.Path
	for _, sc := range subs {
		if sc.mode != gpb.SubscriptionMode_SAMPLE {
			onChange = append(onChange, sc.path)
		}
	}
	// Read before the first snapshot, so that an event after the snapshot
	// is never taken as already seen.
	cursor := s.lab.LastEventID()
	var paths scope
	for _, sc := range subs {
		paths = append(paths, sc.path)
	}
	all, ts, err := s.leaves(n, paths)
	if err != nil {
		return err
	}
	last := under(all, onChange)
	clk := s.lab.Clock()
	// Timers fire on the lab clock's goroutine: they only signal. They
	// are armed before the initial answer, so that they count from it.
	due := make(chan *subscription, len(subs))
	for _, sc := range subs {
		if sc.mode == gpb.SubscriptionMode_SAMPLE {
			sc.next = clk.Now().Add(sc.interval)
			clk.AfterFunc(sc.interval, func() {
				select {
				case due <- sc:
				default:
				}
			})
			sc.last = under(all, []*gpb.Path{sc.path})
		}
	}
	check := make(chan struct{}, 1)
	checker := clk.AfterFunc(changeCheck, func() {
		select {
		case check <- struct{}{}:
		default:
		}
	})
	defer checker.Stop()
	if !updatesOnly {
		if err := send(ts, sorted(under(all, paths)), nil); err != nil {
			return err
		}
	}
	if err := sync(); err != nil {
		return err
	}
	for {
		evs, next, open := s.lab.EventsAfter(cursor)
		if !open {
			return status.Error(codes.Unavailable, "the lab stopped")
		}
		if len(evs) > 0 {
			cursor = evs[len(evs)-1].ID // something happened: compare now
		} else {
			select {
			case <-done:
				return nil
			case <-next:
				continue // pick the new events up, then compare
			case <-check:
				checker.Reset(changeCheck)
			case sc := <-due:
				// The next sample is due an interval after this one was,
				// however late this one is read (intervals missed are
				// skipped); armed first, so that it never drifts.
				now := clk.Now()
				for sc.next = sc.next.Add(sc.interval); !sc.next.After(now); {
					sc.next = sc.next.Add(sc.interval)
				}
				clk.AfterFunc(sc.next.Sub(now), func() {
					select {
					case due <- sc:
					default:
					}
				})
				if err := s.sample(n, sc, send); err != nil {
					return err
				}
				continue
			}
		}
		if len(onChange) == 0 {
			continue
		}
		all, ts, err := s.leaves(n, onChange)
		if err != nil {
			return err
		}
		cur := under(all, onChange)
		var del []*gpb.Path
		for k, l := range last {
			if _, ok := cur[k]; !ok {
				del = append(del, l.path)
			}
		}
		upd := changed(last, cur)
		last = cur
		if err := send(ts, sorted(upd), del); err != nil {
			return err
		}
	}
}

// sample sends what a SAMPLE entry covers now (what changed since its
// last sample, with suppress_redundant).
func (s *Server) sample(n *lab.Node, sc *subscription, send func(int64, []leaf, []*gpb.Path) error) error {
	all, ts, err := s.leaves(n, scope{sc.path})
	if err != nil {
		return err
	}
	cur := under(all, []*gpb.Path{sc.path})
	upd := cur
	if sc.redund {
		upd = changed(sc.last, cur)
	}
	sc.last = cur
	return send(ts, sorted(upd), nil)
}

// changed lists the leaves of cur that are new or differ from before.
func changed(before, cur map[string]leaf) map[string]leaf {
	out := make(map[string]leaf)
	for k, l := range cur {
		if b, ok := before[k]; !ok || !proto.Equal(b.val, l.val) {
			out[k] = l
		}
	}
	return out
}

// sorted orders leaves by path, so that answers are stable.
func sorted(m map[string]leaf) []leaf {
	out := make([]leaf, 0, len(m))
	for _, l := range m {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b leaf) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	return out
}
