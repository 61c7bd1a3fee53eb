package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/l2vpn"
	"github.com/intercloud/intercloud/internal/l3vpn"
	"github.com/intercloud/intercloud/internal/topology"
)

// BGP/MPLS IP VPNs (RFC 4364) in the lab.
//
// Speakers. Every node that the model's sessions name (PEs, route
// reflectors, CEs) runs a global speaker: VPNv4 and VPNv6 on PEs and
// reflectors, IPv4 unicast on CEs. A PE also runs one IPv4-unicast
// speaker per VRF for its PE–CE sessions, as FRR runs `router bgp ASN vrf
// NAME`: each VRF's routes live in their own table, and overlapping
// customer prefixes in different VRFs never meet. A dynamic-routing
// cloud's speaker runs only while its Neutron has one (cloudbgp.go).
//
// Transport. Speakers talk over in-memory networks on the lab clock
// (bgp.MemNetwork), one per address space: the global one (loopbacks,
// iBGP) and one per VPN (PE–CE link addresses, which different VPNs may
// reuse); or, with Options.BGPTransport "tcp", over real TCP between
// 127/8 addresses (tcpnet.go), and always so with external daemons
// (external.go). A session's two ends are reachable while each end's RIB has a
// non-BGP route to the other's address (in the VRF for the PE's end of a
// PE–CE session): when the IGP loses a loopback, or a PE–CE link goes
// down, the messages stop and the session dies by its hold timer, as with
// next-hop tracking; it comes back by itself when the route returns.
//
// The VPN function itself — VRF import and export, VPN labels, the ASBR's
// option B swap, graceful restart's hold-aside — is internal/l3vpn's: a
// node's l3vpn.Node drives its speakers and installs through its router;
// the lab wires the speakers' sessions, transports and liveness.

// bgpState is the BGP side of one node: its VPN function and the
// sessions whose liveness its RIB decides.
type bgpState struct {
	l        *Lab
	n        *Node
	vpn      *l3vpn.Node
	evpn     *l2vpn.PE // a compute PE's EVIs (l2vpn.go), nil elsewhere
	netNode  bool      // a bgpvpn cloud's node, PE of its router associations (netnodepe.go)
	sessions []*bgpSession
}

// bgpSession is one configured session, for readiness and liveness.
type bgpSession struct {
	net        bgpNet
	a, b       *Node
	aVRF, bVRF string
	aAddr      netip.Addr // each end's address in the emulated network
	bAddr      netip.Addr
	aKey, bKey netip.Addr   // and on the transport: the same in memory, 127/8 over TCP
	aSp, bSp   *bgp.Speaker // read and replaced (RestartBGP) under Lab.bgpMu
	up         bool         // both ends route to each other
}

// BGP is a node's global BGP speaker (nil when the node runs none).
func (n *Node) BGP() *bgp.Speaker {
	if n.bgp == nil {
		return nil
	}
	return n.bgp.vpn.Speaker()
}

// VRFBGP is a PE's BGP speaker for one VRF (nil when there is none).
func (n *Node) VRFBGP(vrf string) *bgp.Speaker {
	if n.bgp == nil {
		return nil
	}
	return n.bgp.vpn.VRFSpeaker(vrf)
}

// VPNLabel is the label a PE allocated for a VRF (0 when none).
func (n *Node) VPNLabel(vrf string) uint32 {
	if n.bgp == nil {
		return 0
	}
	return n.bgp.vpn.VPNLabel(vrf)
}

// builds reports whether the lab builds a session: iBGP VPNv4 among PEs
// and reflectors, and eBGP between a PE's VRF and a CE. A CE in no VPN
// stays statically routed in the global table. Clouds' sessions are
// built apart (cloudbgp.go): their speakers come and go with Neutron.
func (l *Lab) builds(s topology.Session) bool {
	a, b := l.nodes[s.A], l.nodes[s.B]
	if a == nil || b == nil {
		return false
	}
	return buildsSession(s, a.Model, b.Model)
}

// buildsSession is builds for session s between nodes a and b of a model.
func buildsSession(s topology.Session, a, b *topology.Node) bool {
	switch s.Kind {
	case topology.SessionIBGPVPN, topology.SessionRRMesh, topology.SessionInterAS:
		return a.Role.IsCore() && b.Role.IsCore()
	case topology.SessionPECE:
		return s.VRF != "" && a.Role == topology.RolePE && b.Role == topology.RoleCE
	}
	return false
}

// buildBGP creates the speakers, the VPN labels and the sessions, then
// starts them (startBGP).
func (l *Lab) buildBGP() error {
	l.bgpNets = map[string]*bgp.MemNetwork{"": bgp.NewMemNetwork(l.clk)}
	switch l.opts.BGPTransport {
	case "", "memory":
	case "tcp":
		l.tcp = newTCPNet(l.clk)
	default:
		return fmt.Errorf("bgp transport %q: want memory or tcp", l.opts.BGPTransport)
	}
	for _, s := range l.Model.Sessions {
		if !l.builds(s) {
			continue
		}
		for _, name := range []string{s.A, s.B} {
			if err := l.ensureSpeaker(l.nodes[name]); err != nil {
				return err
			}
		}
	}
	for _, vpn := range l.Model.VPNs {
		imports, err := parseRTs(vpn.Import)
		if err != nil {
			return fmt.Errorf("vpn %s: %w", vpn.Name, err)
		}
		exports, err := parseRTs(vpn.Export)
		if err != nil {
			return fmt.Errorf("vpn %s: %w", vpn.Name, err)
		}
		if l.bgpNets[vpn.Name] == nil {
			l.bgpNets[vpn.Name] = bgp.NewMemNetwork(l.clk)
		}
		for _, v := range vpn.VRFs {
			n := l.nodes[v.PE]
			if err := l.ensureSpeaker(n); err != nil {
				return err
			}
			rd, err := bgp.ParseRD(v.RD)
			if err != nil {
				return fmt.Errorf("vpn %s on %s: %w", vpn.Name, v.PE, err)
			}
			lt := &listeners{net: l.bgpNets[vpn.Name], port: l.bgpPort()}
			for _, s := range l.sessionsOf(v.PE) {
				if s.Kind == topology.SessionPECE && s.A == v.PE && s.VRF == vpn.Name {
					lt.add(l.bgpNets[vpn.Name], s.AAddr)
				}
				if isCloudUnicast(s) && s.A == v.PE && s.VRF == vpn.Name {
					lt.add(l.cloudNet(s), s.AAddr)
				}
			}
			tr, listen, err := l.speakerTransport(v.PE, vpn.Name, lt)
			if err != nil {
				return err
			}
			err = n.bgp.vpn.AddVRF(l3vpn.VRFConfig{
				Name: vpn.Name, RD: rd, Import: imports, Export: exports,
				PerPrefixLabels: vpn.Labels == topology.LabelsPerPrefix, Color: vpn.Color,
				Speaker: bgp.Config{
					ASN: n.Model.ASN, RouterID: n.Model.RouterID, Families: []bgp.Family{bgp.IPv4Unicast},
					Transport: tr, ListenAddr: listen, Clock: l.clk,
					OnFiltered: n.bgp.filtered,
				},
			})
			if err != nil {
				return fmt.Errorf("%s vrf %s: %w", v.PE, vpn.Name, err)
			}
		}
	}
	if err := l.planExternals(); err != nil {
		return err
	}
	if err := l.planCloudSessions(); err != nil {
		return err
	}
	if err := l.planComputePEs(); err != nil { // computepe.go
		return err
	}
	for _, s := range l.Model.Sessions {
		if !l.builds(s) {
			continue
		}
		a, b := l.nodes[s.A], l.nodes[s.B]
		bs := &bgpSession{net: l.bgpNets[""], a: a, b: b, aAddr: s.AAddr, bAddr: s.BAddr, aKey: s.AAddr, bKey: s.BAddr, aSp: a.bgp.vpn.Speaker(), bSp: b.bgp.vpn.Speaker()}
		if s.Kind == topology.SessionPECE {
			bs.net, bs.aVRF = l.bgpNets[s.VRF], s.VRF
			bs.aSp = a.VRFBGP(s.VRF)
			if l.bgpNets[s.VRF] == nil || bs.aSp == nil {
				return fmt.Errorf("bgp session %s-%s: %s has no vrf %q", s.A, s.B, s.A, s.VRF)
			}
		}
		if l.tcp != nil {
			bs.net = l.tcp
			bs.aKey, _ = l.SpeakerAddr(s.A, bs.aVRF)
			bs.bKey, _ = l.SpeakerAddr(s.B, "")
		}
		l.bgpSessions = append(l.bgpSessions, bs)
		a.bgp.sessions = append(a.bgp.sessions, bs)
		b.bgp.sessions = append(b.bgp.sessions, bs)
		l.bgpPeers = append(l.bgpPeers, s)
	}
	if err := l.planSDN(); err != nil { // sdn.go
		return err
	}
	return l.startBGP()
}

func parseRTs(list []string) ([]bgp.ExtCommunity, error) {
	var out []bgp.ExtCommunity
	for _, s := range list {
		rt, err := bgp.ParseRouteTarget(s)
		if err != nil {
			return nil, err
		}
		out = append(out, rt)
	}
	return out, nil
}

// ensureSpeaker gives n its global speaker.
func (l *Lab) ensureSpeaker(n *Node) error {
	if n.bgp != nil {
		return nil
	}
	// VPNv6 rides along (RFC 4659): the lab's data plane is IPv4, so only
	// external peers fill it, but PEs and reflectors carry it between them.
	fams := []bgp.Family{bgp.VPNv4, bgp.VPNv6}
	if l.evpnCore() {
		fams = append(fams, bgp.EVPN) // the computes' MAC-VRFs (l2vpn.go)
	}
	if !n.Model.Role.IsCore() {
		fams = []bgp.Family{bgp.IPv4Unicast}
	}
	lt := &listeners{net: l.bgpNets[""], port: l.bgpPort()}
	if n.Model.Space == "" {
		// A site's loopback is in its VPN's space, which may reuse it.
		lt.add(l.bgpNets[""], n.Model.Loopback.Addr())
	}
	for _, s := range l.sessionsOf(n.Model.Name) {
		if s.Kind == topology.SessionInterAS && (s.A == n.Model.Name || s.B == n.Model.Name) {
			lt.add(l.bgpNets[""], pick(s.A == n.Model.Name, s.AAddr, s.BAddr))
		}
		if isCloudUnicast(s) && s.A == n.Model.Name && s.VRF == "" {
			lt.add(l.cloudNet(s), s.AAddr) // the cloud's dragent connects here
		}
		if s.Kind == topology.SessionPECE && s.B == n.Model.Name {
			if l.bgpNets[s.VRF] == nil {
				l.bgpNets[s.VRF] = bgp.NewMemNetwork(l.clk)
			}
			lt.add(l.bgpNets[s.VRF], s.BAddr)
		}
	}
	if l.tcp == nil && l.opts.BGPPort != 0 && l.hasExternalPeer(n) {
		// External daemons that only connect out find the router on its
		// TCP address (over TCP every speaker listens there anyway). In
		// memory only on a port the caller chose: binding 179 unasked
		// would take it from a lab running over TCP beside this one.
		if a, ok := l.TCPAddr(n.Model.Name); ok {
			lt.tcp = netip.AddrPortFrom(a, l.bgpPort())
		}
	}
	tr, listen, err := l.speakerTransport(n.Model.Name, "", lt)
	if err != nil {
		return err
	}
	st := &bgpState{l: l, n: n}
	cfg := l3vpn.Config{
		Env: n.Router, Mode: l3vpn.Provider, ASBR: l.isASBR(n), Encapsulations: l.peTunnels(n), // computepe.go
		Speaker: bgp.Config{
			ASN: n.Model.ASN, RouterID: n.Model.RouterID, ClusterID: n.Model.ClusterID, Families: fams,
			Transport: tr, ListenAddr: listen, Clock: l.clk,
			OnFiltered: st.filtered,
		},
	}
	if !n.Model.Role.IsCore() {
		cfg.Mode, cfg.Announce = l3vpn.Site, func() []netip.Prefix { return l.ceOriginates(n) }
	}
	vpn, err := l3vpn.New(cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", n.Model.Name, err)
	}
	if lt.tcpErr != nil {
		n.Router.Event("bgp-listen", fmt.Sprintf("external peers must wait for the lab to connect: %v", lt.tcpErr))
	}
	st.vpn = vpn
	n.bgp = st
	return nil
}

// firstDialWait is how long a session's B end (a reflector to its
// clients, a CE to its PE) first waits for its A end, configured in the
// same breath, to connect: both dialling at once would open two
// connections, one for collision resolution to drop. It is lab time, and
// generous, for the A end's connection spends wall time in sockets and
// goroutines while a large lab's clock runs ahead; A retries on the
// same schedule as B would, so B's own dial only matters if A's never
// come.
const firstDialWait = 2 * time.Second

// startBGP adds every session's peers and the CEs' originated routes: the
// A ends start dialling at once (the B ends wait for them, firstDialWait),
// and the sessions come up as soon as their ends route to each other (on
// a virtual clock, once it runs).
func (l *Lab) startBGP() error {
	for _, n := range l.order {
		if n.bgp == nil {
			continue
		}
		st := n.bgp
		n.Router.Do(func() {
			st.vpn.Start()
			// After the speakers re-resolved: sessions may have gained or
			// lost their path.
			n.Router.RIB().Watch(func() { l.checkLiveness(st.sessions, false) })
		})
	}
	l.checkLiveness(l.bgpSessions, true)
	for i, s := range l.bgpPeers {
		bs := l.bgpSessions[i]
		// Model sessions say A is a client of reflector B; B configures it.
		// An ASBR puts itself in the path of what it brings into its AS.
		a := bgp.PeerConfig{Addr: bs.bKey, Port: l.bgpPort(), ASN: s.BASN, LocalAddr: bs.aKey, NextHop: s.AAddr, Description: s.B, Transport: bs.net,
			NextHopSelf:        s.Kind == topology.SessionIBGPVPN && bs.a.bgp.vpn.IsASBR(),
			ASOverride:         s.Kind == topology.SessionPECE && l.siteASNRepeats(s),
			SelfEncapsulations: l.selfEncapsulations(bs.a, bs.b, s),
			// Each ASBR hears its reflectors' full membership: it passes
			// that across, not their default (bgp.PeerConfig).
			WithholdIBGPDefaultRTC: s.Kind == topology.SessionInterAS}
		b := bgp.PeerConfig{Addr: bs.aKey, Port: l.bgpPort(), ASN: s.AASN, LocalAddr: bs.bKey, NextHop: s.BAddr, RRClient: s.RRClient, Description: s.A, Transport: bs.net,
			DialAfter:          firstDialWait,
			NextHopSelf:        s.Kind == topology.SessionIBGPVPN && bs.b.bgp.vpn.IsASBR(),
			SelfEncapsulations: l.selfEncapsulations(bs.b, bs.a, s),
			// A WAN PE, and nothing more, needs no other PE's membership.
			AdvertiseDefaultRTC:    s.RRClient && bs.a.Model.Role == topology.RolePE && !bs.a.bgp.vpn.IsASBR(),
			WithholdIBGPDefaultRTC: s.Kind == topology.SessionInterAS}
		if err := bs.aSp.AddPeer(a); err != nil {
			return fmt.Errorf("bgp %s -> %s: %w", s.A, s.B, err)
		}
		if err := bs.bSp.AddPeer(b); err != nil {
			return fmt.Errorf("bgp %s -> %s: %w", s.B, s.A, err)
		}
	}
	if err := l.startExternals(); err != nil {
		return err
	}
	if err := l.startCloudPeers(); err != nil {
		return err
	}
	for _, n := range l.order {
		if n.bgp == nil || n.Model.Role.IsCore() {
			continue
		}
		if err := n.bgp.vpn.Announce(); err != nil {
			return fmt.Errorf("%s: %w", n.Model.Name, err)
		}
	}
	return nil
}

// ceOriginates is what a CE announces to its PE: its loopback, the
// subnets of its links and what hangs below it (statically routed).
func (l *Lab) ceOriginates(n *Node) []netip.Prefix {
	out := []netip.Prefix{n.Model.Loopback}
	for _, ifc := range n.Model.Interfaces {
		if ifc.Addr.IsValid() {
			out = append(out, ifc.Addr.Masked())
		}
	}
	out = append(out, l.below[n.Model.Name]...)
	out = append(out, l.cloudAnnounced(n.Model.Name)...) // floating ranges (cloud.go)
	slices.SortFunc(out, comparePrefix)
	return slices.Compact(out)
}

// checkLiveness lets messages flow between the ends of each of the
// sessions whose ends route to each other, and stops them otherwise.
func (l *Lab) checkLiveness(sessions []*bgpSession, force bool) {
	l.bgpMu.Lock()
	defer l.bgpMu.Unlock()
	for _, s := range sessions {
		_, aOK := l3vpn.NextHopCost(s.a.Router.RIB(), s.aVRF, s.bAddr)
		_, bOK := l3vpn.NextHopCost(s.b.Router.RIB(), s.bVRF, s.aAddr)
		up := aOK && bOK
		if up != s.up || force {
			s.net.SetReachable(s.aKey, s.bKey, up)
			s.up = up
		}
	}
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// bgpCounts counts configured sessions whose ends route to each other and
// how many of those are Established.
func (l *Lab) bgpCounts() (live, established int) {
	l.bgpMu.Lock()
	sessions := slices.Clone(l.bgpSessions)
	ups := make([]bool, len(sessions))
	sps := make([][2]*bgp.Speaker, len(sessions)) // RestartBGP replaces them
	for i, s := range sessions {
		ups[i] = s.up
		sps[i] = [2]*bgp.Speaker{s.aSp, s.bSp}
	}
	l.bgpMu.Unlock()
	for i, s := range sessions {
		if !ups[i] {
			continue
		}
		live++
		if sps[i][0].PeerState(s.bKey) == bgp.Established && sps[i][1].PeerState(s.aKey) == bgp.Established {
			established++
		}
	}
	return live, established
}

// closeBGP stops every speaker.
func (l *Lab) closeBGP() {
	l.closeClouds()
	for _, n := range l.order {
		if n.bgp == nil {
			continue
		}
		n.bgp.vpn.Close()
	}
}

// listeners is a speaker's transport in the lab: it dials on one
// in-memory network and listens on several (network, address) pairs — a
// CE accepts its iBGP... its PE's connection on the link address in the
// VPN's network, and a PE's VRF speaker on each CE-facing address.
type listeners struct {
	net *bgp.MemNetwork // for dialling, unless a peer names its own
	on  []listenOn
	// port is where peers dial (Lab.bgpPort); 179 when zero.
	port uint16
	// tcp, when valid, is a real TCP address the speaker also accepts on:
	// a router's TCP address, for external daemons that only connect
	// out (bagpipe-bgp). Best effort: tcpErr says why it could not.
	tcp    netip.AddrPort
	tcpErr error
}

type listenOn struct {
	net  *bgp.MemNetwork
	addr netip.AddrPort
}

func (t *listeners) add(n *bgp.MemNetwork, a netip.Addr) {
	port := t.port
	if port == 0 {
		port = 179
	}
	t.on = append(t.on, listenOn{n, netip.AddrPortFrom(a, port)})
}

func (t *listeners) first() netip.AddrPort {
	if len(t.on) == 0 {
		return netip.AddrPort{}
	}
	return t.on[0].addr
}

// Listen implements bgp.Transport: it listens on every pair (addr is the
// first, as the speaker was configured).
func (t *listeners) Listen(_ netip.AddrPort, accept func(bgp.Conn)) (netip.AddrPort, func(), error) {
	var stops []func()
	stopAll := func() {
		for _, s := range stops {
			s()
		}
	}
	for _, o := range t.on {
		_, stop, err := o.net.Listen(o.addr, accept)
		if err != nil {
			stopAll()
			return netip.AddrPort{}, nil, err
		}
		stops = append(stops, stop)
	}
	if t.tcp.IsValid() {
		if _, stop, err := (bgp.TCP{}).Listen(t.tcp, accept); err != nil {
			t.tcpErr = err // the lab still dials the daemon itself
		} else {
			stops = append(stops, stop)
		}
	}
	return t.first(), stopAll, nil
}

// Dial implements bgp.Transport.
func (t *listeners) Dial(local netip.Addr, remote netip.AddrPort, done func(bgp.Conn, error)) {
	t.net.Dial(local, remote, done)
}

// bgpNet is where a session's messages flow: an in-memory network or the
// lab's TCP one; both follow the emulated network's reachability.
type bgpNet interface {
	bgp.Transport
	SetReachable(a, b netip.Addr, up bool)
}

// speakerTransport is the transport and listening address of node's
// speaker (for vrf, or its global one): lt, the in-memory networks, or
// over TCP the speaker's own 127/8 address.
func (l *Lab) speakerTransport(node, vrf string, lt *listeners) (bgp.Transport, netip.AddrPort, error) {
	if l.tcp == nil {
		return lt, lt.first(), nil
	}
	a, ok := l.SpeakerAddr(node, vrf)
	if !ok {
		return nil, netip.AddrPort{}, fmt.Errorf("%s: no BGP address in %v for vrf %q", node, l.tcpBase(), vrf)
	}
	return l.tcp, netip.AddrPortFrom(a, l.bgpPort()), nil
}

// siteASNRepeats reports whether another site of the PE–CE session's VPN
// has the CE's ASN: customers often number every site alike, and the PE
// then rewrites their ASN to its own (as-override) so that the sites
// accept each other's routes despite RFC 4271's loop check.
func (l *Lab) siteASNRepeats(s topology.Session) bool {
	for _, o := range l.peceSessions(s.VRF) {
		if o.B != s.B && o.BASN == s.BASN {
			return true
		}
	}
	return false
}
