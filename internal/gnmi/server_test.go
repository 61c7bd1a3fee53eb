package gnmi

import (
	"context"
	"encoding/json"
	"net"
	"slices"
	"testing"
	"time"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/openconfig/ygot/ygot"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/gnmi/oc"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

const testToken = "test-token"

// seedServer runs the seed lab, paced to the wall clock as the daemon
// runs it, with a gNMI server on loopback.
func seedServer(t *testing.T) (*lab.Lab, *Server, string) {
	l, _, s, addr := seedServerOn(t, true)
	return l, s, addr
}

// seedServerOn is seedServer with lab time frozen after bring-up unless
// paced, for a test that must see what happens in no lab time at all.
func seedServerOn(t *testing.T, paced bool) (*lab.Lab, *clock.Virtual, *Server, string) {
	t.Helper()
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l, err := lab.New(m, lab.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	l.Start()
	if c, took, ok := l.WaitReady(5*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		t.Fatalf("seed lab not ready after %v: %+v", took, c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if paced {
		go clock.Pace(ctx, clk, time.Millisecond)
	}
	s := New(l, testToken)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(s.Stop)
	return l, clk, s, ln.Addr().String()
}

func dial(t *testing.T, addr string) gpb.GNMIClient {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return gpb.NewGNMIClient(cc)
}

func authed(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "username", "admin", "password", testToken)
}

func mustPath(t *testing.T, s string) *gpb.Path {
	t.Helper()
	p, err := ygot.StringToStructuredPath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// linkIface is the name of node's interface towards peer.
func linkIface(t *testing.T, l *lab.Lab, node, peer string) string {
	t.Helper()
	n, _ := l.Node(node)
	for _, row := range n.Router.InterfaceTable() {
		if row.Peer == peer {
			return row.Name
		}
	}
	t.Fatalf("%s has no interface towards %s", node, peer)
	return ""
}

func TestGetAnInterfaceAnswersSchemaValidJSONWithItsStateAndCounters(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	ifname := linkIface(t, l, "pe1", "p1")
	ctx, cancel := context.WithTimeout(authed(context.Background()), 10*time.Second)
	defer cancel()
	get := func() *oc.Device {
		resp, err := c.Get(ctx, &gpb.GetRequest{
			Prefix:   &gpb.Path{Target: "pe1"},
			Path:     []*gpb.Path{mustPath(t, "/interfaces/interface[name="+ifname+"]")},
			Encoding: gpb.Encoding_JSON_IETF,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Notification) != 1 || len(resp.Notification[0].Update) != 1 {
			t.Fatalf("want one notification with one update, got %v", resp)
		}
		if got := resp.Notification[0].Prefix.GetTarget(); got != "pe1" {
			t.Errorf("prefix target %q, want pe1", got)
		}
		u := resp.Notification[0].Update[0]
		// The subtree is RFC 7951 JSON that the schema accepts and validates.
		var top map[string]any
		if err := json.Unmarshal(u.Val.GetJsonIetfVal(), &top); err != nil {
			t.Fatalf("not JSON: %v: %s", err, u.Val.GetJsonIetfVal())
		}
		wrapped, _ := json.Marshal(map[string]any{"openconfig-interfaces:interfaces": map[string]any{"interface": []any{top}}})
		d := &oc.Device{}
		if err := oc.Unmarshal(wrapped, d); err != nil {
			t.Fatalf("the schema refuses the answer: %v\n%s", err, u.Val.GetJsonIetfVal())
		}
		if err := d.ΛValidate(); err != nil {
			t.Fatalf("answer not schema-valid: %v", err)
		}
		return d
	}
	d := get()
	st := d.GetInterfaces().GetInterface(ifname).GetState()
	if st.GetName() != ifname || st.GetOperStatus() != oc.OpenconfigInterfaces_Interfaces_Interface_State_OperStatus_UP ||
		st.GetAdminStatus() != oc.OpenconfigInterfaces_Interfaces_Interface_State_AdminStatus_UP {
		t.Errorf("state = name %q oper %v admin %v, want %s UP UP", st.GetName(), st.GetOperStatus(), st.GetAdminStatus(), ifname)
	}
	if !d.GetInterfaces().GetInterface(ifname).GetConfig().GetEnabled() {
		t.Error("config/enabled is false")
	}
	before := st.GetCounters()
	// A ping from pe1 to p1 crosses the pe1-p1 link: its counters grow.
	if _, err := l.Ping(ctx, "pe1", "p1", router.PingOptions{Count: 3, Interval: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	after := get().GetInterfaces().GetInterface(ifname).GetState().GetCounters()
	if after.GetOutPkts() < before.GetOutPkts()+3 || after.GetInPkts() < before.GetInPkts()+3 || after.GetOutOctets() <= before.GetOutOctets() {
		t.Errorf("counters did not grow by the 3 echoes and replies: before %+v after %+v", *before, *after)
	}
}

func TestGetWithAWildcardKeyAnswersEveryInterfaceLeafByLeafInProto(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(authed(context.Background()), 10*time.Second)
	defer cancel()
	resp, err := c.Get(ctx, &gpb.GetRequest{
		Prefix:   &gpb.Path{Target: "p1"},
		Path:     []*gpb.Path{mustPath(t, "/interfaces/interface[name=*]/state/oper-status")},
		Encoding: gpb.Encoding_PROTO,
	})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := l.Node("p1")
	want := len(n.Router.InterfaceTable())
	got := map[string]string{}
	for _, u := range resp.Notification[0].Update {
		got[u.Path.Elem[1].Key["name"]] = u.Val.GetStringVal()
	}
	if len(got) != want {
		t.Fatalf("got oper-status of %d interfaces (%v), want %d", len(got), got, want)
	}
	for name, v := range got {
		if v != "UP" {
			t.Errorf("%s oper-status %q, want UP", name, v)
		}
	}
}

func TestErrorsCarryTheCodesRealDevicesUse(t *testing.T) {
	_, _, addr := seedServer(t)
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		req  *gpb.GetRequest
		code codes.Code
	}{
		{"no token", ctx, &gpb.GetRequest{Prefix: &gpb.Path{Target: "p1"}}, codes.Unauthenticated},
		{"wrong token", metadata.AppendToOutgoingContext(ctx, "password", "nope"), &gpb.GetRequest{Prefix: &gpb.Path{Target: "p1"}}, codes.Unauthenticated},
		{"unknown target", authed(ctx), &gpb.GetRequest{Prefix: &gpb.Path{Target: "p9"}}, codes.NotFound},
		{"no target", authed(ctx), &gpb.GetRequest{}, codes.InvalidArgument},
		{"bad element", authed(ctx), &gpb.GetRequest{Prefix: &gpb.Path{Target: "p1"}, Path: []*gpb.Path{mustPath(t, "/interfaces/interface/statez")}}, codes.InvalidArgument},
		{"bad key", authed(ctx), &gpb.GetRequest{Prefix: &gpb.Path{Target: "p1"}, Path: []*gpb.Path{mustPath(t, "/interfaces/interface[ifname=eth0]")}}, codes.InvalidArgument},
		{"unknown interface", authed(ctx), &gpb.GetRequest{Prefix: &gpb.Path{Target: "p1"}, Path: []*gpb.Path{mustPath(t, "/interfaces/interface[name=nope0]")}}, codes.NotFound},
	} {
		_, err := c.Get(tc.ctx, tc.req)
		if status.Code(err) != tc.code {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.code)
		}
	}
}

func TestCapabilitiesNameTheModelAndEncodings(t *testing.T) {
	_, _, addr := seedServer(t)
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(authed(context.Background()), 10*time.Second)
	defer cancel()
	resp, err := c.Capabilities(ctx, &gpb.CapabilityRequest{})
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string]string{}
	for _, m := range resp.SupportedModels {
		versions[m.Name] = m.Version
	}
	// OpenConfig's modules at the versions of the vendored release
	// (their openconfig-version), and intercloud's own beside them.
	want := map[string]string{
		"openconfig-interfaces":           "3.8.1",
		"openconfig-network-instance":     "4.7.0",
		"openconfig-aft-network-instance": "0.3.1",
		"openconfig-bgp":                  "9.9.1",
		"openconfig-mpls":                 "3.6.2",
		"intercloud-augments":             "0.2.0",
		"intercloud-deviations":           "0.1.0",
	}
	for name, v := range want {
		if got, ok := versions[name]; !ok || got != v {
			t.Errorf("capabilities: model %s version %q (listed: %v), want %q", name, got, ok, v)
		}
	}
	// Modules whose data is not served are not declared.
	for _, name := range []string{"openconfig-acl", "openconfig-qos", "openconfig-routing-policy", "ietf-interfaces"} {
		if _, ok := versions[name]; ok {
			t.Errorf("capabilities declare %s, whose data is not served", name)
		}
	}
	if resp.GNMIVersion == "" {
		t.Error("no gNMI version")
	}
}

// recv reads the next response within limit of wall time.
func recv(t *testing.T, s gpb.GNMI_SubscribeClient) *gpb.SubscribeResponse {
	t.Helper()
	r, err := s.Recv()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSubscribeOnceSendsTheLeavesThenSync(t *testing.T) {
	_, _, addr := seedServer(t)
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(authed(context.Background()), 10*time.Second)
	defer cancel()
	s, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&gpb.SubscribeRequest{Request: &gpb.SubscribeRequest_Subscribe{Subscribe: &gpb.SubscriptionList{
		Prefix: &gpb.Path{Target: "pe2"}, Mode: gpb.SubscriptionList_ONCE,
		Subscription: []*gpb.Subscription{{Path: mustPath(t, "/interfaces/interface/state/counters")}},
	}}}); err != nil {
		t.Fatal(err)
	}
	u := recv(t, s).GetUpdate()
	if u == nil || len(u.Update) == 0 {
		t.Fatalf("want counters first, got %v", u)
	}
	for _, up := range u.Update {
		if up.Path.Elem[len(up.Path.Elem)-2].Name != "counters" {
			t.Errorf("leaf %s is not a counter", pathString(up.Path))
		}
	}
	if !recv(t, s).GetSyncResponse() {
		t.Error("no sync_response after the updates")
	}
	if _, err := s.Recv(); err == nil {
		t.Error("a ONCE subscription stayed open")
	}
}

// Lab time stands still here: the change must come from the link's event,
// not from a periodic check, and be stamped with the instant of the failure.
func TestSubscribeOnChangeSendsOperStatusDownInNoLabTimeWhenTheLinkGoesDown(t *testing.T) {
	l, _, _, addr := seedServerOn(t, false)
	c := dial(t, addr)
	ifname := linkIface(t, l, "pe1", "p1")
	ctx, cancel := context.WithTimeout(authed(context.Background()), 20*time.Second)
	defer cancel()
	s, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&gpb.SubscribeRequest{Request: &gpb.SubscribeRequest_Subscribe{Subscribe: &gpb.SubscriptionList{
		Prefix: &gpb.Path{Target: "pe1"}, Mode: gpb.SubscriptionList_STREAM,
		Subscription: []*gpb.Subscription{{Path: mustPath(t, "/interfaces/interface[name="+ifname+"]/state/oper-status"), Mode: gpb.SubscriptionMode_ON_CHANGE}},
	}}}); err != nil {
		t.Fatal(err)
	}
	first := recv(t, s).GetUpdate()
	if len(first.GetUpdate()) != 1 || first.Update[0].Val.GetStringVal() != "UP" {
		t.Fatalf("initial update %v, want oper-status UP", first)
	}
	if !recv(t, s).GetSyncResponse() {
		t.Fatal("no sync_response after the initial update")
	}
	down := l.Clock().Now()
	if _, err := l.SetLinkUp("pe1", "p1", false); err != nil {
		t.Fatal(err)
	}
	u := recv(t, s).GetUpdate()
	if len(u.GetUpdate()) != 1 || u.Update[0].Val.GetStringVal() != "DOWN" {
		t.Fatalf("after link down got %v, want oper-status DOWN", u)
	}
	if lag := time.Unix(0, u.Timestamp).Sub(down); lag != 0 {
		t.Errorf("DOWN stamped %v of lab time after the link went down, want at once", lag)
	}
	if _, err := l.SetLinkUp("pe1", "p1", true); err != nil {
		t.Fatal(err)
	}
	if u := recv(t, s).GetUpdate(); len(u.GetUpdate()) != 1 || u.Update[0].Val.GetStringVal() != "UP" {
		t.Fatalf("after link up got %v, want oper-status UP", u)
	}
}

// Lab time moves only when the test moves it: each sample must be
// stamped exactly one interval after the one before.
func TestSubscribeSampleSendsCountersEveryIntervalOfLabTime(t *testing.T) {
	l, clk, _, addr := seedServerOn(t, false)
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(authed(context.Background()), 20*time.Second)
	defer cancel()
	s, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const interval = 200 * time.Millisecond
	if err := s.Send(&gpb.SubscribeRequest{Request: &gpb.SubscribeRequest_Subscribe{Subscribe: &gpb.SubscriptionList{
		Prefix: &gpb.Path{Target: "p2"}, Mode: gpb.SubscriptionList_STREAM,
		Subscription: []*gpb.Subscription{{Path: mustPath(t, "/interfaces/interface/state/counters/in-pkts"), Mode: gpb.SubscriptionMode_SAMPLE, SampleInterval: uint64(interval)}},
	}}}); err != nil {
		t.Fatal(err)
	}
	n, _ := l.Node("p2")
	ifaces := len(n.Router.InterfaceTable())
	var stamps []int64
	for len(stamps) < 4 {
		r := recv(t, s)
		if r.GetSyncResponse() {
			clk.Advance(interval)
			continue
		}
		if got := len(r.GetUpdate().GetUpdate()); got != ifaces {
			t.Fatalf("a sample has %d leaves, want in-pkts of all %d interfaces", got, ifaces)
		}
		stamps = append(stamps, r.GetUpdate().Timestamp)
		if len(stamps) > 1 {
			clk.Advance(interval)
		}
	}
	for i := 1; i < len(stamps); i++ {
		if gap := time.Duration(stamps[i] - stamps[i-1]); gap != interval {
			t.Errorf("samples %d and %d are %v of lab time apart, want %v", i-1, i, gap, interval)
		}
	}
}

func TestGetOfConfigLeavesStateOut(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	ifname := linkIface(t, l, "p2", "p1")
	ctx, cancel := context.WithTimeout(authed(context.Background()), 10*time.Second)
	defer cancel()
	p := mustPath(t, "/interfaces/interface[name="+ifname+"]")
	resp, err := c.Get(ctx, &gpb.GetRequest{Prefix: &gpb.Path{Target: "p2"}, Path: []*gpb.Path{p}, Type: gpb.GetRequest_CONFIG, Encoding: gpb.Encoding_PROTO})
	if err != nil {
		t.Fatal(err)
	}
	var leaves []string
	for _, u := range resp.Notification[0].Update {
		leaves = append(leaves, pathString(u.Path))
	}
	in := "/interfaces/interface[name=" + ifname + "]"
	want := []string{in + "/config/enabled", in + "/config/name", in + "/config/type", in + "/impairment/config/jitter", in + "/impairment/config/latency",
		in + "/impairment/config/loss", in + "/impairment/config/rate", in + "/name"}
	if !slices.Equal(slices.Sorted(slices.Values(leaves)), want) {
		t.Errorf("CONFIG leaves %v, want %v", leaves, want)
	}
	_, err = c.Get(ctx, &gpb.GetRequest{Prefix: &gpb.Path{Target: "p2"}, Path: []*gpb.Path{mustPath(t, "/interfaces/interface/state")}, Type: gpb.GetRequest_CONFIG})
	if status.Code(err) != codes.NotFound {
		t.Errorf("CONFIG Get of state: %v, want NOT_FOUND", err)
	}
}

func TestSubscribePollAnswersEachPollWithFreshCounters(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	ifname := linkIface(t, l, "pe2", "p2")
	ctx, cancel := context.WithTimeout(authed(context.Background()), 20*time.Second)
	defer cancel()
	s, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&gpb.SubscribeRequest{Request: &gpb.SubscribeRequest_Subscribe{Subscribe: &gpb.SubscriptionList{
		Prefix: &gpb.Path{Target: "pe2"}, Mode: gpb.SubscriptionList_POLL,
		Subscription: []*gpb.Subscription{{Path: mustPath(t, "/interfaces/interface[name="+ifname+"]/state/counters/out-pkts")}},
	}}}); err != nil {
		t.Fatal(err)
	}
	outPkts := func() uint64 {
		t.Helper()
		u := recv(t, s).GetUpdate()
		if len(u.GetUpdate()) != 1 {
			t.Fatalf("want out-pkts alone, got %v", u)
		}
		if !recv(t, s).GetSyncResponse() {
			t.Fatal("no sync_response after the poll's update")
		}
		return u.Update[0].Val.GetUintVal()
	}
	before := outPkts()
	if _, err := l.Ping(ctx, "pe2", "p2", router.PingOptions{Count: 2, Interval: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&gpb.SubscribeRequest{Request: &gpb.SubscribeRequest_Poll{Poll: &gpb.Poll{}}}); err != nil {
		t.Fatal(err)
	}
	if after := outPkts(); after < before+2 {
		t.Errorf("out-pkts %d after two echoes, was %d", after, before)
	}
}
