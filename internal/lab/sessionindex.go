package lab

import (
	"github.com/intercloud/intercloud/internal/topology"
)

// sessionIndex finds a node's BGP sessions, and a VPN's PE–CE sessions,
// without scanning the model's: building a 10,000-router lab asked for
// them per node and per VRF, seconds of quadratic work. The model's
// sessions do not change once the lab is built, so it is made once, in
// New, and only read after.
type sessionIndex struct {
	byNode map[string][]int // session indexes, by either end
	byVRF  map[string][]int // PE–CE session indexes, by VRF
	evpn   bool             // the core carries EVPN (evpnCore)
}

func newSessionIndex(m *topology.Model) sessionIndex {
	x := sessionIndex{byNode: map[string][]int{}, byVRF: map[string][]int{}}
	for i, s := range m.Sessions {
		x.byNode[s.A] = append(x.byNode[s.A], i)
		if s.B != s.A {
			x.byNode[s.B] = append(x.byNode[s.B], i)
		}
		if s.Kind == topology.SessionPECE {
			x.byVRF[s.VRF] = append(x.byVRF[s.VRF], i)
		}
	}
	for _, c := range m.Clouds {
		if !bgpvpnCloud(c) {
			continue
		}
		names := []string{c.Node}
		for _, cn := range c.Computes {
			names = append(names, cn.Name)
		}
		for _, name := range names {
			for _, i := range x.byNode[name] {
				if s := m.Sessions[i]; s.Kind == topology.SessionCloudCore && s.A == name {
					x.evpn = true
				}
			}
		}
	}
	return x
}

// sessionsOf are the model's sessions with node at either end.
func (l *Lab) sessionsOf(node string) []topology.Session {
	return l.sessionsAt(l.sessions.byNode[node])
}

// evpnCore reports whether the model's core carries EVPN: it has a
// bgpvpn cloud whose computes peer with reflectors (ibgp-cloud sessions).
func (l *Lab) evpnCore() bool { return l.sessions.evpn }

// peceSessions are the model's PE–CE sessions in VRF vrf.
func (l *Lab) peceSessions(vrf string) []topology.Session {
	return l.sessionsAt(l.sessions.byVRF[vrf])
}

func (l *Lab) sessionsAt(idx []int) []topology.Session {
	out := make([]topology.Session, len(idx))
	for i, j := range idx {
		out[i] = l.Model.Sessions[j]
	}
	return out
}
