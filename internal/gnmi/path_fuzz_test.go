package gnmi

import (
	"strings"
	"testing"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/intercloud/intercloud/internal/gnmi/oc"
)

// fuzzDevice is a small tree with an interface and a default instance
// holding an AFT entry, a label entry and a BGP neighbour.
func fuzzDevice() *oc.Device {
	d := &oc.Device{}
	i := d.GetOrCreateInterfaces().GetOrCreateInterface("eth1")
	i.GetOrCreateConfig().Name, i.GetConfig().Enabled = ptr("eth1"), ptr(true)
	i.GetOrCreateState().Name, i.GetState().OperStatus = ptr("eth1"), oc.OpenconfigInterfaces_Interfaces_Interface_State_OperStatus_UP
	i.GetOrCreateImpairment().GetOrCreateConfig().Latency = ptr(uint64(1000))
	ni := d.GetOrCreateNetworkInstances().GetOrCreateNetworkInstance(defaultInstance)
	ni.GetOrCreateConfig().Name = ptr(defaultInstance)
	a := ni.GetOrCreateAfts()
	a.GetOrCreateIpv4Unicast().GetOrCreateIpv4Entry("10.0.0.0/8").GetOrCreateState().NextHopGroup = ptr(uint64(1))
	a.GetOrCreateMpls().GetOrCreateLabelEntry(oc.UnionUint32(16001)).GetOrCreateState().NextHopGroup = ptr(uint64(1))
	a.GetOrCreateNextHopGroups().GetOrCreateNextHopGroup(1).GetOrCreateNextHops().GetOrCreateNextHop(1).GetOrCreateState().Weight = ptr(uint64(1))
	a.GetOrCreateNextHops().GetOrCreateNextHop(1).GetOrCreateState().PushedMplsLabelStack = []oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Afts_NextHops_NextHop_State_PushedMplsLabelStack_Union{oc.UnionUint32(16001), oc.UnionUint32(24000)}
	p := protocol(ni, oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_BGP)
	neighbor(p.GetOrCreateBgp().GetOrCreateNeighbors(), "10.0.0.1", 65000, "pe2", true)
	return d
}

// Paths come from clients: whatever element strings gnmi_cli or another
// client sends, the server answers INVALID_ARGUMENT or walks the tree,
// never panics.
func FuzzPathFromElementStrings(f *testing.F) {
	for _, s := range []string{"interfaces/interface[name=eth1]/state", "interfaces/interface/state/counters", "interfaces/interface[name=*]/state/counters/in-pkts",
		"interfaces/interface[ifname=x]", "network-instances/network-instance[name=DEFAULT]/afts/ipv4-unicast/ipv4-entry[prefix=*]/state",
		"network-instances/network-instance/protocols/protocol[identifier=BGP][name=BGP]/bgp", "network-instances/network-instance[name=x]/afts/mpls/label-entry[label=16001]", "interfaces/interface[name=a]b]/state", "interfaces//interface", "*/...", "interfaces/interface[name=\\]]"} {
		f.Add(s)
	}
	srv := &Server{}
	full := fuzzDevice()
	configOnly := fuzzDevice()
	if err := keepOnly(srv.schema(), configOnly, gpb.GetRequest_CONFIG); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := fullPath(nil, &gpb.Path{Element: strings.Split(s, "/")})
		if err != nil {
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("%q: %v, want INVALID_ARGUMENT", s, err)
			}
			return
		}
		if err := checkPath(srv.schema(), p, codes.InvalidArgument); err != nil {
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("%q: %v, want INVALID_ARGUMENT", s, err)
			}
			return
		}
		for _, d := range []*oc.Device{full, configOnly} {
			for _, enc := range []gpb.Encoding{gpb.Encoding_JSON_IETF, gpb.Encoding_PROTO} {
				if _, err := srv.answer(d, p, enc); err != nil {
					t.Fatalf("%q: %v", s, err)
				}
			}
		}
	})
}
