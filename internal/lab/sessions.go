package lab

import (
	"slices"

	"github.com/intercloud/intercloud/internal/bgp"
)

// SessionState is the state of one BGP session the lab built, for a live
// view of the model's sessions.
type SessionState struct {
	A   string `json:"a"`
	B   string `json:"b"`
	VRF string `json:"vrf,omitempty"` // on A's side, for a PE-CE session
	// State is the FSM state as A sees B ("Established", "Active", ...).
	State string `json:"state"`
	// Reachable says whether the ends route to each other; while they do
	// not, the session cannot come up whatever its FSM tries.
	Reachable bool `json:"reachable"`
}

// Sessions returns the state of the core's and the PE-CE BGP sessions,
// in the model's order, then those of compute nodes acting as PEs
// (computepe.go: kind ibgp-cloud, while a BGPVPN attaches to them). The
// dragents' sessions and external daemons' are not among them.
func (l *Lab) Sessions() []SessionState {
	l.bgpMu.Lock()
	sessions := slices.Clone(l.bgpSessions)
	peers := slices.Clone(l.bgpPeers)
	ups := make([]bool, len(sessions))
	sps := make([]*bgp.Speaker, len(sessions)) // RestartBGP replaces them
	for i, s := range sessions {
		ups[i], sps[i] = s.up, s.aSp
	}
	l.bgpMu.Unlock()
	out := make([]SessionState, 0, len(sessions))
	for i, s := range sessions {
		st := SessionState{A: peers[i].A, B: peers[i].B, VRF: peers[i].VRF, Reachable: ups[i], State: bgp.Idle.String()}
		if sps[i] != nil {
			st.State = sps[i].PeerState(s.bKey).String()
		}
		out = append(out, st)
	}
	return out
}
