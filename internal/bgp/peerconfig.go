package bgp

import "net/netip"

// PeerConfig returns the configuration a peer was added with, so that a
// caller that removes the peer (an operator's shutdown) can add it back
// the same.
func (s *Speaker) PeerConfig(addr netip.Addr) (PeerConfig, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peers[addr]
	if p == nil {
		return PeerConfig{}, false
	}
	return p.cfg, true
}
