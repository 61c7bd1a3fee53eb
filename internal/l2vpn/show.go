package l2vpn

import (
	"fmt"
	"net/netip"
	"slices"
)

// MACEntry is a row of an EVI's MAC table.
type MACEntry struct {
	MAC string       `json:"mac"`
	IPs []netip.Addr `json:"ips,omitempty"`
	// Where: "local" (a port on this router) or "remote" (behind PE).
	Where string `json:"where"`
	Port  string `json:"port,omitempty"` // the local port's id
	PE    string `json:"pe,omitempty"`   // the remote PE
	Encap string `json:"encap,omitempty"`
	// Label is the remote PE's MPLS label or VNI for the MAC.
	Label uint32 `json:"label,omitempty"`
	// Seq is its MAC Mobility sequence number.
	Seq uint32 `json:"seq,omitempty"`
}

// EVIState is an EVI as show prints it.
type EVIState struct {
	Name   string   `json:"name"`
	RD     string   `json:"rd"`
	Import []string `json:"import_rts"`
	Export []string `json:"export_rts"`
	Encap  string   `json:"encap"`
	// Label is its MPLS label, or VNI is its VNI.
	Label uint32     `json:"label,omitempty"`
	VNI   uint32     `json:"vni,omitempty"`
	MACs  []MACEntry `json:"macs"`
	// Flood are the PEs BUM traffic is replicated to.
	Flood    []string `json:"flood"`
	Counters Counters `json:"counters"`
}

// Counters are an EVI's data-plane counts.
type Counters struct {
	FromPorts     uint64 `json:"from_ports"`
	ToPorts       uint64 `json:"to_ports"`
	Encapsulated  uint64 `json:"encapsulated"`
	Decapsulated  uint64 `json:"decapsulated"`
	Replicas      uint64 `json:"bum_replicas"`
	ARPSuppressed uint64 `json:"arp_suppressed"`
	Dropped       uint64 `json:"dropped"`
}

// EVI is the state of EVI name; false when there is none.
func (pe *PE) EVI(name string) (EVIState, bool) {
	pe.mu.Lock()
	e := pe.evis[name]
	pe.mu.Unlock()
	if e == nil {
		return EVIState{}, false
	}
	t := e.table.Load()
	s := EVIState{Name: name, RD: e.cfg.RD.String(), Encap: e.cfg.Encap.String(), Label: e.label, MACs: []MACEntry{}, Flood: []string{}}
	if e.cfg.Encap == EncapVXLAN {
		s.VNI = e.cfg.VNI
	}
	for _, rt := range e.cfg.Import {
		s.Import = append(s.Import, rt.String())
	}
	for _, rt := range e.cfg.Export {
		s.Export = append(s.Export, rt.String())
	}
	for _, mac := range sortedMACs(t.local) {
		lp := t.local[mac]
		s.MACs = append(s.MACs, MACEntry{MAC: mac.String(), IPs: slices.Clone(lp.IPs), Where: "local", Port: lp.ID})
	}
	for _, mac := range sortedMACs(t.remote) {
		rm := t.remote[mac]
		s.MACs = append(s.MACs, MACEntry{MAC: mac.String(), IPs: slices.Clone(rm.ips), Where: "remote", PE: rm.pe.String(),
			Encap: rm.encap.String(), Label: rm.label, Seq: rm.seq})
	}
	for _, end := range t.flood {
		s.Flood = append(s.Flood, fmt.Sprintf("%v (%s %d)", end.pe, end.encap, end.label))
	}
	c := &e.stats
	s.Counters = Counters{FromPorts: c.fromPorts.Load(), ToPorts: c.toPorts.Load(), Encapsulated: c.encapsulated.Load(),
		Decapsulated: c.decapsulated.Load(), Replicas: c.replicas.Load(), ARPSuppressed: c.arpSuppressed.Load(), Dropped: c.dropped.Load()}
	return s, true
}
