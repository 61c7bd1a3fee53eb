package gnmi

import (
	"testing"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/openconfig/ygot/ygot"
	"google.golang.org/protobuf/proto"
)

// TestSubscriptionLeavesAreTheWholeTreesLeavesUnderThePaths checks that
// flattening only the subtrees at a subscription's paths gives what
// flattening the whole tree built for them, then keeping the leaves under
// the paths, gives: the same paths, the same values.
func TestSubscriptionLeavesAreTheWholeTreesLeavesUnderThePaths(t *testing.T) {
	l, s, _ := seedServer(t)
	vrf := tenantVRF(t, l).Name
	paths := []string{
		"",
		"interfaces",
		"interfaces/interface[name=*]/state/counters",
		"interfaces/interface[name=*]/state/oper-status",
		"network-instances/network-instance[name=" + vrf + "]/afts",
		"network-instances/network-instance[name=DEFAULT]/protocols",
	}
	for _, n := range l.Nodes() {
		for _, ps := range paths {
			p := mustPath(t, "/"+ps)
			sc := scope{p}
			got, _, err := s.leaves(n, sc)
			if err != nil {
				t.Fatalf("%s %s: %v", n.Model.Name, ps, err)
			}
			d, ts := s.snapshot(n, sc)
			ns, err := ygot.TogNMINotifications(d, ts, ygot.GNMINotificationsConfig{UsePathElem: true})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]*gpb.TypedValue{}
			for _, no := range ns {
				for _, u := range no.GetUpdate() {
					full := join(no.GetPrefix(), u.GetPath())
					if matches(p, full) {
						want[pathString(full)] = u.GetVal()
					}
				}
			}
			if len(want) == 0 && ps != "network-instances/network-instance[name="+vrf+"]/afts" {
				t.Errorf("%s %s: no leaves to compare", n.Model.Name, ps)
			}
			if len(got) != len(want) {
				t.Errorf("%s %s: %d leaves, want %d", n.Model.Name, ps, len(got), len(want))
			}
			for k, v := range want {
				if g, ok := got[k]; !ok || !proto.Equal(g.val, v) || pathString(g.path) != k {
					t.Errorf("%s %s: leaf %s is %v, want %v", n.Model.Name, ps, k, g.val, v)
				}
			}
		}
	}
}
