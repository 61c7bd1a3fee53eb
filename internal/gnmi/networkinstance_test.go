package gnmi

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	gpb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/intercloud/intercloud/internal/gnmi/oc"
	"github.com/intercloud/intercloud/internal/lab"
)

// getTree Gets path from target as JSON_IETF and returns the answer
// unmarshalled into the schema's structs and validated against it;
// wrap names the container path's value goes in, module-qualified.
func getTree(t *testing.T, c gpb.GNMIClient, target, path string, wrap func(any) any) *oc.Device {
	t.Helper()
	ctx, cancel := context.WithTimeout(authed(context.Background()), 10*time.Second)
	defer cancel()
	resp, err := c.Get(ctx, &gpb.GetRequest{Prefix: &gpb.Path{Target: target}, Path: []*gpb.Path{mustPath(t, path)}, Encoding: gpb.Encoding_JSON_IETF})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Notification) != 1 || len(resp.Notification[0].Update) != 1 {
		t.Fatalf("want one notification with one update, got %v", resp)
	}
	var v any
	js := resp.Notification[0].Update[0].Val.GetJsonIetfVal()
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, js)
	}
	wrapped, _ := json.Marshal(wrap(v))
	d := &oc.Device{}
	if err := oc.Unmarshal(wrapped, d); err != nil {
		t.Fatalf("the schema refuses the answer: %v\n%s", err, js)
	}
	// The instances refer to the router's interfaces: a collector
	// validates them with the interfaces tree beside them.
	ifs, err := c.Get(ctx, &gpb.GetRequest{Prefix: &gpb.Path{Target: target}, Path: []*gpb.Path{mustPath(t, "/interfaces")}, Encoding: gpb.Encoding_JSON_IETF})
	if err != nil {
		t.Fatal(err)
	}
	var iv any
	if err := json.Unmarshal(ifs.Notification[0].Update[0].Val.GetJsonIetfVal(), &iv); err != nil {
		t.Fatal(err)
	}
	wrapped, _ = json.Marshal(map[string]any{"openconfig-interfaces:interfaces": iv})
	if err := oc.Unmarshal(wrapped, d); err != nil {
		t.Fatalf("the schema refuses the interfaces: %v", err)
	}
	if err := d.ΛValidate(); err != nil {
		t.Fatalf("answer not schema-valid: %v", err)
	}
	return d
}

func underInstances(v any) any {
	return map[string]any{"openconfig-network-instance:network-instances": v}
}

// tenantVRF is the seed lab's VRF on pe1.
func tenantVRF(t *testing.T, l *lab.Lab) lab.VRFInfo {
	t.Helper()
	data, _, err := l.Show("pe1", "vrf", "")
	if err != nil {
		t.Fatal(err)
	}
	vs := data.([]lab.VRFInfo)
	if len(vs) == 0 {
		t.Fatal("pe1 has no VRF")
	}
	return vs[0]
}

func TestGetNetworkInstancesAnswersProtocolsAndAFTsSchemaValid(t *testing.T) {
	l, _, addr := seedServer(t)
	c := dial(t, addr)
	d := getTree(t, c, "pe1", "/network-instances", underInstances)
	pe1, _ := l.Node("pe1")
	p1, _ := l.Node("p1")

	def := d.GetNetworkInstances().GetNetworkInstance(defaultInstance)
	if def.GetState().GetType() != oc.OpenconfigNetworkInstanceTypes_NETWORK_INSTANCE_TYPE_DEFAULT_INSTANCE {
		t.Errorf("DEFAULT's type is %v", def.GetState().GetType())
	}
	bgp := def.GetProtocols().GetProtocol(oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_BGP, "BGP").GetBgp()
	if bgp.GetGlobal().GetState().GetAs() != pe1.Model.ASN || bgp.GetGlobal().GetState().GetRouterId() != pe1.Model.RouterID.String() {
		t.Errorf("BGP global %+v, want AS %d router-id %v", bgp.GetGlobal().GetState(), pe1.Model.ASN, pe1.Model.RouterID)
	}
	if len(bgp.GetNeighbors().Neighbor) == 0 {
		t.Fatal("no BGP neighbour in DEFAULT")
	}
	for a, nb := range bgp.GetNeighbors().Neighbor {
		if nb.GetState().GetSessionState() != oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Neighbors_Neighbor_State_SessionState_ESTABLISHED {
			t.Errorf("neighbour %s is %v", a, nb.GetState().GetSessionState())
		}
		if nb.GetAfiSafis().GetAfiSafi(oc.OpenconfigBgpTypes_AFI_SAFI_TYPE_L3VPN_IPV4_UNICAST).GetState().GetActive() != true {
			t.Errorf("neighbour %s does not carry VPNv4", a)
		}
	}
	ospfIf := linkIface(t, l, "pe1", "p1")
	adj := def.GetProtocols().GetProtocol(oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_OSPF, "OSPF").GetOspfv2().
		GetAreas().GetArea(oc.UnionString("0.0.0.0")).GetInterfaces().GetInterface(ospfIf).GetNeighbors().GetNeighbor(p1.Model.RouterID.String())
	if adj.GetState().GetAdjacencyState() != oc.OpenconfigOspfTypes_OSPF_NEIGHBOR_STATE_FULL {
		t.Errorf("OSPF adjacency to p1 on %s: %+v, want FULL", ospfIf, adj.GetState())
	}
	ldp := def.GetMpls().GetSignalingProtocols().GetLdp().GetNeighbors().GetNeighbor(p1.Model.RouterID.String(), 0)
	if ldp.GetState().GetSessionState() != oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Mpls_SignalingProtocols_Ldp_Neighbors_Neighbor_State_SessionState_OPERATIONAL {
		t.Errorf("LDP session with p1: %+v", ldp.GetState())
	}
	// p1's loopback is reached over OSPF through p1 itself.
	afts := def.GetAfts()
	e := afts.GetIpv4Unicast().GetIpv4Entry(p1.Model.Loopback.String())
	if e.GetState().GetOriginProtocol() != oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_OSPF {
		t.Errorf("AFT entry for p1's loopback %v: %+v", p1.Model.Loopback, e.GetState())
	}
	viaP1 := false
	for idx := range afts.GetNextHopGroups().GetNextHopGroup(e.GetState().GetNextHopGroup()).GetNextHops().NextHop {
		if afts.GetNextHops().GetNextHop(idx).GetInterfaceRef().GetState().GetInterface() == ospfIf {
			viaP1 = true
		}
	}
	if !viaP1 {
		t.Errorf("p1's loopback is not reached out of %s", ospfIf)
	}
	ldpLabels := 0
	for _, le := range afts.GetMpls().LabelEntry {
		if le.GetState().GetOriginProtocol() == oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_LDP {
			ldpLabels++
		}
	}
	if ldpLabels == 0 {
		t.Error("the MPLS AFT has no LDP label entry")
	}

	// The VRF: its RD and RTs, and a remote site's routes pushing the
	// transport label over the VPN label pe2 advertised.
	v := tenantVRF(t, l)
	vrf := d.GetNetworkInstances().GetNetworkInstance(v.Name)
	if vrf.GetState().GetType() != oc.OpenconfigNetworkInstanceTypes_NETWORK_INSTANCE_TYPE_L3VRF || vrf.GetState().GetRouteDistinguisher() != v.RD {
		t.Errorf("VRF %s state %+v, want L3VRF with RD %s", v.Name, vrf.GetState(), v.RD)
	}
	if got := vrf.GetL3Vpn().GetState().GetImportRouteTarget(); len(got) != len(v.Import) || got[0] != v.Import[0] {
		t.Errorf("import RTs %v, want %v", got, v.Import)
	}
	pe2, _ := l.Node("pe2")
	vpnLabel := pe2.VPNLabel(v.Name)
	stacked := 0
	for pfx, e := range vrf.GetAfts().GetIpv4Unicast().Ipv4Entry {
		if e.GetState().GetOriginProtocol() != oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_BGP {
			continue
		}
		for idx := range vrf.GetAfts().GetNextHopGroups().GetNextHopGroup(e.GetState().GetNextHopGroup()).GetNextHops().NextHop {
			st := vrf.GetAfts().GetNextHops().GetNextHop(idx).GetState().GetPushedMplsLabelStack()
			if len(st) == 2 && st[1] == oc.UnionUint32(vpnLabel) {
				stacked++
			} else if len(st) > 0 {
				t.Errorf("%s: next hop %d pushes %v", pfx, idx, st)
			}
		}
	}
	if stacked == 0 {
		t.Errorf("no VRF route pushes a transport label over pe2's VPN label %d", vpnLabel)
	}
}
