package router

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/dataplane"
)

func TestShowRouteTable(t *testing.T) {
	n := lspNet(t, dataplane.Impairment{})
	r1 := n.r["r1"]
	n.clk.Advance(90 * time.Second)
	// An OSPF route that loses to connected, and an unresolvable static.
	r1.Do(func() {
		r1.RIB().ReplaceRoutes(ProtoOSPF, "", []Route{
			{Prefix: pfx("10.255.0.4/32"), Metric: 30, Nexthops: []Nexthop{{Addr: ip("10.1.12.2"), Iface: "eth1"}}},
			{Prefix: pfx("10.1.12.0/30"), Metric: 10, Nexthops: []Nexthop{{Addr: ip("10.1.12.2"), Iface: "eth1"}}},
		})
	})
	must(t, r1.AddStatic("", pfx("192.0.2.0/24"), ip("198.51.100.1")))
	n.clk.Advance(time.Hour)
	want := routeCodes + `VRF default:
C>* 10.0.0.0/30 is directly connected, eth0, 01:01:30
L>* 10.0.0.2/32 is directly connected, eth0, 01:01:30
S>* 10.0.1.0/30 [1/0] via 10.255.0.4 (recursive), 01:01:30
  *                   via 10.1.12.2, eth1, label 16004, 01:01:30
C>* 10.1.12.0/30 is directly connected, eth1, 01:01:30
O   10.1.12.0/30 [110/10] via 10.1.12.2, eth1, 01:00:00
L>* 10.1.12.1/32 is directly connected, eth1, 01:01:30
C>* 10.255.0.1/32 is directly connected, lo, 01:01:30
O>* 10.255.0.4/32 [110/30] via 10.1.12.2, eth1, label 16004, 01:01:30
S   192.0.2.0/24 [1/0] via 198.51.100.1 inactive, 01:00:00
`
	if got := r1.RouteTable("").String(); got != want {
		t.Errorf("show ip route:\n%s\nwant:\n%s", got, want)
	}
	b, err := json.Marshal(r1.FIBTable(""))
	must(t, err)
	if !strings.Contains(string(b), `{"code":"S","protocol":"static","prefix":"10.0.1.0/30","distance":1,"metric":0,"selected":true,"installed":true,"nexthops":[{"addr":"10.1.12.2","iface":"eth1","active":true,"labels":[16004]}]`) {
		t.Errorf("show ip fib json: %s", b)
	}
}

func TestShowMPLSTable(t *testing.T) {
	n := lspNet(t, dataplane.Impairment{})
	r4 := n.r["r4"]
	r4.Do(func() {
		r4.RIB().ReplaceLSPs(ProtoIBGP, []LSP{{InLabel: 24000, Nexthops: []LSPNexthop{PopLookup("red")}}})
	})
	want := ` Inbound Label  Type  Nexthop    Outbound Label
 -------------  ----  -------    --------------
 16001          SR    10.1.12.1  implicit-null
 16004          SR    10.1.23.2  16004
`
	if got := n.r["r2"].LFIBTable().String(); got != want {
		t.Errorf("show mpls table:\n%s\nwant:\n%s", got, want)
	}
	if got := r4.LFIBTable().String(); !strings.Contains(got, " 24000          BGP   red      -\n") {
		t.Errorf("per-VRF label:\n%s", got)
	}
}

func TestShowInterfaces(t *testing.T) {
	n := lspNet(t, dataplane.Impairment{})
	sendProbe(t, n)
	want := `Interface  Status  VRF      Addresses      Peer  Rx  Tx  Drops
---------  ------  ---      ---------      ----  --  --  -----
lo         up      default  10.255.0.2/32        0   0   0
eth0       up      default  10.1.12.2/30   r1    1   0   0
eth1       up      default  10.1.23.1/30   r3    0   1   0
`
	if got := n.r["r2"].InterfaceTable().String(); got != want {
		t.Errorf("show interface brief:\n%s\nwant:\n%s", got, want)
	}
}
