package lab

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/topology"
)

// Neutron dynamic routing (DESIGN.md section 4, option 2). The model
// gives each dynamic-routing cloud an eBGP session (ebgp-cloud) between
// its attach node — a CE, or a PE's VRF — and the cloud's node. The
// attach end is the provider's: configured at build time, passive (the
// cloud's dragent connects, as it does to a real CE), expecting the
// model's cloud ASN and accepting only prefixes inside the cloud's
// allocated block (bgp.PeerConfig.Accept; refusals are events). The
// cloud end runs only while Neutron has a speaker scheduled on the
// cloud's dragent with a peer at the attach node's uplink address:
// ApplyCloud (cloud.go) starts it with Neutron's local_as, so a wrong
// local_as gives a session the CE refuses (Bad Peer AS, shown by `show
// NODE bgp neighbor`), and has it originate exactly Neutron's advertised
// routes, with the router gateway as third-party next hop. The dragent
// installs nothing it learns, as neutron-bgp-dragent does not.

// cloudSession is a dynamic-routing cloud's session with its attach node.
type cloudSession struct {
	s      topology.Session
	bs     *bgpSession     // liveness, and each end's speaker (bSp: the dragent's, nil while none)
	mem    *bgp.MemNetwork // the link's address space, for the in-memory transport
	accept []netip.Prefix
}

// dragent is a running dragent speaker.
type dragent struct {
	name    string
	sp      *bgp.Speaker
	as      uint32
	peerASN uint32 // 0: no peer configured yet
	agent   string // the dragent's host it runs on
	// down: aborted (no enabled dragent hosts it), the attach node
	// keeping its routes as stale until an agent takes it again.
	down bool
}

// isCloudUnicast reports whether s is a dynamic-routing cloud's session
// (an SDN cloud's gateway session carries VPNv4 instead).
func isCloudUnicast(s topology.Session) bool {
	return s.Kind == topology.SessionCloudCE && slices.Equal(s.Families, []string{"ipv4-unicast"})
}

// cloudNet is the in-memory network of the space a cloud session's link
// is in.
func (l *Lab) cloudNet(s topology.Session) *bgp.MemNetwork {
	space := ""
	for _, c := range l.Model.Clouds {
		if c.Node == s.B && c.LinkID >= 0 {
			space = l.Model.Links[c.LinkID].Space
		}
	}
	if l.bgpNets[space] == nil {
		l.bgpNets[space] = bgp.NewMemNetwork(l.clk)
	}
	return l.bgpNets[space]
}

// planCloudSessions (from buildBGP, once the attach nodes' speakers
// exist) records each dynamic-routing cloud's session. An attach node
// that runs no BGP (a CE in no VPN) leaves its cloud statically routed.
func (l *Lab) planCloudSessions() error {
	for _, s := range l.Model.Sessions {
		if !isCloudUnicast(s) {
			continue
		}
		a, b := l.nodes[s.A], l.nodes[s.B]
		if a == nil || b == nil || a.bgp == nil {
			continue
		}
		aSp := a.bgp.vpn.Speaker()
		if s.VRF != "" {
			if aSp = a.bgp.vpn.VRFSpeaker(s.VRF); aSp == nil {
				continue
			}
		}
		mem := l.cloudNet(s)
		bs := &bgpSession{net: mem, a: a, b: b, aVRF: s.VRF, aAddr: s.AAddr, bAddr: s.BAddr, aKey: s.AAddr, bKey: s.BAddr, aSp: aSp}
		if l.tcp != nil {
			bs.net = l.tcp
			bs.aKey, _ = l.SpeakerAddr(s.A, s.VRF)
			bs.bKey, _ = l.SpeakerAddr(s.B, "")
		}
		cr, err := l.cloudRunFor(b.Model.Cloud)
		if err != nil {
			return err
		}
		cr.sess = &cloudSession{s: s, bs: bs, mem: mem, accept: []netip.Prefix{cr.c.Prefix}}
		a.bgp.sessions = append(a.bgp.sessions, bs) // its RIB decides the liveness
		if l.cloudPeers == nil {
			l.cloudPeers = map[netip.Addr]string{}
		}
		l.cloudPeers[bs.bKey] = s.B
	}
	return nil
}

// startCloudPeers (from startBGP) configures the attach ends.
func (l *Lab) startCloudPeers() error {
	for _, cr := range l.clouds {
		cs := cr.sess
		if cs == nil {
			continue
		}
		s, bs := cs.s, cs.bs
		err := bs.aSp.AddPeer(bgp.PeerConfig{
			Addr: bs.bKey, Port: l.bgpPort(), ASN: s.BASN, LocalAddr: bs.aKey, NextHop: s.AAddr,
			Description: s.B + " (dragent)", Transport: bs.net, Passive: true, Accept: cs.accept,
		})
		if err != nil {
			return fmt.Errorf("bgp %s -> %s: %w", s.A, s.B, err)
		}
	}
	return nil
}

// filtered is the OnFiltered of a node's speakers: a refusal is an event.
func (st *bgpState) filtered(peer netip.Addr, _ bgp.Family, k bgp.RouteKey) {
	who := peer.String()
	if name, ok := st.l.cloudPeers[peer]; ok {
		who = name + " (" + who + ")"
	}
	st.n.Router.Event("bgp-filtered", fmt.Sprintf("refused %v from %s: outside its prefix list", k.Prefix, who))
}

// syncDragent (cr.mu held) runs, changes or stops the cloud's speaker.
func (l *Lab) syncDragent(cr *cloudRun, want *CloudSpeaker) error {
	ev := func(format string, args ...any) { cr.node.Router.Event("bgp-dragent", fmt.Sprintf(format, args...)) }
	cs := cr.sess
	if cs == nil {
		if want != nil && cr.sp == nil {
			ev("speaker %s not run: cloud %s has no dynamic-routing session with %s", want.Name, cr.c.Name, cr.c.Attach)
		}
		return nil
	}
	var peer *CloudPeer
	if want != nil {
		for i, p := range want.Peers {
			if p.Addr == cs.s.AAddr {
				peer = &want.Peers[i]
			}
		}
	}
	if d := cr.sp; d != nil && (want == nil || peer == nil || want.LocalAS != d.as) {
		l.stopDragent(cr)
		ev("speaker %s stopped", d.name)
	}
	idle := ""
	if want != nil && peer == nil {
		idle = fmt.Sprintf("speaker %s idle: no peer at %s's uplink address %v", want.Name, cs.s.A, cs.s.AAddr)
	}
	if idle != cr.idle && idle != "" {
		ev("%s", idle) // once per state, not on every Neutron change
	}
	cr.idle = idle
	if want == nil || peer == nil {
		return nil
	}
	if want.Unhosted {
		// Its agent disabled or unbound (a move between two agents takes
		// a DELETE and a POST): down as a dead dragent goes, without a
		// NOTIFICATION, so the attach node keeps its routes as stale for
		// the restart time and traffic flows until an agent takes it.
		if d := cr.sp; d != nil && !d.down {
			l.abortDragent(cr)
			ev("speaker %s down: no enabled dragent hosts it (was on %s); %s keeps its routes as stale for %v",
				d.name, d.agent, cs.s.A, d.sp.RestartTime())
		}
		return nil
	}
	if cr.sp == nil {
		if err := l.startDragent(cr, want); err != nil {
			return err
		}
		ev("speaker %s started in AS %d on %s", want.Name, want.LocalAS, want.Agent)
	} else if d := cr.sp; d.down || d.agent != want.Agent {
		from := d.agent
		if err := l.restartDragent(cr, want.Agent); err != nil {
			return err
		}
		defer cr.sp.sp.Release() // once syncAdvertised, below, has originated again
		ev("speaker %s restarted gracefully on %s (was on %s): %s keeps its routes as stale until it has re-advertised them",
			d.name, want.Agent, from, cs.s.A)
	}
	d := cr.sp
	d.name = want.Name // a rename is no reason to drop the session
	if d.peerASN != peer.ASN {
		if d.peerASN != 0 {
			_ = d.sp.RemovePeer(cs.bs.aKey)
		}
		err := d.sp.AddPeer(bgp.PeerConfig{
			Addr: cs.bs.aKey, Port: l.bgpPort(), ASN: peer.ASN, LocalAddr: cs.bs.bKey, NextHop: cs.s.BAddr,
			Description: cs.s.A, Transport: cs.bs.net, ThirdPartyNextHop: true,
		})
		if err != nil {
			return fmt.Errorf("cloud %s: bgp peer %v: %w", cr.c.Name, peer.Addr, err)
		}
		d.peerASN = peer.ASN
		ev("speaker %s peers with %s (%v, AS %d)", d.name, cs.s.A, peer.Addr, peer.ASN)
	}
	return l.syncAdvertised(cr, want.Routes)
}

// startDragent creates the cloud node's speaker.
func (l *Lab) startDragent(cr *cloudRun, want *CloudSpeaker) error {
	cs := cr.sess
	lt := &listeners{net: cs.mem}
	lt.add(cs.mem, cs.s.BAddr)
	tr, listen, err := l.speakerTransport(cs.s.B, "", lt)
	if err != nil {
		return err
	}
	sp, err := bgp.New(bgp.Config{
		ASN: want.LocalAS, RouterID: cr.node.Model.RouterID, Families: []bgp.Family{bgp.IPv4Unicast},
		Transport: tr, ListenAddr: listen, Clock: l.clk,
	})
	if err != nil {
		return fmt.Errorf("cloud %s: speaker %s: %w", cr.c.Name, want.Name, err)
	}
	cr.sp = &dragent{name: want.Name, sp: sp, as: want.LocalAS, agent: want.Agent}
	l.bgpMu.Lock()
	cs.bs.bSp = sp
	l.bgpMu.Unlock()
	return nil
}

// abortDragent stops the speaker as a dying dragent's stops, without a
// NOTIFICATION: the attach node, a graceful-restart helper, keeps its
// routes as stale for the restart time. The speaker stays, down, for
// restartDragent.
func (l *Lab) abortDragent(cr *cloudRun) {
	d := cr.sp
	l.bgpMu.Lock()
	cr.sess.bs.bSp = nil
	l.bgpMu.Unlock()
	d.sp.Abort()
	d.down = true
}

// restartDragent restarts the speaker on agent in RFC 4724's restarting
// role, as a dragent taking over a speaker starts it (or the same one
// after a restart): the attach node keeps the old session's routes as
// stale while the new session comes up, the speaker defers its updates
// until the attach node's End-of-RIB, then advertises what it originates
// (syncAdvertised, after this) and the stale routes it no longer has go.
// The new speaker is held (bgp.Speaker.RestartHeld): the caller releases
// it after syncAdvertised, lest the attach node's End-of-RIB, quick on
// the real clock, have it send an empty table that sweeps the stale
// routes.
func (l *Lab) restartDragent(cr *cloudRun, agent string) error {
	d := cr.sp
	sp, err := d.sp.RestartHeld() // aborts the old one first, if still up
	if err != nil {
		return fmt.Errorf("cloud %s: speaker %s: %w", cr.c.Name, d.name, err)
	}
	l.bgpMu.Lock()
	cr.sess.bs.bSp = sp
	l.bgpMu.Unlock()
	d.sp, d.agent, d.down = sp, agent, false
	return nil
}

// stopDragent closes the speaker: the attach node drops its routes (if
// it was down already, when their restart time runs out).
func (l *Lab) stopDragent(cr *cloudRun) {
	if cr.sp == nil {
		return
	}
	l.bgpMu.Lock()
	cr.sess.bs.bSp = nil
	l.bgpMu.Unlock()
	cr.sp.sp.Close()
	cr.sp = nil
}

// syncAdvertised originates exactly routes from the dragent speaker.
func (l *Lab) syncAdvertised(cr *cloudRun, routes []CloudRoute) error {
	set := make([]bgp.Origination, len(routes))
	for i, r := range routes {
		set[i] = bgp.Origination{Key: bgp.RouteKey{Prefix: r.Prefix}, Attrs: bgp.Attrs{Origin: bgp.OriginIGP, NextHop: r.NextHop}}
	}
	if failed, err := cr.sp.sp.OriginateSet(bgp.IPv4Unicast, set); err != nil {
		return fmt.Errorf("cloud %s: %d routes not advertised: %w", cr.c.Name, failed, err)
	}
	return nil
}

// closeClouds stops the dragent speakers (from closeBGP).
func (l *Lab) closeClouds() {
	l.bgpMu.Lock()
	runs := make([]*cloudRun, 0, len(l.clouds))
	for _, cr := range l.clouds {
		runs = append(runs, cr)
	}
	l.bgpMu.Unlock()
	for _, cr := range runs {
		cr.mu.Lock()
		l.stopDragent(cr)
		cr.mu.Unlock()
	}
}
