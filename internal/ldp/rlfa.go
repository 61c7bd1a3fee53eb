package ldp

import (
	"net/netip"

	"github.com/intercloud/intercloud/internal/router"
)

// Remote LFA (RFC 7490). Where no neighbour is a loop-free alternate, the
// IGP names a PQ node (router.Nexthop.Remote of the backup): a router the
// repair neighbour reaches without the protected link, and whose own
// path to the destination avoids it too. The backup tunnels the packet
// there: the PQ node's label for the FEC, learned over a targeted LDP
// session to it (targeted.go), under the repair neighbour's label for the
// PQ node's loopback, learned over the link session as any other.

// rlfaBackup is the LSP backup and ingress label of FEC f's remote LFA b:
// push the repair neighbour's label for the PQ node over the PQ node's
// label for f. False until both labels are known.
func (in *Instance) rlfaBackup(f fec, b *router.Nexthop, peer map[string]*session) (*router.LSPNexthop, router.FECLabel, bool) {
	bs := peer[b.Iface]
	pq := in.sessions[b.Remote]
	if bs == nil || pq == nil || !pq.operational {
		return nil, router.FECLabel{}, false
	}
	out, ok := pq.remote[f.key]
	if !ok {
		return nil, router.FECLabel{}, false
	}
	tunnel, ok := bs.remote[keyOf(netip.PrefixFrom(b.Remote, 32))]
	if !ok {
		return nil, router.FECLabel{}, false
	}
	var push []uint32
	if tunnel != router.LabelImplicitNull { // the neighbour is the PQ node: no tunnel
		push = []uint32{tunnel}
	}
	return &router.LSPNexthop{Addr: b.Addr, Iface: b.Iface, OutLabel: out, Push: push},
		router.FECLabel{Prefix: f.prefix, Nexthop: b.Addr, OutLabel: out, Push: push}, true
}
