package lab

import (
	"sync"

	"github.com/intercloud/intercloud/internal/topology"
)

// sessionIndex finds a node's BGP sessions, and a VPN's PE–CE sessions,
// without scanning the model's: building a 10,000-router lab asked for
// them per node and per VRF, seconds of quadratic work. It is built
// again if the model's session list is not the one it indexed.
type sessionIndex struct {
	mu     sync.Mutex
	n      int
	first  *topology.Session
	byNode map[string][]int // session indexes, by either end
	byVRF  map[string][]int // PE–CE session indexes, by VRF
	evpn   bool             // the core carries EVPN (evpnCore)
}

// index is the lab's session index, up to date.
func (l *Lab) index() *sessionIndex {
	x := &l.sessions
	ss := l.Model.Sessions
	var first *topology.Session
	if len(ss) > 0 {
		first = &ss[0]
	}
	if x.byNode != nil && x.n == len(ss) && x.first == first {
		return x
	}
	x.n, x.first = len(ss), first
	x.byNode, x.byVRF = map[string][]int{}, map[string][]int{}
	for i, s := range ss {
		x.byNode[s.A] = append(x.byNode[s.A], i)
		if s.B != s.A {
			x.byNode[s.B] = append(x.byNode[s.B], i)
		}
		if s.Kind == topology.SessionPECE {
			x.byVRF[s.VRF] = append(x.byVRF[s.VRF], i)
		}
	}
	x.evpn = false
	for _, c := range l.Model.Clouds {
		if !bgpvpnCloud(c) {
			continue
		}
		names := []string{c.Node}
		for _, cn := range c.Computes {
			names = append(names, cn.Name)
		}
		for _, name := range names {
			for _, i := range x.byNode[name] {
				if s := ss[i]; s.Kind == topology.SessionCloudCore && s.A == name {
					x.evpn = true
				}
			}
		}
	}
	return x
}

// sessionsOf are the model's sessions with node at either end.
func (l *Lab) sessionsOf(node string) []topology.Session {
	l.sessions.mu.Lock()
	defer l.sessions.mu.Unlock()
	return l.sessionsAt(l.index().byNode[node])
}

// evpnCore reports whether the model's core carries EVPN: it has a
// bgpvpn cloud whose computes peer with reflectors (ibgp-cloud sessions).
func (l *Lab) evpnCore() bool {
	l.sessions.mu.Lock()
	defer l.sessions.mu.Unlock()
	return l.index().evpn
}

// peceSessions are the model's PE–CE sessions in VRF vrf.
func (l *Lab) peceSessions(vrf string) []topology.Session {
	l.sessions.mu.Lock()
	defer l.sessions.mu.Unlock()
	return l.sessionsAt(l.index().byVRF[vrf])
}

func (l *Lab) sessionsAt(idx []int) []topology.Session {
	out := make([]topology.Session, len(idx))
	for i, j := range idx {
		out[i] = l.Model.Sessions[j]
	}
	return out
}
