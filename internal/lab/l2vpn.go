package lab

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/l2vpn"
	"github.com/intercloud/intercloud/internal/packet"
)

// L2 BGPVPNs (RFC 7432 EVPN, VXLAN per RFC 8365), bagpipe's model: each
// compute node hosting a VM port of a network associated with an l2
// BGPVPN runs a MAC-VRF (an EVI, internal/l2vpn) for it, on the same
// global speaker as its attachment VRFs (computepe.go), with the
// BGPVPN's route targets and route distinguisher (or one it allocates).
// The VMs on those ports are the EVI's guests: they send Ethernet frames
// and answer ARP and ping on the stretched subnet. A BGPVPN with a VNI
// runs over VXLAN with that VNI; one without, over MPLS (a label per EVI)
// in MPLS-in-UDP. Like the attachments, everything is by difference from
// Neutron's state, and a compute keeps its reflector sessions while it
// has an EVI or an attachment VRF.

// CloudL2VPN is an l2 BGPVPN of the cloud and the VM ports its network
// associations bring into it.
type CloudL2VPN struct {
	ID, Name string
	// RD is the first of its route_distinguishers, "" to allocate one
	// per compute node.
	RD             string
	Import, Export []string
	// VNI is its vni, 0 when unset (then MPLS).
	VNI   uint32
	Ports []CloudL2Port
}

// CloudL2Port is a VM port of an l2 BGPVPN's network.
type CloudL2Port struct {
	Port string // its id
	Host string // binding:host_id
	MAC  packet.MAC
	IPs  []netip.Addr
}

// newEVPN gives a compute node its EVPN function, sharing the global
// speaker of its l3vpn.Node (planComputePEs passes it as Beside).
func (l *Lab) newEVPN(cn *Node, st *bgpState) *l2vpn.PE {
	return l2vpn.New(l2vpn.Config{
		Router: cn.Router, Self: underlayAddr(cn),
		Speaker: func() *bgp.Speaker {
			if st.vpn == nil {
				return nil
			}
			return st.vpn.Speaker()
		},
		ImportRTsChanged: func() {
			if st.vpn != nil {
				st.vpn.AskImportRTs()
			}
		},
	})
}

// eviWant is one EVI a compute should run.
type eviWant struct {
	cfg   l2vpn.EVIConfig
	vpn   string // the BGPVPN's id
	ports []l2vpn.Port
}

// syncL2VPNs (cr.mu held, after syncComputePEs) gives every compute PE
// of the cloud exactly the EVIs its ports ask for.
func (l *Lab) syncL2VPNs(cr *cloudRun, vpns []CloudL2VPN) error {
	if len(cr.pes) == 0 {
		if len(vpns) > 0 && !cr.l2Idle {
			cr.node.Router.Event("evpn", fmt.Sprintf("cloud %s's l2 BGPVPNs stay in Neutron: its computes are no PEs", cr.c.Name))
		}
		cr.l2Idle = len(vpns) > 0
		return nil
	}
	want := map[string]map[string]*eviWant{}
	names := eviNames(vpns)
	for _, v := range vpns {
		imports, err := parseRTs(v.Import)
		if err != nil {
			return fmt.Errorf("bgpvpn %s: %w", v.ID, err)
		}
		exports, err := parseRTs(v.Export)
		if err != nil {
			return fmt.Errorf("bgpvpn %s: %w", v.ID, err)
		}
		var rd bgp.RD
		if v.RD != "" {
			if rd, err = bgp.ParseRD(v.RD); err != nil {
				return fmt.Errorf("bgpvpn %s: %w", v.ID, err)
			}
		}
		encap := l2vpn.EncapMPLS
		if v.VNI != 0 {
			encap = l2vpn.EncapVXLAN
		}
		for _, p := range v.Ports {
			vm := CloudVM{Port: p.Port, Host: p.Host}
			if len(p.IPs) > 0 {
				vm.Addr = p.IPs[0]
			}
			host, err := placeVM(cr.c, vm)
			if err != nil || host == "" || cr.pes[host] == nil {
				continue
			}
			byName := want[host]
			if byName == nil {
				byName = map[string]*eviWant{}
				want[host] = byName
			}
			w := byName[names[v.ID]]
			if w == nil {
				w = &eviWant{vpn: v.ID, cfg: l2vpn.EVIConfig{Name: names[v.ID], RD: rd, Import: imports, Export: exports, Encap: encap, VNI: v.VNI}}
				byName[names[v.ID]] = w
			}
			w.ports = append(w.ports, l2vpn.Port{ID: p.Port, MAC: p.MAC, IPs: p.IPs})
		}
	}
	for _, host := range sortedNames(cr.pes) {
		pe := cr.pes[host]
		evpn := pe.node.bgp.evpn
		if evpn == nil {
			continue
		}
		r := pe.node.Router
		var err error
		r.Do(func() {
			for _, name := range evpn.EVIs() {
				if want[host][name] == nil {
					evpn.RemoveEVI(name)
					delete(pe.evis, name)
				}
			}
			for _, name := range sortedNames(want[host]) {
				w := want[host][name]
				if w.cfg.RD == (bgp.RD{}) {
					w.cfg.RD = allocRD(pe, "evpn:"+w.vpn)
				}
				if err = evpn.SetEVI(w.cfg); err != nil {
					return
				}
				if err = evpn.SetPorts(name, w.ports); err != nil {
					return
				}
				pe.evis[name] = w.vpn
			}
		})
		if err != nil {
			return fmt.Errorf("%s: %w", host, err)
		}
		switch {
		case pe.attached() && pe.sessions == nil:
			if err := l.startComputeSessions(cr, pe); err != nil {
				return err
			}
		case !pe.attached() && pe.sessions != nil:
			l.stopComputeSessions(pe)
		}
	}
	return nil
}

// attached reports whether the compute has an attachment VRF in a VPN
// (not one for a router association's VMs alone) or an EVI, and so
// peers with the reflectors.
func (pe *computePE) attached() bool {
	for _, at := range pe.vrfs {
		if at.inVPN() {
			return true
		}
	}
	return len(pe.evis) > 0
}

// eviNames names each l2 BGPVPN's EVI: its name when a plain word no
// other has, else "evpn-" and the start of its id.
func eviNames(vpns []CloudL2VPN) map[string]string {
	ids, names := make([]string, len(vpns)), make([]string, len(vpns))
	for i, v := range vpns {
		ids[i], names[i] = v.ID, v.Name
	}
	return instanceNames(ids, names, "evpn-")
}

// EVI is the EVPN instance name of compute node; false when it has none.
func (l *Lab) EVI(node, name string) (l2vpn.EVIState, bool) {
	n := l.nodes[node]
	if n == nil || n.bgp == nil || n.bgp.evpn == nil {
		return l2vpn.EVIState{}, false
	}
	return n.bgp.evpn.EVI(name)
}

// EVIs are the EVPN instances of a node, by name.
func (l *Lab) EVIs(node string) []string {
	n := l.nodes[node]
	if n == nil || n.bgp == nil || n.bgp.evpn == nil {
		return nil
	}
	return n.bgp.evpn.EVIs()
}

// L2Guest is the VM behind the port with mac in EVI name of node.
func (l *Lab) L2Guest(node, name string, mac packet.MAC) (*l2vpn.Guest, error) {
	n := l.nodes[node]
	if n == nil || n.bgp == nil || n.bgp.evpn == nil {
		return nil, fmt.Errorf("%s runs no EVPN", node)
	}
	g := n.bgp.evpn.Guest(name, mac)
	if g == nil {
		return nil, fmt.Errorf("%s: EVI %s has no port with MAC %v (EVIs: %s)", node, name, mac, strings.Join(n.bgp.evpn.EVIs(), ", "))
	}
	return g, nil
}

// EVPNLabel is the MPLS label of EVI name on node, 0 without one.
func (l *Lab) EVPNLabel(node, name string) uint32 {
	n := l.nodes[node]
	if n == nil || n.bgp == nil || n.bgp.evpn == nil {
		return 0
	}
	return n.bgp.evpn.Label(name)
}

// macVRFs are the node's EVPN instances as `show NODE vrf [NAME]` lists
// them beside its VRFs (words: the table's words after "vrf").
func (l *Lab) macVRFs(n *Node, words []string) []VRFInfo {
	if n.bgp == nil || n.bgp.evpn == nil {
		return nil
	}
	bgpvpnOf := map[string]string{}
	l.bgpMu.Lock()
	cr := l.clouds[n.Model.Cloud]
	l.bgpMu.Unlock()
	if cr != nil {
		cr.mu.Lock()
		if pe := cr.pes[n.Model.Name]; pe != nil {
			for name, id := range pe.evis {
				bgpvpnOf[name] = id
			}
		}
		cr.mu.Unlock()
	}
	var out []VRFInfo
	for _, name := range n.bgp.evpn.EVIs() {
		if len(words) == 1 && name != words[0] {
			continue
		}
		s, ok := n.bgp.evpn.EVI(name)
		if !ok {
			continue
		}
		out = append(out, VRFInfo{Name: name, RD: s.RD, Import: s.Import, Export: s.Export, Label: s.Label, BGPVPN: bgpvpnOf[name],
			MACVRF: &MACVRF{Encap: s.Encap, VNI: s.VNI, MACs: s.MACs, Flood: s.Flood, Counters: s.Counters}})
	}
	return out
}

// writeMACVRFs prints the MAC table of each EVPN instance among infos.
func writeMACVRFs(b *strings.Builder, infos []VRFInfo) {
	for _, v := range infos {
		m := v.MACVRF
		if m == nil {
			continue
		}
		how := fmt.Sprintf("mpls label %d", v.Label)
		if m.Encap == l2vpn.EncapVXLAN.String() {
			how = fmt.Sprintf("vxlan vni %d", m.VNI)
		}
		fmt.Fprintf(b, "\nmac-vrf %s: evpn of bgpvpn %s, %s; BUM to %s\n", v.Name, v.BGPVPN, how, orNone(strings.Join(m.Flood, ", ")))
		fmt.Fprintf(b, "  %-17s  %-15s  %-30s  %-10s  %s\n", "MAC", "IP", "LEARNED", "LABEL/VNI", "SEQ")
		for _, e := range m.MACs {
			ips := make([]string, len(e.IPs))
			for i, a := range e.IPs {
				ips[i] = a.String()
			}
			where, label := "local port "+e.Port, "-"
			if e.Where == "remote" {
				where, label = "bgp from "+e.PE+" ("+e.Encap+")", fmt.Sprint(e.Label)
			}
			fmt.Fprintf(b, "  %-17s  %-15s  %-30s  %-10s  %d\n", e.MAC, orNone(strings.Join(ips, ",")), where, label, e.Seq)
		}
		c := m.Counters
		fmt.Fprintf(b, "  frames from ports %d, to ports %d, encapsulated %d, decapsulated %d, BUM replicas %d, ARP answered %d, dropped %d\n",
			c.FromPorts, c.ToPorts, c.Encapsulated, c.Decapsulated, c.Replicas, c.ARPSuppressed, c.Dropped)
	}
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
