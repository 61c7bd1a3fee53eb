package l2vpn

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/router"
)

// Underlay is what a PE needs of its router: the protocol environment,
// UDP to and from its addresses, and the labels its data path hands over.
// *router.Router is one.
type Underlay interface {
	router.Env
	SendUDP(vrf string, src, dst netip.AddrPort, payload []byte) error
	ListenUDP(vrf string, port uint16, h func(router.UDPDatagram)) (stop func(), err error)
	HandleLabel(label uint32, h func(router.LabelledPayload)) (stop func())
}

// Config is one router's EVPN function.
type Config struct {
	Router Underlay
	// Self is the PE's address: its routes' next hop and originator,
	// the tunnels' source (a compute's underlay address).
	Self netip.Addr
	// Speaker is the router's global speaker now (it is replaced when
	// the router's BGP restarts); it must carry bgp.EVPN.
	Speaker func() *bgp.Speaker
	// ImportRTsChanged runs (control lock held) when the route targets
	// the EVIs import change, for RT constraint (l3vpn.Node.AskImportRTs).
	ImportRTsChanged func()
}

// PE is the EVPN function of one router: its EVIs.
type PE struct {
	cfg Config

	// mu guards what follows. The lab changes EVIs under the router's
	// control lock; BestChanged comes with the speaker's lock held.
	mu        sync.Mutex
	evis      map[string]*evi
	best      map[bgp.RouteKey]*bgp.Route // the speaker's EVPN best paths
	scheduled bool
	stopVXLAN func()
	byVNI     atomic.Pointer[map[uint32]*evi] // the data path's VXLAN demultiplexer
	rts       []bgp.ExtCommunity              // import RTs as last reported
}

// New creates a PE with no EVI.
func New(cfg Config) *PE {
	pe := &PE{cfg: cfg, evis: map[string]*evi{}, best: map[bgp.RouteKey]*bgp.Route{}}
	pe.byVNI.Store(&map[uint32]*evi{})
	return pe
}

// SetEVI (control lock held) adds the EVI, or replaces it when its
// configuration changed (its routes are withdrawn and advertised anew).
func (pe *PE) SetEVI(c EVIConfig) error {
	if err := c.check(); err != nil {
		return err
	}
	pe.mu.Lock()
	defer pe.mu.Unlock()
	if e := pe.evis[c.Name]; e != nil {
		if sameConfig(e.cfg, c) {
			return nil
		}
		pe.removeLocked(c.Name)
	}
	for _, o := range pe.evis {
		if c.Encap == EncapVXLAN && o.cfg.Encap == EncapVXLAN && o.cfg.VNI == c.VNI {
			return fmt.Errorf("evpn: EVI %s: VNI %d is EVI %s's", c.Name, c.VNI, o.cfg.Name)
		}
	}
	e := &evi{cfg: c, ports: map[packet.MAC]*localPort{}, seq: map[packet.MAC]uint32{}, moved: map[packet.MAC]bool{}}
	e.table.Store(&table{})
	r := pe.cfg.Router
	switch c.Encap {
	case EncapMPLS:
		e.label = r.RIB().AllocateLabel()
		e.stop = r.HandleLabel(e.label, func(p router.LabelledPayload) { pe.fromCore(e, p.Payload) })
	case EncapVXLAN:
		if pe.stopVXLAN == nil {
			stop, err := r.ListenUDP("", packet.PortVXLAN, pe.fromVXLAN)
			if err != nil {
				return err
			}
			pe.stopVXLAN = stop
		}
	}
	pe.evis[c.Name] = e
	pe.publishVNIs()
	r.Event("evpn", fmt.Sprintf("evi %s added: rd %v, %s %d", c.Name, c.RD, c.Encap, pick(c.Encap == EncapVXLAN, c.VNI, e.label)))
	pe.scheduleLocked()
	return nil
}

// RemoveEVI (control lock held) withdraws the EVI's routes and forgets it.
func (pe *PE) RemoveEVI(name string) {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	if pe.evis[name] != nil {
		pe.removeLocked(name)
		pe.scheduleLocked()
	}
}

func (pe *PE) removeLocked(name string) {
	e := pe.evis[name]
	delete(pe.evis, name)
	r := pe.cfg.Router
	if e.stop != nil {
		e.stop()
		r.RIB().ReleaseLabel(e.label)
	}
	if pe.stopVXLAN != nil && !slices.ContainsFunc(pe.eviList(), func(o *evi) bool { return o.cfg.Encap == EncapVXLAN }) {
		pe.stopVXLAN()
		pe.stopVXLAN = nil
	}
	pe.publishVNIs()
	r.Event("evpn", fmt.Sprintf("evi %s removed", name))
}

// SetPorts (control lock held) makes ports exactly the EVI's local
// ports. Each has a VM behind it (Guest), kept while the port stays.
func (pe *PE) SetPorts(name string, ports []Port) error {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	e := pe.evis[name]
	if e == nil {
		return fmt.Errorf("evpn: no EVI %q", name)
	}
	want := map[packet.MAC]Port{}
	for _, p := range ports {
		if p.MAC.IsMulticast() || p.MAC == (packet.MAC{}) {
			return fmt.Errorf("evpn: EVI %s: port %s has MAC %v, not a unicast address", name, p.ID, p.MAC)
		}
		if o, dup := want[p.MAC]; dup {
			return fmt.Errorf("evpn: EVI %s: ports %s and %s share MAC %v", name, o.ID, p.ID, p.MAC)
		}
		want[p.MAC] = p
	}
	for mac, lp := range e.ports {
		if w, ok := want[mac]; !ok || w.ID != lp.ID || !slices.Equal(w.IPs, lp.IPs) {
			delete(e.ports, mac)
			delete(e.moved, mac)
		}
	}
	for mac, p := range want {
		if e.ports[mac] != nil {
			continue
		}
		lp := &localPort{Port: p}
		lp.guest = newGuest(pe.cfg.Router, p, func(frame []byte) { pe.fromPort(e, lp, frame) })
		e.ports[mac] = lp
		// MAC mobility (RFC 7432 15): a MAC another PE advertised comes
		// here with the next sequence number.
		if rm, ok := e.table.Load().remote[mac]; ok {
			e.seq[mac] = max(e.seq[mac], rm.seq+1)
			pe.cfg.Router.Event("evpn", fmt.Sprintf("evi %s: %v moved here from %v, sequence %d", name, mac, rm.pe, e.seq[mac]))
		}
	}
	pe.scheduleLocked()
	return nil
}

// Guest is the VM behind the EVI's port with MAC mac, nil if none.
func (pe *PE) Guest(name string, mac packet.MAC) *Guest {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	if e := pe.evis[name]; e != nil && e.ports[mac] != nil {
		return e.ports[mac].guest
	}
	return nil
}

// Label is the EVI's MPLS label, 0 when it has none.
func (pe *PE) Label(name string) uint32 {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	if e := pe.evis[name]; e != nil {
		return e.label
	}
	return 0
}

// EVIs are the EVIs' names, sorted.
func (pe *PE) EVIs() []string {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	out := make([]string, 0, len(pe.evis))
	for n := range pe.evis {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// ImportRTs are the route targets the EVIs import (l3vpn.Beside).
func (pe *PE) ImportRTs() []bgp.ExtCommunity {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	return pe.importRTsLocked()
}

func (pe *PE) importRTsLocked() []bgp.ExtCommunity {
	var rts []bgp.ExtCommunity
	for _, e := range pe.eviList() {
		for _, rt := range e.cfg.Import {
			if !slices.Contains(rts, rt) {
				rts = append(rts, rt)
			}
		}
	}
	slices.SortFunc(rts, func(a, b bgp.ExtCommunity) int { return slices.Compare(a[:], b[:]) })
	return rts
}

// BestChanged takes the speaker's EVPN best-path changes (l3vpn.Beside;
// the speaker's lock is held: it only records them).
func (pe *PE) BestChanged(changes []bgp.Change) {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	for _, c := range changes {
		if c.Best == nil {
			delete(pe.best, c.Key)
		} else {
			pe.best[c.Key] = c.Best
		}
	}
	pe.scheduleLocked()
}

// Resync (control lock held) hands the speaker the EVIs' routes again,
// at once: after the router's BGP restarted the new speaker has none,
// and it must have them before its hold ends and it may send End-of-RIB
// (l3vpn.Node.Restart runs Resync before releasing it), or its helpers
// would sweep the stale ones (RFC 4724).
func (pe *PE) Resync() { pe.sync() }

func (pe *PE) scheduleLocked() {
	if !pe.scheduled {
		pe.scheduled = true
		pe.cfg.Router.AfterFunc(0, pe.sync)
	}
}

// eviList is the EVIs sorted by name (mu held).
func (pe *PE) eviList() []*evi {
	out := make([]*evi, 0, len(pe.evis))
	for _, e := range pe.evis {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *evi) int {
		if a.cfg.Name < b.cfg.Name {
			return -1
		}
		if a.cfg.Name > b.cfg.Name {
			return 1
		}
		return 0
	})
	return out
}

func (pe *PE) publishVNIs() {
	m := map[uint32]*evi{}
	for _, e := range pe.evis {
		if e.cfg.Encap == EncapVXLAN {
			m[e.cfg.VNI] = e
		}
	}
	pe.byVNI.Store(&m)
}

// sync (control lock held) rebuilds every EVI's table from the best
// paths, then hands the speaker the routes the EVIs originate.
func (pe *PE) sync() {
	pe.mu.Lock()
	pe.scheduled = false
	var set []bgp.Origination
	var errs []error
	for _, e := range pe.eviList() {
		pe.importInto(e)
		o, err := pe.originations(e)
		set = append(set, o...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	rts := pe.importRTsLocked()
	rtsChanged := !slices.Equal(rts, pe.rts)
	pe.rts = rts
	pe.mu.Unlock()
	if rtsChanged && pe.cfg.ImportRTsChanged != nil {
		pe.cfg.ImportRTsChanged()
	}
	if sp := pe.cfg.Speaker(); sp != nil {
		if _, err := sp.OriginateSet(bgp.EVPN, set); err != nil {
			errs = append(errs, err)
		}
	}
	for _, err := range errs {
		pe.cfg.Router.Event("evpn", err.Error())
	}
}

// importInto (mu held) builds e's table: its ports, and the routes of
// other PEs carrying one of its import RTs.
func (pe *PE) importInto(e *evi) {
	t := &table{local: map[packet.MAC]*localPort{}, remote: map[packet.MAC]remoteMAC{}, ips: map[netip.Addr]packet.MAC{}}
	flood := map[netip.Addr]tunnelEnd{}
	for _, r := range pe.best {
		if r.Local || r.NextHop == pe.cfg.Self || !imports(r, e.cfg.Import) {
			continue
		}
		rt, err := bgp.EVPNRouteOf(r.Key, r.Label, r.Attrs.EVPNNonKey)
		if err != nil {
			continue
		}
		encap, ok := encapOf(r)
		if !ok {
			continue // a tunnel this PE does not speak
		}
		switch rt.Type {
		case bgp.EVPNMACIP:
			end := tunnelEnd{pe: r.NextHop, encap: encap, label: fieldLabel(encap, rt.Label1)}
			mac := packet.MAC(rt.MAC)
			seq := mobilitySeq(r)
			old, had := t.remote[mac]
			switch {
			case !had || seq > old.seq || seq == old.seq && r.NextHop.Less(old.pe):
				t.remote[mac] = remoteMAC{tunnelEnd: end, seq: seq, ips: appendIP(nil, rt.IP)}
			case old.pe == r.NextHop:
				old.ips = appendIP(old.ips, rt.IP)
				t.remote[mac] = old
			}
		case bgp.EVPNMulticast:
			p, ok := r.Attrs.PMSI()
			if !ok || p.TunnelType != bgp.PMSIIngressReplication {
				continue
			}
			flood[r.NextHop] = tunnelEnd{pe: r.NextHop, encap: encap, label: fieldLabel(encap, p.Label)}
		}
	}
	for mac, lp := range e.ports {
		if rm, ok := t.remote[mac]; ok && rm.seq > e.seq[mac] {
			// It moved away (RFC 7432 15): the other PE's route wins.
			if !e.moved[mac] {
				e.moved[mac] = true
				pe.cfg.Router.Event("evpn", fmt.Sprintf("evi %s: %v now behind %v (sequence %d): local route withdrawn", e.cfg.Name, mac, rm.pe, rm.seq))
			}
			continue
		}
		delete(e.moved, mac)
		delete(t.remote, mac)
		t.local[mac] = lp
	}
	for mac, rm := range t.remote {
		for _, a := range rm.ips {
			t.ips[a] = mac
		}
	}
	for mac, lp := range t.local {
		for _, a := range lp.IPs {
			t.ips[a] = mac
		}
	}
	for _, end := range flood {
		t.flood = append(t.flood, end)
	}
	slices.SortFunc(t.flood, func(a, b tunnelEnd) int { return a.pe.Compare(b.pe) })
	e.table.Store(t)
}

// originations (mu held) are e's routes: a MAC/IP route per local port
// address (a MAC-only one for a port without), and its inclusive
// multicast route.
func (pe *PE) originations(e *evi) ([]bgp.Origination, error) {
	field := wireLabel(e.cfg.Encap, pick(e.cfg.Encap == EncapVXLAN, e.cfg.VNI, e.label))
	comms := append(slices.Clone(e.cfg.Export), bgp.EncapsulationCommunity(e.cfg.Encap.tunnelType()))
	base := bgp.Attrs{NextHop: pe.cfg.Self}
	var out []bgp.Origination
	add := func(r bgp.EVPNRoute, label uint32, a bgp.Attrs) error {
		k, _, err := r.Key()
		if err != nil {
			return err
		}
		a.EVPNNonKey = r.NonKey()
		out = append(out, bgp.Origination{Key: k, Label: label, Attrs: a})
		return nil
	}
	for _, mac := range sortedMACs(e.ports) {
		if e.moved[mac] {
			continue
		}
		lp := e.ports[mac]
		a := base
		cs := comms
		if s := e.seq[mac]; s > 0 {
			cs = append(slices.Clone(comms), bgp.MACMobility(s, false))
		}
		a.ExtCommunities = bgp.PackExtCommunities(cs)
		ips := lp.IPs
		if len(ips) == 0 {
			ips = []netip.Addr{{}}
		}
		for _, ip := range ips {
			if err := add(bgp.EVPNRoute{Type: bgp.EVPNMACIP, RD: e.cfg.RD, MAC: mac, IP: ip, Label1: field}, field, a); err != nil {
				return out, fmt.Errorf("evpn: EVI %s: %v: %w", e.cfg.Name, mac, err)
			}
		}
	}
	a := base
	a.ExtCommunities = bgp.PackExtCommunities(comms)
	a.PMSITunnel = bgp.PackPMSITunnel(bgp.PMSITunnel{TunnelType: bgp.PMSIIngressReplication, Label: field, TunnelID: pe.cfg.Self.AsSlice()})
	err := add(bgp.EVPNRoute{Type: bgp.EVPNMulticast, RD: e.cfg.RD, Originator: pe.cfg.Self}, 0, a)
	return out, err
}

// imports reports whether r carries one of rts.
func imports(r *bgp.Route, rts []bgp.ExtCommunity) bool {
	for _, rt := range r.Attrs.RouteTargets() {
		if slices.Contains(rts, rt) {
			return true
		}
	}
	return false
}

// encapOf is how r's PE asks to be sent frames: the Encapsulation
// extended communities it carries (RFC 8365 5.1.3); a route with none is
// MPLS (RFC 7432), here in MPLS-in-UDP as the computes reach each other.
func encapOf(r *bgp.Route) (Encap, bool) {
	seen := false
	for _, c := range r.Attrs.ExtCommunityList() {
		t, ok := c.Encapsulation()
		if !ok {
			continue
		}
		seen = true
		switch t {
		case bgp.TunnelVXLAN:
			return EncapVXLAN, true
		case bgp.TunnelMPLSInUDP, bgp.TunnelMPLS:
			return EncapMPLS, true
		}
	}
	return EncapMPLS, !seen
}

// mobilitySeq is r's MAC Mobility sequence number, 0 without one.
func mobilitySeq(r *bgp.Route) uint32 {
	for _, c := range r.Attrs.ExtCommunityList() {
		if c.IsMACMobility() {
			return binary.BigEndian.Uint32(c[4:])
		}
	}
	return 0
}

func appendIP(ips []netip.Addr, a netip.Addr) []netip.Addr {
	if !a.IsValid() || slices.Contains(ips, a) {
		return ips
	}
	return append(ips, a)
}

func sortedMACs[T any](m map[packet.MAC]T) []packet.MAC {
	out := make([]packet.MAC, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b packet.MAC) int { return slices.Compare(a[:], b[:]) })
	return out
}

func pick[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}
