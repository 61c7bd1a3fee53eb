package router

import (
	"sync"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
)

// Fabric is what the routers of one lab share: which router interface owns
// each link port, so that a control message sent out of one interface finds
// the router at the far end, and a pool of frames for the packets routers
// originate. One per lab; routers on different fabrics cannot exchange
// control messages. It is safe for concurrent use.
type Fabric struct {
	mu    sync.RWMutex
	ports map[*dataplane.Port]*iface
	pool  *packet.FramePool
}

// NewFabric returns an empty fabric.
func NewFabric() *Fabric {
	return &Fabric{
		ports: make(map[*dataplane.Port]*iface),
		pool:  packet.NewFramePool(packet.DefaultHeadroom, packet.DefaultFrameSize),
	}
}

// register records that ifc owns its port and exchanges MACs with the
// interface at the far end, if that one is already attached.
func (f *Fabric) register(ifc *iface) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ports[ifc.port] = ifc
	if peer := f.ports[ifc.port.Peer()]; peer != nil {
		ifc.peerMAC.Store(macBits(peer.mac))
		peer.peerMAC.Store(macBits(ifc.mac))
		return
	}
	// Not a router (a test sink, a capture point): a stable stand-in.
	ifc.peerMAC.Store(macBits(InterfaceMAC("", ifc.port.Peer().Name())))
}

func (f *Fabric) unregister(ifc *iface) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ports[ifc.port] == ifc {
		delete(f.ports, ifc.port)
	}
}

// owner returns the router interface attached to p, or nil.
func (f *Fabric) owner(p *dataplane.Port) *iface {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.ports[p]
}
