package gnmi

import (
	"context"
	"strings"
	"testing"
	"time"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/intercloud/intercloud/internal/gnmi/oc"
	"github.com/intercloud/intercloud/internal/lab"
)

func boolVal(b bool) *gpb.TypedValue {
	return &gpb.TypedValue{Value: &gpb.TypedValue_BoolVal{BoolVal: b}}
}

func jsonVal(s string) *gpb.TypedValue {
	return &gpb.TypedValue{Value: &gpb.TypedValue_JsonIetfVal{JsonIetfVal: []byte(s)}}
}

func set(t *testing.T, c gpb.GNMIClient, req *gpb.SetRequest) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(authed(context.Background()), 10*time.Second)
	defer cancel()
	_, err := c.Set(ctx, req)
	return err
}

func linkUp(t *testing.T, l *lab.Lab, end string) bool {
	t.Helper()
	ids, err := l.FindLinks(end, "")
	if err != nil {
		t.Fatal(err)
	}
	return l.Links(ids[0])[0].Up
}

func TestSetEnabledFalseTakesTheLinkDownAndTrueBringsItBack(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	ifname := linkIface(t, l, "pe1", "p1")
	peerIf := linkIface(t, l, "p1", "pe1")
	enabled := mustPath(t, "/interfaces/interface[name="+ifname+"]/config/enabled")
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{{Path: enabled, Val: boolVal(false)}}}); err != nil {
		t.Fatal(err)
	}
	if linkUp(t, l, "pe1:"+ifname) {
		t.Fatal("the link is still up after enabled=false")
	}
	st := getTree(t, c, "pe1", "/interfaces", underInterfaces).GetInterfaces().GetInterface(ifname).GetState()
	if st.GetEnabled() || st.GetAdminStatus() != oc.OpenconfigInterfaces_Interfaces_Interface_State_AdminStatus_DOWN ||
		st.GetOperStatus() != oc.OpenconfigInterfaces_Interfaces_Interface_State_OperStatus_DOWN {
		t.Errorf("pe1 %s after shutdown: enabled %v admin %v oper %v, want false DOWN DOWN", ifname, st.GetEnabled(), st.GetAdminStatus(), st.GetOperStatus())
	}
	// The far end lost carrier, but nobody shut it.
	far := getTree(t, c, "p1", "/interfaces", underInterfaces).GetInterfaces().GetInterface(peerIf).GetState()
	if far.GetAdminStatus() != oc.OpenconfigInterfaces_Interfaces_Interface_State_AdminStatus_UP ||
		far.GetOperStatus() != oc.OpenconfigInterfaces_Interfaces_Interface_State_OperStatus_DOWN {
		t.Errorf("p1 %s: admin %v oper %v, want UP DOWN", peerIf, far.GetAdminStatus(), far.GetOperStatus())
	}
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{{Path: enabled, Val: boolVal(true)}}}); err != nil {
		t.Fatal(err)
	}
	if !linkUp(t, l, "pe1:"+ifname) {
		t.Fatal("the link is still down after enabled=true")
	}
	// Enabling an enabled interface does not mend a pulled cable.
	if _, err := l.SetLinkUp("pe1", "p1", false); err != nil {
		t.Fatal(err)
	}
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{{Path: enabled, Val: boolVal(true)}}}); err != nil {
		t.Fatal(err)
	}
	if linkUp(t, l, "pe1:"+ifname) {
		t.Error("enabled=true on an enabled interface brought a pulled link up")
	}
}

func underInterfaces(v any) any { return map[string]any{"openconfig-interfaces:interfaces": v} }

func TestSetImpairmentChangesTheLinkBothWays(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	ifname := linkIface(t, l, "pe1", "p1")
	p := mustPath(t, "/interfaces/interface[name="+ifname+"]/impairment/config")
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{{Path: p, Val: jsonVal(`{"latency":"20000","loss":"2.5"}`)}}}); err != nil {
		t.Fatal(err)
	}
	ids, _ := l.FindLinks("pe1:"+ifname, "")
	m := l.Links(ids[0])[0].Impairment
	if m.Latency != 20*time.Millisecond || m.Loss != 0.025 {
		t.Errorf("impairment %+v, want latency 20ms loss 0.025", m)
	}
	// The other end reads the same link.
	st := getTree(t, c, "p1", "/interfaces", underInterfaces).GetInterfaces().GetInterface(linkIface(t, l, "p1", "pe1")).GetImpairment().GetState()
	if st.GetLatency() != 20000 || st.GetLoss() != 2.5 {
		t.Errorf("p1's end shows latency %d us loss %v%%, want 20000 and 2.5", st.GetLatency(), st.GetLoss())
	}
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Delete: []*gpb.Path{mustPath(t, "/interfaces/interface[name="+ifname+"]/impairment")}}); err != nil {
		t.Fatal(err)
	}
	if m := l.Links(ids[0])[0].Impairment; m.Latency != 0 || m.Loss != 0 {
		t.Errorf("impairment after delete %+v, want none", m)
	}
}

func staticPath(vrf, prefix string) string {
	return "/network-instances/network-instance[name=" + vrf + "]/protocols/protocol[identifier=STATIC][name=STATIC]/static-routes/static[prefix=" + prefix + "]"
}

func TestSetStaticRouteInAVRFReachesItsAFTAndDeleteRemovesIt(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	v := tenantVRF(t, l)
	// The CE on pe1's VRF interface is the next hop.
	var ce string
	pe1, _ := l.Node("pe1")
	for _, row := range pe1.Router.InterfaceTable() {
		if row.VRF == v.Name {
			ce = row.Addr.Masked().Addr().Next().String()
			if ce == row.Addr.Addr().String() {
				ce = row.Addr.Masked().Addr().String()
			}
		}
	}
	const prefix = "192.0.2.0/24"
	val := `{"config":{"prefix":"` + prefix + `"},"next-hops":{"next-hop":[{"index":"` + ce + `","config":{"index":"` + ce + `","next-hop":"` + ce + `"}}]}}`
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{{Path: mustPath(t, staticPath(v.Name, prefix)), Val: jsonVal(val)}}}); err != nil {
		t.Fatal(err)
	}
	aft := func() *oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Afts_Ipv4Unicast_Ipv4Entry {
		d := getTree(t, c, "pe1", "/network-instances/network-instance[name="+v.Name+"]", func(x any) any {
			return map[string]any{"openconfig-network-instance:network-instances": map[string]any{"network-instance": []any{x}}}
		})
		return d.GetNetworkInstances().GetNetworkInstance(v.Name).GetAfts().GetIpv4Unicast().GetIpv4Entry(prefix)
	}
	if e := aft(); e.GetState().GetOriginProtocol() != oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_STATIC {
		t.Fatalf("VRF %s AFT entry for %s: %+v, want a STATIC one", v.Name, prefix, e.GetState())
	}
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Delete: []*gpb.Path{mustPath(t, staticPath(v.Name, prefix))}}); err != nil {
		t.Fatal(err)
	}
	if e := aft(); e != nil {
		t.Errorf("the AFT still has %s after the delete: %+v", prefix, e.GetState())
	}
}

func TestSetBGPNeighborEnabledFalseShutsTheSessionAndTrueRestoresIt(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	v := tenantVRF(t, l)
	pe1, _ := l.Node("pe1")
	sp := pe1.VRFBGP(v.Name)
	nb := sp.Summary()[0].Neighbor
	p := mustPath(t, "/network-instances/network-instance[name="+v.Name+"]/protocols/protocol[identifier=BGP][name=BGP]/bgp/neighbors/neighbor[neighbor-address="+nb.String()+"]/config/enabled")
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{{Path: p, Val: boolVal(false)}}}); err != nil {
		t.Fatal(err)
	}
	statePath := "/network-instances/network-instance[name=" + v.Name + "]/protocols/protocol[identifier=BGP][name=BGP]/bgp/neighbors/neighbor[neighbor-address=" + nb.String() + "]/state/session-state"
	ctx, cancel := context.WithTimeout(authed(context.Background()), 20*time.Second)
	defer cancel()
	state := func() string {
		resp, err := c.Get(ctx, &gpb.GetRequest{Prefix: &gpb.Path{Target: "pe1"}, Path: []*gpb.Path{mustPath(t, statePath)}, Encoding: gpb.Encoding_PROTO})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Notification[0].Update[0].Val.GetStringVal()
	}
	if got := state(); got != "IDLE" {
		t.Errorf("session-state after shutdown %s, want IDLE", got)
	}
	if _, ok := sp.PeerConfig(nb); ok {
		t.Error("the speaker still has the neighbour configured")
	}
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{{Path: p, Val: boolVal(true)}}}); err != nil {
		t.Fatal(err)
	}
	for state() != "ESTABLISHED" {
		select {
		case <-ctx.Done():
			t.Fatalf("the session did not come back: %s", state())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// A request with one bad change changes nothing: the good update before
// it is not applied.
func TestSetIsAllOrNothing(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	ifname := linkIface(t, l, "pe1", "p1")
	err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{
		{Path: mustPath(t, "/interfaces/interface[name="+ifname+"]/config/enabled"), Val: boolVal(false)},
		{Path: mustPath(t, staticPath("DEFAULT", "192.0.2.0/24")), Val: jsonVal(`{"config":{"prefix":"192.0.2.0/24"},"next-hops":{"next-hop":[{"index":"x","config":{"index":"x","next-hop":"not-an-address"}}]}}`)},
	}})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Set with a bad next hop: %v, want INVALID_ARGUMENT", err)
	}
	if !linkUp(t, l, "pe1:"+ifname) {
		t.Error("the link went down although the request failed")
	}
	// Nor does a request whose second change names a neighbour that
	// does not exist.
	err = set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{
		{Path: mustPath(t, "/interfaces/interface[name="+ifname+"]/config/enabled"), Val: boolVal(false)},
		{Path: mustPath(t, "/network-instances/network-instance[name=DEFAULT]/protocols/protocol[identifier=BGP][name=BGP]/bgp/neighbors/neighbor[neighbor-address=192.0.2.1]/config/enabled"), Val: boolVal(false)},
	}})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("Set naming a missing neighbour: %v, want NOT_FOUND", err)
	}
	if !linkUp(t, l, "pe1:"+ifname) {
		t.Error("the link went down although the request failed")
	}
}

func TestSetErrorsCarryTheCodesRealDevicesUse(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	ifname := linkIface(t, l, "pe1", "p1")
	in := "/interfaces/interface[name=" + ifname + "]"
	for _, tc := range []struct {
		name   string
		req    *gpb.SetRequest
		code   codes.Code
		naming string
	}{
		{"element not in the schema", &gpb.SetRequest{Update: []*gpb.Update{{Path: mustPath(t, in+"/config/speed"), Val: boolVal(true)}}}, codes.NotFound, "speed"},
		{"state is not settable", &gpb.SetRequest{Update: []*gpb.Update{{Path: mustPath(t, in+"/state/enabled"), Val: boolVal(false)}}}, codes.InvalidArgument, "state/enabled"},
		{"wrong type", &gpb.SetRequest{Update: []*gpb.Update{{Path: mustPath(t, in+"/config/enabled"), Val: &gpb.TypedValue{Value: &gpb.TypedValue_StringVal{StringVal: "no"}}}}}, codes.InvalidArgument, "config/enabled"},
		{"loss out of range", &gpb.SetRequest{Update: []*gpb.Update{{Path: mustPath(t, in+"/impairment/config"), Val: jsonVal(`{"loss":"150"}`)}}}, codes.InvalidArgument, "impairment"},
		{"no such interface", &gpb.SetRequest{Update: []*gpb.Update{{Path: mustPath(t, "/interfaces/interface[name=eth99]/config/enabled"), Val: boolVal(false)}}}, codes.NotFound, "eth99"},
		{"no such instance", &gpb.SetRequest{Delete: []*gpb.Path{mustPath(t, staticPath("nope", "10.0.0.0/8"))}}, codes.NotFound, "nope"},
		{"a leaf not served", &gpb.SetRequest{Update: []*gpb.Update{{Path: mustPath(t, in+"/config/mtu"), Val: &gpb.TypedValue{Value: &gpb.TypedValue_UintVal{UintVal: 9000}}}}}, codes.Unimplemented, "config/mtu"},
		{"a delete not served", &gpb.SetRequest{Delete: []*gpb.Path{mustPath(t, in)}}, codes.Unimplemented, ifname},
		{"wildcard key", &gpb.SetRequest{Update: []*gpb.Update{{Path: mustPath(t, "/interfaces/interface[name=*]/config/enabled"), Val: boolVal(false)}}}, codes.InvalidArgument, "interface"},
	} {
		tc.req.Prefix = &gpb.Path{Target: "pe1"}
		err := set(t, c, tc.req)
		if status.Code(err) != tc.code || !strings.Contains(status.Convert(err).Message(), tc.naming) {
			t.Errorf("%s: %v, want %v naming %q", tc.name, err, tc.code, tc.naming)
		}
	}
	if !linkUp(t, l, "pe1:"+ifname) {
		t.Error("a refused Set changed the link")
	}
}

// badField is the request field a status's google.rpc.BadRequest names,
// and what it says of it.
func badField(t *testing.T, err error) (field, description string) {
	t.Helper()
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) == 1 {
			return br.GetFieldViolations()[0].GetField(), br.GetFieldViolations()[0].GetDescription()
		}
	}
	t.Fatalf("%v: no BadRequest detail with one field violation", err)
	return "", ""
}

// A refused Set or Get says which operation or path of the request it
// refused, with the path the client sent and the reason, in the message
// and as a google.rpc.BadRequest detail (gNMI specification 3.3.1, 3.4.7).
func TestErrorsNameTheOperationThePathAndTheReason(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	ifname := linkIface(t, l, "pe1", "p1")
	in := "/interfaces/interface[name=" + ifname + "]"
	for _, tc := range []struct {
		name   string
		req    *gpb.SetRequest
		code   codes.Code
		field  string
		naming []string // in the message and the detail
	}{
		{"second update, unknown leaf", &gpb.SetRequest{Update: []*gpb.Update{
			{Path: mustPath(t, in+"/config/enabled"), Val: boolVal(true)},
			{Path: mustPath(t, in+"/config/speed"), Val: boolVal(true)},
		}}, codes.NotFound, "update[1]", []string{in + "/config/speed", `has no element "speed"`, "description, enabled"}},
		{"replace with a value of the wrong type", &gpb.SetRequest{Replace: []*gpb.Update{
			{Path: mustPath(t, in+"/config/enabled"), Val: &gpb.TypedValue{Value: &gpb.TypedValue_StringVal{StringVal: "no"}}},
		}}, codes.InvalidArgument, "replace[0]", []string{in + "/config/enabled", "does not fit the schema", "string"}},
		{"delete of a missing instance after a good one", &gpb.SetRequest{Delete: []*gpb.Path{
			mustPath(t, staticPath("DEFAULT", "192.0.2.0/24")),
			mustPath(t, staticPath("nope", "10.0.0.0/8")),
		}}, codes.NotFound, "delete[1]", []string{"network-instance[name=nope]", `no network-instance "nope"`}},
		{"a neighbour that is not there", &gpb.SetRequest{Update: []*gpb.Update{
			{Path: mustPath(t, "/network-instances/network-instance[name=DEFAULT]/protocols/protocol[identifier=BGP][name=BGP]/bgp/neighbors/neighbor[neighbor-address=192.0.2.1]/config/enabled"), Val: boolVal(false)},
		}}, codes.NotFound, "update[0]", []string{"neighbor[neighbor-address=192.0.2.1]/config/enabled", "no BGP neighbor 192.0.2.1"}},
	} {
		tc.req.Prefix = &gpb.Path{Target: "pe1"}
		err := set(t, c, tc.req)
		if status.Code(err) != tc.code {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.code)
			continue
		}
		msg := status.Convert(err).Message()
		field, desc := badField(t, err)
		if field != tc.field || !strings.HasPrefix(msg, tc.field+" ") {
			t.Errorf("%s: field %q, message %q; want both to name %s", tc.name, field, msg, tc.field)
		}
		for _, want := range tc.naming {
			if !strings.Contains(msg, want) || !strings.Contains(desc, want) {
				t.Errorf("%s: message %q / detail %q do not say %q", tc.name, msg, desc, want)
			}
		}
	}
	// A Get names the path among its paths that is not in the schema.
	ctx, cancel := context.WithTimeout(authed(context.Background()), 10*time.Second)
	defer cancel()
	_, err := c.Get(ctx, &gpb.GetRequest{Prefix: &gpb.Path{Target: "pe1"}, Path: []*gpb.Path{mustPath(t, in+"/state"), mustPath(t, in+"/statez")}})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Get of a path not in the schema: %v, want INVALID_ARGUMENT", err)
	}
	if field, desc := badField(t, err); field != "path[1]" || !strings.Contains(desc, in+"/statez") || !strings.Contains(desc, `has no element "statez"`) {
		t.Errorf("Get: field %q, detail %q; want path[1] naming %s/statez and why", field, desc, in)
	}
	// So does a Subscribe, of its subscription.
	sub, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Send(&gpb.SubscribeRequest{Request: &gpb.SubscribeRequest_Subscribe{Subscribe: &gpb.SubscriptionList{
		Prefix: &gpb.Path{Target: "pe1"}, Mode: gpb.SubscriptionList_ONCE,
		Subscription: []*gpb.Subscription{{Path: mustPath(t, in+"/state")}, {Path: mustPath(t, in+"/statez")}},
	}}}); err != nil {
		t.Fatal(err)
	}
	_, err = sub.Recv()
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Subscribe to a path not in the schema: %v, want INVALID_ARGUMENT", err)
	}
	if field, desc := badField(t, err); field != "subscribe.subscription[1]" || !strings.Contains(desc, in+"/statez") {
		t.Errorf("Subscribe: field %q, detail %q; want subscribe.subscription[1] naming %s/statez", field, desc, in)
	}
	if !linkUp(t, l, "pe1:"+ifname) {
		t.Error("a refused Set changed the link")
	}
}

// A client that writes RFC 7951 as the server answers it (members named
// with their module at the top and where the module changes) is
// understood: what a Get returned can be sent back by a Set.
func TestSetTakesModuleQualifiedJSONAsGetAnswersIt(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	ifname := linkIface(t, l, "pe1", "p1")
	in := "/interfaces/interface[name=" + ifname + "]"
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{
		{Path: mustPath(t, in+"/impairment/config"), Val: jsonVal(`{"intercloud-augments:latency":"7000","intercloud-augments:jitter":"100"}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	ids, _ := l.FindLinks("pe1:"+ifname, "")
	if m := l.Links(ids[0])[0].Impairment; m.Latency != 7*time.Millisecond || m.Jitter != 100*time.Microsecond {
		t.Fatalf("impairment %+v, want latency 7ms jitter 100us", m)
	}
	// The interface's config as a Get of CONFIG answers it, enabled
	// turned off, sent back whole as a replace.
	ctx, cancel := context.WithTimeout(authed(context.Background()), 10*time.Second)
	defer cancel()
	resp, err := c.Get(ctx, &gpb.GetRequest{Prefix: &gpb.Path{Target: "pe1"}, Path: []*gpb.Path{mustPath(t, in+"/config")}, Type: gpb.GetRequest_CONFIG, Encoding: gpb.Encoding_JSON_IETF})
	if err != nil {
		t.Fatal(err)
	}
	js := string(resp.GetNotification()[0].GetUpdate()[0].GetVal().GetJsonIetfVal())
	if !strings.Contains(js, `"openconfig-interfaces:enabled":true`) || !strings.Contains(js, `"openconfig-interfaces:type":"iana-if-type:ethernetCsmacd"`) {
		t.Fatalf("the config is not qualified RFC 7951: %s", js)
	}
	off := strings.Replace(js, `"openconfig-interfaces:enabled":true`, `"openconfig-interfaces:enabled":false`, 1)
	if err := set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Replace: []*gpb.Update{{Path: mustPath(t, in+"/config"), Val: jsonVal(off)}}}); err != nil {
		t.Fatalf("replace with the config Get answered, enabled false: %v\n%s", err, off)
	}
	if linkUp(t, l, "pe1:"+ifname) {
		t.Error("the link is still up after enabled false")
	}
	// The type is the interface's: another is refused, naming both.
	err = set(t, c, &gpb.SetRequest{Prefix: &gpb.Path{Target: "pe1"}, Update: []*gpb.Update{{Path: mustPath(t, in+"/config"), Val: jsonVal(`{"openconfig-interfaces:type":"iana-if-type:softwareLoopback"}`)}}})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "ethernetCsmacd") || !strings.Contains(err.Error(), "softwareLoopback") {
		t.Errorf("Set of another interface type: %v, want INVALID_ARGUMENT naming both types", err)
	}
}
