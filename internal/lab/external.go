package lab

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/topology"
)

// External peers: real BGP daemons (FRR, gobgpd, ExaBGP...) that the
// topology names with role external. The lab's speakers peer with them
// over real TCP, each lab router from an address of its own in 127/8
// (Options.TCPBase; Lab.TCPAddr), so that an external daemon sees one
// neighbour per router, as it would in a real network, and tshark on lo
// shows the BGP. Everything between the lab's own speakers stays on the
// in-memory networks.
//
// An external peer's next hops are outside the emulated network: the lab
// treats them as reachable (its speakers use and pass on the routes), but
// packets cannot follow them — the data plane ends at the lab's edge.
//
// An external PE is reached through the routers it peers with (its
// attachment: the reflectors, or the PEs of a reflector-less AS), as a
// real PE hangs off the core: each attachment redistributes a host route
// for the external PE's address into the IGP and terminates it in LDP
// (implicit null), so every router of the AS has a route and an LSP to
// it. A VPN route the external PE advertises, with itself as next hop,
// is then valid, best and imported into VRFs on every PE, not only on
// the router that peers with it; labelled packets follow the LSP up to
// the attachment and stop there. (In SR mode the host route carries no
// node SID: its VPN routes resolve over the IGP but get no transport
// label.)

// DefaultTCPBase is where routers' TCP addresses come from: router i of
// the model (in file order) gets the base plus i+1.
var DefaultTCPBase = netip.MustParsePrefix("127.65.0.0/16")

// externalSession is one configured session with an external daemon.
type externalSession struct {
	node *Node
	vrf  string // the PE's VRF for an external CE
	ext  *topology.External
}

// TCPAddr is the address of node's global speaker on TCP: toward
// external peers, and for every session with BGPTransport "tcp".
func (l *Lab) TCPAddr(node string) (netip.Addr, bool) { return l.SpeakerAddr(node, "") }

// SpeakerAddr is the TCP address of one of node's speakers: router i of
// the model (in file order) has its global speaker at base+i+1 and its
// speaker for the k-th VPN of the model at base+65536*(k+1)+i+1 (with
// the default base, 127.65.0.2 and 127.66.0.2 for the first router).
func (l *Lab) SpeakerAddr(node, vrf string) (netip.Addr, bool) {
	k := 0
	if vrf != "" {
		k = -1
		for j, v := range l.Model.VPNs {
			if v.Name == vrf {
				k = j + 1
			}
		}
		if k < 0 {
			return netip.Addr{}, false
		}
	}
	for i, n := range l.Model.Nodes {
		if n.Name == node {
			base := l.tcpBase()
			b := base.Addr().As4()
			v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			v += uint32(k)<<16 + uint32(i) + 1
			a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
			return a, a.Is4() && netip.MustParsePrefix("127.0.0.0/8").Contains(a) && (k > 0 || base.Contains(a))
		}
	}
	return netip.Addr{}, false
}

func (l *Lab) tcpBase() netip.Prefix {
	if l.opts.TCPBase.IsValid() {
		return l.opts.TCPBase
	}
	return DefaultTCPBase
}

// bgpPort is the port the lab's speakers listen on and dial with
// BGPTransport "tcp" (and dial external peers at their own).
func (l *Lab) bgpPort() uint16 {
	if l.opts.BGPPort != 0 {
		return l.opts.BGPPort
	}
	return 179
}

// planExternals (from buildBGP) gives each node with a session to an
// external peer its speaker and records the session; startExternals adds
// the peers.
func (l *Lab) planExternals() error {
	for _, s := range l.Model.Sessions {
		e := l.Model.External(s.B)
		n := l.nodes[s.A]
		if e == nil || n == nil {
			continue
		}
		if err := l.ensureSpeaker(n); err != nil {
			return err
		}
		es := &externalSession{node: n, ext: e}
		if s.Kind == topology.SessionPECE {
			es.vrf = s.VRF
		}
		l.externals = append(l.externals, es)
	}
	return nil
}

// startExternals (from startBGP) adds the external peers to the speakers
// and tells their resolvers that the peers' addresses are reachable.
func (l *Lab) startExternals() error {
	for _, es := range l.externals {
		local, ok := l.SpeakerAddr(es.node.Model.Name, es.vrf)
		if !ok {
			return fmt.Errorf("%s: no TCP address in %v for external peer %s", es.node.Model.Name, l.tcpBase(), es.ext.Name)
		}
		vpn := es.node.bgp.vpn
		sp, res := vpn.Speaker(), vpn.Resolver(es.vrf)
		if es.vrf != "" {
			if sp = vpn.VRFSpeaker(es.vrf); sp == nil {
				return fmt.Errorf("%s has no vrf %q for external ce %s", es.node.Model.Name, es.vrf, es.ext.Name)
			}
		}
		res.AddExternal(es.ext.Addr.Addr())
		pc := bgp.PeerConfig{
			Addr: es.ext.Addr.Addr(), Port: es.ext.Addr.Port(), ASN: es.ext.ASN, LocalAddr: local,
			RRClient: l.externalIsClient(es), Transport: bgp.TCP{},
			Description: es.ext.Name + " (external " + string(es.ext.Plays) + ")",
		}
		if err := sp.AddPeer(pc); err != nil {
			return fmt.Errorf("bgp %s -> external %s: %w", es.node.Model.Name, es.ext.Name, err)
		}
	}
	return nil
}

// hasExternalPeer reports whether n's global speaker peers with an
// external daemon.
func (l *Lab) hasExternalPeer(n *Node) bool {
	for _, s := range l.Model.Sessions {
		if s.A == n.Model.Name && s.Kind != topology.SessionPECE && l.Model.External(s.B) != nil {
			return true
		}
	}
	return false
}

// externalPEHosts are the host routes node brings into its IGP and LDP
// for the external PEs it peers with (see the package comment above).
func (l *Lab) externalPEHosts(n *Node) []netip.Prefix {
	if l.opts.StaticEdge {
		return nil
	}
	var out []netip.Prefix
	for _, s := range l.Model.Sessions {
		e := l.Model.External(s.B)
		if e == nil || s.A != n.Model.Name || e.Plays != topology.RolePE || !e.Addr.Addr().Is4() {
			continue
		}
		if p := netip.PrefixFrom(e.Addr.Addr(), 32); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// externalIsClient: an external PE is a client of the lab's reflectors.
func (l *Lab) externalIsClient(es *externalSession) bool {
	for _, s := range l.Model.Sessions {
		if s.A == es.node.Model.Name && s.B == es.ext.Name {
			return s.BClient
		}
	}
	return false
}

// ExternalPeers lists the node's external sessions as "NAME ADDRESS:PORT
// from LOCAL" lines, for status and show.
func (l *Lab) ExternalPeers() []ExternalPeer {
	var out []ExternalPeer
	for _, es := range l.externals {
		local, _ := l.SpeakerAddr(es.node.Model.Name, es.vrf)
		sp := es.node.BGP()
		if es.vrf != "" {
			sp = es.node.VRFBGP(es.vrf)
		}
		out = append(out, ExternalPeer{Node: es.node.Model.Name, VRF: es.vrf, Peer: es.ext.Name, Plays: string(es.ext.Plays),
			Addr: es.ext.Addr, Local: local, State: sp.PeerState(es.ext.Addr.Addr()).String()})
	}
	return out
}

// ExternalPeer is one session between a lab router and an external daemon.
type ExternalPeer struct {
	Node  string         `json:"node"`
	VRF   string         `json:"vrf,omitempty"`
	Peer  string         `json:"peer"`
	Plays string         `json:"plays"`
	Addr  netip.AddrPort `json:"address"`
	Local netip.Addr     `json:"local"` // the router's TCP address
	State string         `json:"state"`
}
