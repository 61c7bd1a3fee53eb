package lab

import (
	"github.com/intercloud/intercloud/internal/topology"
)

// Inter-AS option B (RFC 4364 section 10b): an ASBR is a PE with a link
// to a PE of another AS; the lab gives it an eBGP VPNv4 session on that
// link and next-hop-self toward its own AS, and its l3vpn.Node swaps the
// labels (internal/l3vpn/asbr.go).

// isASBR reports whether the model gives n an inter-AS link.
func (l *Lab) isASBR(n *Node) bool {
	for _, s := range l.sessionsOf(n.Model.Name) {
		if s.Kind == topology.SessionInterAS && (s.A == n.Model.Name || s.B == n.Model.Name) {
			return true
		}
	}
	return false
}

// pick is a conditional expression.
func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}
