package gnmi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/openconfig/ygot/ygot"

	"github.com/intercloud/intercloud/internal/gnmi/oc"
)

// eachGoStruct calls f with every container and list entry under v (v
// itself included): each is what a Get of its path renders as JSON.
func eachGoStruct(v reflect.Value, f func(ygot.GoStruct)) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || v.Elem().Kind() != reflect.Struct {
			return
		}
		if gs, ok := v.Interface().(ygot.GoStruct); ok {
			f(gs)
		}
		eachGoStruct(v.Elem(), f)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			eachGoStruct(v.Field(i), f)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			eachGoStruct(it.Value(), f)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			eachGoStruct(v.Index(i), f)
		}
	}
}

// sameAsYgot checks the encoder renders gs as ygot does, byte for byte,
// without falling back to ygot.
func sameAsYgot(t *testing.T, what string, gs ygot.GoStruct) {
	t.Helper()
	want, err := ygotIETFJSON(gs)
	if err != nil {
		t.Fatalf("%s: ygot: %v", what, err)
	}
	got, err := appendIETFJSON(nil, gs)
	if err != nil {
		t.Fatalf("%s (%T): the encoder has no plan: %v", what, gs, err)
	}
	if !bytes.Equal(got, want) {
		var g any
		if json.Unmarshal(got, &g) != nil || !reflect.DeepEqual(g, decode(t, want)) {
			t.Fatalf("%s (%T): the encoder's JSON differs from ygot's\ngot:  %.600s\nwant: %.600s", what, gs, got, want)
		}
		t.Errorf("%s (%T): same JSON value, different bytes\ngot:  %.600s\nwant: %.600s", what, gs, got, want)
	}
}

func decode(t *testing.T, js []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatalf("%v: %.200s", err, js)
	}
	return v
}

// TestIETFJSONIsYgotsForEveryPathOfTheSeedLab renders every subtree a Get
// can ask for, of every router of the seed lab with a VRF of 1,000 routes,
// with the encoder and with ygot, for ALL and CONFIG (STATE: the whole
// tree): the same bytes.
func TestIETFJSONIsYgotsForEveryPathOfTheSeedLab(t *testing.T) {
	l, s, _ := seedServer(t)
	injectVRFRoutes(t, l, 1000)
	types := []gpb.GetRequest_DataType{gpb.GetRequest_ALL, gpb.GetRequest_CONFIG, gpb.GetRequest_STATE}
	subtrees := 0
	for _, n := range l.Nodes() {
		for _, dt := range types {
			d, _ := s.snapshot(n, everything)
			if err := keepOnly(s.schema(), d, dt); err != nil {
				t.Fatal(err)
			}
			if dt == gpb.GetRequest_STATE {
				// The same subtrees as ALL less the config containers:
				// the whole tree only, to keep the test short under -race
				// (a subtree's JSON is written inside its parent's).
				sameAsYgot(t, n.Model.Name+" "+dt.String(), d)
				continue
			}
			eachGoStruct(reflect.ValueOf(d), func(gs ygot.GoStruct) {
				subtrees++
				sameAsYgot(t, n.Model.Name+" "+dt.String(), gs)
			})
		}
	}
	t.Logf("%d subtrees compared", subtrees)
	if subtrees < 3000 {
		t.Fatalf("only %d subtrees compared: the trees are not what the test means to cover", subtrees)
	}
}

// TestIETFJSONWritesLeavesAsYgotDoes covers the leaf types and strings the
// lab's trees may not hold at a given time: characters JSON escapes,
// invalid UTF-8, decimals, 64-bit counters, leaf-lists, unions (leaves,
// leaf-lists and list keys), identities, empty lists and containers, and
// module-qualified member names where a module augments another.
func TestIETFJSONWritesLeavesAsYgotDoes(t *testing.T) {
	d := &oc.Device{}
	i := d.GetOrCreateInterfaces().GetOrCreateInterface(`a"b\c<d>&e` + "\x01\t\u2028é\xff")
	i.GetOrCreateConfig().Description = ptr("x\x00y\x7f\U0001F600")
	i.GetOrCreateConfig().Mtu = ptr(uint16(9216))
	i.GetOrCreateConfig().Enabled = ptr(false)
	st := i.GetOrCreateState()
	st.AdminStatus = oc.OpenconfigInterfaces_Interfaces_Interface_State_AdminStatus_UP
	st.GetOrCreateCounters().InOctets = ptr(uint64(1<<63 + 5))
	d.GetOrCreateInterfaces().GetOrCreateInterface("empty").GetOrCreateState() // an empty container is left out
	imp := d.GetOrCreateInterfaces().GetOrCreateInterface("eth-loss").GetOrCreateImpairment().GetOrCreateConfig()
	imp.Latency = ptr(uint64(5_000_000))
	for _, loss := range []float64{0, 0.1, 12.5, 1e-7, 1e21, 123456789} {
		imp.Loss = ptr(loss) // a decimal64: ygot writes it with %v
		sameAsYgot(t, "loss", imp)
	}
	ni := d.GetOrCreateNetworkInstances().GetOrCreateNetworkInstance("v")
	ni.GetOrCreateL3Vpn().GetOrCreateState().ExportRouteTarget = []string{"target:65000:1", "<&>"}
	ni.GetOrCreateL3Vpn().GetOrCreateState().ImportRouteTarget = []string{} // an empty leaf-list is written
	nh := ni.GetOrCreateAfts().GetOrCreateNextHops().GetOrCreateNextHop(7)
	type stackLabel = oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Afts_NextHops_NextHop_State_PushedMplsLabelStack_Union
	nh.GetOrCreateState().PushedMplsLabelStack = []stackLabel{oc.UnionUint32(16), mplsLabel[stackLabel](3), oc.UnionUint32(1048575)} // a union leaf-list: numbers and a name
	// Identities are written with their module, enumerations without;
	// union keys sort as ygot prints them.
	type entryLabel = oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Afts_Mpls_LabelEntry_State_Label_Union
	for _, l := range []uint32{3, 24000, 100000, 0} {
		le := ni.GetOrCreateAfts().GetOrCreateMpls().GetOrCreateLabelEntry(mplsLabel[entryLabel](l)).GetOrCreateState()
		le.Label, le.OriginProtocol = mplsLabel[entryLabel](l), oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_LDP
	}
	fib := ni.GetOrCreateAfts().GetOrCreateIpv4Unicast().GetOrCreateIpv4Entry("10.0.0.0/8").GetOrCreateState()
	fib.OriginProtocol = oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_BGP
	fib.EntryMetadata = []byte{0, 1, 0xfe, 0xff} // binary: base64
	type origin = oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Rib_AfiSafis_AfiSafi_Ipv4Unicast_LocRib_Routes_Route_State_Origin_Union
	routes := ni.GetOrCreateProtocols().GetOrCreateProtocol(oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_BGP, "BGP").GetOrCreateBgp().GetOrCreateRib().GetOrCreateAfiSafis().
		GetOrCreateAfiSafi(oc.OpenconfigBgpTypes_AFI_SAFI_TYPE_IPV4_UNICAST).GetOrCreateIpv4Unicast().GetOrCreateLocRib().GetOrCreateRoutes()
	for _, o := range []origin{oc.UnionString("192.0.2.1"), oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_BGP} {
		routes.GetOrCreateRoute("10.0.0.0/8", o, 0).GetOrCreateState().Origin = o
	}
	ni.GetOrCreateAfts().GetOrCreateNextHops().GetOrCreateNextHop(10).GetOrCreateState().Index = ptr(uint64(10))                                                               // "10" sorts before "7"
	ni.GetOrCreateAfts().GetOrCreateNextHopGroups().NextHopGroup = map[uint64]*oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Afts_NextHopGroups_NextHopGroup{} // an empty list is []
	eachGoStruct(reflect.ValueOf(d), func(gs ygot.GoStruct) { sameAsYgot(t, "leaves", gs) })
}
