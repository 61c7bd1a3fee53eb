package bgp

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// NeighborDetail is the data of FRR's `show bgp neighbors ADDR`.
type NeighborDetail struct {
	Neighbor
	LocalAS   uint32     `json:"localAs"`
	LocalAddr netip.Addr `json:"hostLocal,omitzero"`
	Internal  bool       `json:"nbrInternalLink"`
	// HoldTime and Keepalive are the negotiated timers (zero before
	// Established).
	HoldTime  time.Duration `json:"bgpTimerHoldTimeMsecs"`
	Keepalive time.Duration `json:"bgpTimerKeepAliveIntervalMsecs"`
	// Families are the address families negotiated on the session.
	Families []string `json:"afiSafis"`
	// FourOctetAS: the peer advertised the 4-octet AS capability; an
	// OLD speaker (RFC 6793) gets 2-octet AS_PATHs with AS4_PATH.
	FourOctetAS bool `json:"4byteAs"`
	// GracefulRestart: the peer advertised RFC 4724's capability, with
	// this restart time.
	GracefulRestart bool          `json:"gracefulRestart"`
	RestartTime     time.Duration `json:"gracefulRestartTimeMsecs,omitempty"`
	// RTConstraint: RFC 4684 was negotiated; RTMembership is what the
	// peer asked for (route targets; "default" for everything).
	RTConstraint bool     `json:"rtConstraint"`
	RTMembership []string `json:"rtMembership,omitempty"`
	NextHopSelf  bool     `json:"nextHopSelf,omitempty"`
	ASOverride   bool     `json:"asOverride,omitempty"`
	AllowASIn    int      `json:"allowAsIn,omitempty"`
	// Accept is the inbound prefix list (PeerConfig.Accept); Filtered
	// the prefixes the peer announces now that it refuses, and
	// FilteredTotal how many refusals there were in all.
	Accept        []netip.Prefix `json:"prefixListIn,omitempty"`
	Filtered      []netip.Prefix `json:"prefixesFiltered,omitempty"`
	FilteredTotal int            `json:"prefixesFilteredTotal,omitempty"`
}

// NeighborInfo returns the detail of the neighbour at addr.
func (s *Speaker) NeighborInfo(addr netip.Addr) (NeighborDetail, bool) {
	var sum *Neighbor
	for _, n := range s.Summary() {
		if n.Neighbor == addr {
			sum = &n
		}
	}
	if sum == nil {
		return NeighborDetail{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peers[addr]
	if p == nil {
		return NeighborDetail{}, false
	}
	d := NeighborDetail{Neighbor: *sum, LocalAS: s.cfg.ASN, Internal: p.ibgp,
		NextHopSelf: p.cfg.NextHopSelf, ASOverride: p.cfg.ASOverride, AllowASIn: p.cfg.AllowASIn,
		Accept: slices.Clone(p.cfg.Accept), Filtered: p.filteredKeys(), FilteredTotal: p.filteredTotal}
	if ss := p.established; ss != nil {
		d.LocalAddr = ss.localAddr
		d.HoldTime, d.Keepalive = ss.hold, ss.hold/3
		for f := range ss.families {
			d.Families = append(d.Families, f.String())
		}
		slices.Sort(d.Families)
		d.GracefulRestart, d.RestartTime = ss.grFamilies != nil, ss.grTime
		d.FourOctetAS = !ss.as2
		d.RTConstraint = ss.families[RTC]
		for k := range p.rtcIn {
			if k.Prefix.Bits() == 0 {
				d.RTMembership = append(d.RTMembership, "default")
				continue
			}
			if _, rt, _, ok := k.RTCMembership(); ok {
				d.RTMembership = append(d.RTMembership, rt.String())
			}
		}
		slices.Sort(d.RTMembership)
		d.RTMembership = slices.Compact(d.RTMembership)
	}
	return d, true
}

// WriteNeighbor renders NeighborInfo like FRR's `show bgp neighbors ADDR`.
func (s *Speaker) WriteNeighbor(w io.Writer, addr netip.Addr) error {
	d, ok := s.NeighborInfo(addr)
	if !ok {
		return fmt.Errorf("no neighbor %v", addr)
	}
	link := "external"
	if d.Internal {
		link = "internal"
	}
	fmt.Fprintf(w, "BGP neighbor is %v, remote AS %d, local AS %d, %s link\n", d.Neighbor.Neighbor, d.AS, d.LocalAS, link)
	if d.Description != "" {
		fmt.Fprintf(w, " Description: %s\n", d.Description)
	}
	fmt.Fprintf(w, "  BGP version 4, remote router ID %v, local router ID %v\n", d.RouterID, s.cfg.RouterID)
	fmt.Fprintf(w, "  BGP state = %s", d.State)
	if d.State == Established.String() {
		fmt.Fprintf(w, ", up for %s", upDown(d.UpDown))
	}
	fmt.Fprintln(w)
	if d.RRClient {
		fmt.Fprintln(w, "  Route-Reflector Client")
	}
	if d.HoldTime > 0 {
		fmt.Fprintf(w, "  Hold time is %d seconds, keepalive interval is %d seconds\n", int(d.HoldTime.Seconds()), int(d.Keepalive.Seconds()))
	}
	if len(d.Families) > 0 {
		fmt.Fprintf(w, "  Address families negotiated: %s\n", strings.Join(d.Families, ", "))
	}
	if d.State == Established.String() && !d.FourOctetAS {
		fmt.Fprintln(w, "  4-octet AS: not advertised by the peer (RFC 6793: it gets AS_TRANS for 4-octet ASes, the real path in AS4_PATH)")
	}
	if d.GracefulRestart {
		fmt.Fprintf(w, "  Graceful restart: the peer is a helper and restarts within %d seconds\n", int(d.RestartTime.Seconds()))
	}
	if d.RTConstraint {
		fmt.Fprintf(w, "  Route target constraint: the peer asks for %s\n", strings.Join(d.RTMembership, ", "))
	}
	var opts []string
	if d.NextHopSelf {
		opts = append(opts, "next-hop-self")
	}
	if d.ASOverride {
		opts = append(opts, "as-override")
	}
	if d.AllowASIn > 0 {
		opts = append(opts, fmt.Sprintf("allowas-in %d", d.AllowASIn))
	}
	if len(opts) > 0 {
		fmt.Fprintf(w, "  Options: %s\n", strings.Join(opts, ", "))
	}
	fmt.Fprintf(w, "  Messages: %d received, %d sent; prefixes: %d received, %d sent\n", d.MsgRcvd, d.MsgSent, d.PfxRcd, d.PfxSnt)
	if len(d.Accept) > 0 {
		fmt.Fprintf(w, "  Inbound prefix list: accept %s; filtered: %d now, %d in all\n", joinPrefixes(d.Accept), len(d.Filtered), d.FilteredTotal)
		if len(d.Filtered) > 0 {
			fmt.Fprintf(w, "  Filtered: %s\n", joinPrefixes(d.Filtered))
		}
	}
	if d.LocalAddr.IsValid() {
		fmt.Fprintf(w, "Local host: %v\n", d.LocalAddr)
	}
	if d.LastError != "" {
		fmt.Fprintf(w, "  Last reset: %s\n", d.LastError)
	}
	return nil
}

func joinPrefixes(ps []netip.Prefix) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", ")
}
