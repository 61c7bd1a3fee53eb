package gnmi

import (
	"net/netip"
	"sync"

	"github.com/intercloud/intercloud/internal/bgp"
)

// adminState is what gNMI Set turned off, which the lab has no record
// of: interfaces disabled (their link is down) and BGP neighbours shut
// down (removed from their speaker, kept here to be added back).
type adminState struct {
	mu     sync.Mutex
	ifaces map[string]bool            // node + "/" + interface
	peers  map[peerKey]bgp.PeerConfig // shut down
}

type peerKey struct {
	node, vrf string
	addr      netip.Addr
}

func newAdminState() *adminState {
	return &adminState{ifaces: map[string]bool{}, peers: map[peerKey]bgp.PeerConfig{}}
}

func (a *adminState) disabled(node, iface string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ifaces[node+"/"+iface]
}

func (a *adminState) setDisabled(node, iface string, off bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if off {
		a.ifaces[node+"/"+iface] = true
	} else {
		delete(a.ifaces, node+"/"+iface)
	}
}

// shutPeers lists the neighbours shut down on node's vrf speaker.
func (a *adminState) shutPeers(node, vrf string) map[netip.Addr]bgp.PeerConfig {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[netip.Addr]bgp.PeerConfig{}
	for k, c := range a.peers {
		if k.node == node && k.vrf == vrf {
			out[k.addr] = c
		}
	}
	return out
}

func (a *adminState) shutPeer(k peerKey) (bgp.PeerConfig, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.peers[k]
	return c, ok
}

func (a *adminState) setShut(k peerKey, c *bgp.PeerConfig) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c != nil {
		a.peers[k] = *c
	} else {
		delete(a.peers, k)
	}
}
