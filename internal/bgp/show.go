package bgp

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// RouteView is one path as `show bgp ipv4 vpn` shows it (and as its JSON
// carries it). An IPv4 next hop of an IPv6 family shows IPv4-mapped.
type RouteView struct {
	RD      string   `json:"rd,omitempty"`
	Prefix  string   `json:"prefix"`
	NextHop string   `json:"nexthop"`
	Label   uint32   `json:"label,omitempty"`
	RTs     []string `json:"routeTargets,omitempty"`
	// Colors are the Color extended communities (RFC 9012), which steer
	// the route onto an SR policy.
	Colors []uint32 `json:"colors,omitempty"`
	// Encapsulation are the tunnels the egress offers (RFC 9012, from
	// the Tunnel Encapsulation attribute or the Encapsulation extended
	// community, encap.go).
	Encapsulation []TunnelView `json:"encapsulation,omitempty"`
	// EVPN is an EVPN route's fields (Prefix then shows it as FRR's
	// `show bgp l2vpn evpn` does, [2]:[tag]:[48]:[MAC]:[32]:[IP]).
	EVPN *EVPNView `json:"evpn,omitempty"`
	Best bool      `json:"bestpath"`
	// Valid is FRR's "valid": the next hop resolves; a path without it
	// is "inaccessible" and never best.
	Valid     bool    `json:"valid"`
	Internal  bool    `json:"internal"`
	Local     bool    `json:"local,omitempty"`
	Peer      string  `json:"peer,omitempty"`
	MED       *uint32 `json:"metric,omitempty"`
	LocalPref *uint32 `json:"locPrf,omitempty"`
	Path      string  `json:"path"`
	Origin    string  `json:"origin"`
}

var originCodes = [...]string{"i", "e", "?"}

// View turns a Route into its show form.
func (r *Route) View() RouteView {
	a := &r.Attrs
	v := RouteView{
		Prefix: r.Key.Prefix.String(), NextHop: r.NextHop.String(), Label: r.Label,
		Best: r.Best, Valid: r.Valid, Internal: !r.EBGP && !r.Local, Local: r.Local, Path: a.ASPathString(),
	}
	switch r.Family {
	case RTC:
		v.Prefix = r.Key.String()
	case VPNv4, VPNv6:
		v.RD = r.Key.RD.String()
	case EVPN:
		v.RD = r.Key.RD.String()
		if e, err := EVPNRouteOf(r.Key, r.Label, a.EVPNNonKey); err == nil {
			ev := e.view(a)
			v.EVPN, v.Prefix = &ev, e.frrPrefix()
		} else {
			v.Prefix = r.Key.String()
		}
	}
	if r.Peer.IsValid() {
		v.Peer = r.Peer.String()
	}
	if r.Family.isIPv6() && r.NextHop.Is4() {
		// As on the wire and in FRR's table: IPv4-mapped (FRR writes
		// ::ffff:aff:1 for ::ffff:10.255.0.1).
		v.NextHop = netip.AddrFrom16(r.NextHop.As16()).String()
	}
	if r.Local && !r.NextHop.IsValid() {
		v.NextHop = "0.0.0.0"
		if r.Family.isIPv6() {
			v.NextHop = "::"
		}
	}
	if a.HasMED {
		v.MED = &a.MED
	}
	if a.HasLocalPref {
		v.LocalPref = &a.LocalPref
	}
	if int(a.Origin) < len(originCodes) {
		v.Origin = originCodes[a.Origin]
	}
	for _, e := range a.RouteTargets() {
		v.RTs = append(v.RTs, e.String())
	}
	v.Colors = a.Colors()
	v.Encapsulation = tunnelViews(a)
	return v
}

// WriteSummary renders Summary like FRR's `show bgp summary`.
func (s *Speaker) WriteSummary(w io.Writer) error {
	ns := s.Summary()
	fmt.Fprintf(w, "BGP router identifier %v, local AS number %d\n", s.cfg.RouterID, s.cfg.ASN)
	fmt.Fprintf(w, "Peers %d\n\n", len(ns))
	fmt.Fprintf(w, "%-15s %1s %10s %9s %9s %8s %12s %8s %s\n", "Neighbor", "V", "AS", "MsgRcvd", "MsgSent", "Up/Down", "State/PfxRcd", "PfxSnt", "Desc")
	for _, n := range ns {
		state := n.State
		if n.State == Established.String() {
			state = fmt.Sprint(n.PfxRcd)
		}
		desc := n.Description
		if desc == "" {
			desc = "N/A"
		}
		ud := "never"
		if n.EverUp {
			ud = upDown(n.UpDown)
		}
		fmt.Fprintf(w, "%-15v %1d %10d %9d %9d %8s %12s %8d %s\n", n.Neighbor, 4, n.AS, n.MsgRcvd, n.MsgSent, ud, state, n.PfxSnt, desc)
	}
	fmt.Fprintf(w, "\nTotal number of neighbors %d\n", len(ns))
	return nil
}

// upDown formats a duration as FRR does: hh:mm:ss under a day, then
// NdNNhNNm.
func upDown(d time.Duration) string {
	d = d.Truncate(time.Second)
	if d < 24*time.Hour {
		return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dd%02dh%02dm", int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60)
}

// WriteRoutes renders family f like FRR's `show bgp ipv4 vpn` or `show
// bgp ipv6 vpn` (grouped by route distinguisher), `show bgp ipv4
// unicast`, `show bgp ipv6 unicast` or `show bgp ipv4 labeled-unicast`
// (see Family.ShowName). As FRR does, a prefix or next hop too long for
// its column (IPv6) ends the line and the row goes on below, aligned.
// Labelled families get a line with route targets and label under each
// path.
func (s *Speaker) WriteRoutes(w io.Writer, f Family) error {
	routes := s.Routes(f)
	fmt.Fprintf(w, "BGP table, local router ID is %v\n", s.cfg.RouterID)
	fmt.Fprintf(w, "Default local pref 100, local AS %d\n", s.cfg.ASN)
	fmt.Fprintln(w, "Status codes:  * valid, > best, i internal, S Stale")
	fmt.Fprintln(w, "Origin codes:  i - IGP, e - EGP, ? - incomplete")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "    %-18s %-18s %6s %6s %6s %s\n", "Network", "Next Hop", "Metric", "LocPrf", "Weight", "Path")
	var rd RD
	first := true
	invalid := 0
	for i := range routes {
		r := &routes[i]
		v := r.View()
		if (f.isVPN() || f == RTC || f == EVPN) && (first || r.Key.RD != rd) {
			fmt.Fprintf(w, "Route Distinguisher: %s\n", v.RD)
			rd, first = r.Key.RD, false
		}
		status := []byte("*  ")
		switch {
		case r.Stale:
			status[0] = 'S' // as FRR marks a restarting peer's kept routes
		case !v.Valid:
			status[0] = ' ' // as FRR: the next hop does not resolve
			invalid++
		}
		if v.Best {
			status[1] = '>'
		}
		if v.Internal {
			status[2] = 'i'
		}
		metric, locPrf, weight := "", "", "0"
		if v.MED != nil {
			metric = fmt.Sprint(*v.MED)
		}
		if v.LocalPref != nil {
			locPrf = fmt.Sprint(*v.LocalPref)
		}
		if r.Local {
			weight = "32768"
		}
		path := strings.TrimSpace(v.Path + " " + v.Origin)
		fmt.Fprintf(w, "%s %s %s %6s %6s %6s %s\n", status, column(v.Prefix, 4), column(v.NextHop, 23), metric, locPrf, weight, path)
		if f.labelled() || f == RTC {
			ecs := trimRT(v.RTs)
			for _, c := range v.Colors {
				ecs = append(ecs, fmt.Sprintf("Color:%d", c))
			}
			fmt.Fprintf(w, "    EC{%s} label=%d\n", strings.Join(ecs, " "), v.Label)
			if len(v.Encapsulation) > 0 {
				fmt.Fprintf(w, "    Encap{%s}\n", encapText(v.Encapsulation))
			}
		}
		if e := v.EVPN; e != nil {
			writeEVPNLines(w, v, e)
		}
	}
	if invalid > 0 {
		fmt.Fprintf(w, "\n%d paths without *: their next hop does not resolve (inaccessible), so they are never best\n", invalid)
	}
	return nil
}

// column pads s to the 18-character column starting at col, or, when s
// fills it, ends the line and indents the next one to the column after.
func column(s string, col int) string {
	if len(s) <= 18 {
		return fmt.Sprintf("%-18s", s)
	}
	return s + "\n" + strings.Repeat(" ", col+18)
}

func trimRT(rts []string) []string {
	out := make([]string, len(rts))
	for i, r := range rts {
		out[i] = strings.TrimPrefix(r, "RT:")
	}
	return out
}

// VRFRoutes filters VPN routes by route target: those a VRF importing
// any of imports would take (best paths only).
func (s *Speaker) VRFRoutes(imports []ExtCommunity) []Route {
	var out []Route
	for _, r := range s.Routes(VPNv4) {
		if !r.Best {
			continue
		}
		for _, e := range r.Attrs.RouteTargets() {
			if containsEC(imports, e) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

func containsEC(list []ExtCommunity, e ExtCommunity) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}
