package router

import (
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/topology"
)

func TestPortsAttachedTogetherShowAsIfAttachedOneByOne(t *testing.T) {
	n := newNet(t)
	one := n.router("one", topology.RoleP, "10.255.0.1/32")
	all := n.router("all", topology.RoleP, "10.255.0.1/32") // the same, to compare tables
	var batch []PortAttachment
	for i, a := range []struct{ name, addr, vrf string }{
		{"eth0", "10.0.0.1/30", ""},
		{"eth1", "10.0.1.1/30", ""},
		{"eth2", "172.16.0.1/30", "red"},
	} {
		l1, err := dataplane.NewLink(n.clk, dataplane.Config{Name: "one-" + a.name, Seed: uint64(i)})
		must(t, err)
		l2, err := dataplane.NewLink(n.clk, dataplane.Config{Name: "all-" + a.name, Seed: uint64(i)})
		must(t, err)
		must(t, one.AttachPort(a.name, pfx(a.addr), l1.A(), a.vrf))
		batch = append(batch, PortAttachment{Name: a.name, Addr: pfx(a.addr), Port: l2.A(), VRF: a.vrf})
	}
	must(t, all.AttachPorts(batch))
	for _, vrf := range []string{"", "red"} {
		want, got := one.RouteTable(vrf).String(), all.RouteTable(vrf).String()
		if got != want {
			t.Errorf("vrf %q attached together:\n%s\none by one:\n%s", vrf, got, want)
		}
		if !strings.Contains(got, "directly connected, eth") {
			t.Errorf("vrf %q has no connected route:\n%s", vrf, got)
		}
	}
	if got, want := len(all.Interfaces()), len(one.Interfaces()); got != want || got != 3 {
		t.Errorf("%d interfaces attached together, %d one by one, want 3", got, want)
	}
}

func TestABatchOfPortsWithOneBadAddsNone(t *testing.T) {
	n := newNet(t)
	r := n.router("r", topology.RoleP, "10.255.0.1/32")
	port := func(name string) *dataplane.Port {
		l, err := dataplane.NewLink(n.clk, dataplane.Config{Name: name})
		must(t, err)
		return l.A()
	}
	must(t, r.AttachPort("eth9", pfx("10.0.9.1/30"), port("x"), ""))
	for _, tc := range []struct {
		bad  PortAttachment
		want string
	}{
		{PortAttachment{Name: "eth1", Addr: pfx("10.0.1.1/30")}, "no port"},
		{PortAttachment{Name: "lo", Addr: pfx("10.0.1.1/30"), Port: port("lo")}, "reserved"},
		{PortAttachment{Name: "eth1", Addr: pfx("2001:db8::1/64"), Port: port("v6")}, "not IPv4"},
		{PortAttachment{Name: "eth0", Addr: pfx("10.0.1.1/30"), Port: port("dup")}, "attached twice"},
		{PortAttachment{Name: "eth9", Addr: pfx("10.0.1.1/30"), Port: port("again")}, "already attached"},
	} {
		err := r.AttachPorts([]PortAttachment{{Name: "eth0", Addr: pfx("10.0.0.1/30"), Port: port("ok")}, tc.bad})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("with %+v: error %v, want one saying %q", tc.bad, err, tc.want)
		}
		if _, ok := r.Interface("eth0"); ok {
			t.Fatalf("with %+v: eth0 was added beside the bad port", tc.bad)
		}
	}
}
