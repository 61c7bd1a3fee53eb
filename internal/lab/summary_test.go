package lab

import (
	"testing"
)

// validate, inspect and graph count the sessions `up` runs: a cloud's
// sessions (a bgpvpn's iBGP, a dynamic-routing speaker) start only when
// its OpenStack asks, so they are counted apart, and the lab that comes
// up has exactly the rest.
func TestTheModelCountsTheSessionsUpRuns(t *testing.T) {
	for _, name := range []string{"seed.yaml", "two-clouds.yaml", "three-clouds.yaml", "overlap.yaml", "inter-as.yaml", "sdn.yaml"} {
		l, _ := exampleLab(t, name)
		sum := l.Model.Summarize()
		if c := l.Counts(); c.BGPSessions != sum.Sessions || c.BGPEstablished != sum.Sessions {
			t.Errorf("%s: the model counts %d bgp sessions (+%d on demand); the lab runs %d, %d established",
				name, sum.Sessions, sum.OnDemand, c.BGPSessions, c.BGPEstablished)
		}
	}
}
