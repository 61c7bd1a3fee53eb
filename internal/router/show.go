package router

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/intercloud/intercloud/internal/dataplane"
)

// Show data: tables shaped like FRR's vtysh output, with JSON tags for -o
// json. They are copies, safe to keep.

// RouteTable is a VRF's routing table, FRR's "show ip route".
type RouteTable struct {
	VRF    string     `json:"vrf"`
	Routes []RouteRow `json:"routes"`
}

// RouteRow is one protocol's route for a prefix.
type RouteRow struct {
	Code     string         `json:"code"`
	Protocol string         `json:"protocol"`
	Prefix   netip.Prefix   `json:"prefix"`
	Distance uint8          `json:"distance"`
	Metric   uint32         `json:"metric"`
	Selected bool           `json:"selected"`
	FIB      bool           `json:"installed"`
	Nexthops []RouteNexthop `json:"nexthops"`
	Info     string         `json:"info,omitempty"`
	Uptime   time.Duration  `json:"uptime_ns"`
}

// RouteNexthop is one nexthop line of a route.
type RouteNexthop struct {
	Addr      netip.Addr `json:"addr,omitzero"`
	Iface     string     `json:"iface,omitempty"`
	Connected bool       `json:"directly_connected,omitempty"`
	// Recursive marks the nexthop as the protocol gave it, resolved by
	// the Resolved lines that follow it.
	Recursive bool     `json:"recursive,omitempty"`
	Resolved  bool     `json:"resolved,omitempty"`
	Active    bool     `json:"active"`
	Labels    []uint32 `json:"labels,omitempty"`
	// Tunnel is an IP tunnel the labels go into (tunnel.go):
	// "mpls-in-udp 10.255.0.1 > 10.255.0.3".
	Tunnel string `json:"tunnel,omitempty"`
}

// RouteTable returns vrf's routes, every protocol's, by prefix.
func (r *Router) RouteTable(vrf string) RouteTable {
	return r.routeTable(vrf, false)
}

// FIBTable returns what vrf's FIB holds, FRR's "show ip fib": the selected
// routes with their resolved nexthops and the labels pushed.
func (r *Router) FIBTable(vrf string) RouteTable {
	return r.routeTable(vrf, true)
}

func (r *Router) routeTable(vrf string, fibOnly bool) RouteTable {
	m := r.rib
	m.mu.Lock()
	defer m.mu.Unlock()
	out := RouteTable{VRF: vrf}
	t := m.table(vrf)
	if t == nil {
		return out
	}
	now := r.clk.Now()
	prefixes := make([]netip.Prefix, 0, t.prefixes.len())
	for p, e := range t.prefixes.all() {
		if len(e.cands) > 0 {
			prefixes = append(prefixes, p)
		}
	}
	slices.SortFunc(prefixes, comparePrefix)
	for _, p := range prefixes {
		for _, c := range t.prefixes.at(p).cands {
			if fibOnly && !c.selected {
				continue
			}
			row := RouteRow{
				Code:     c.route.Proto.Code(),
				Protocol: c.route.Proto.String(),
				Prefix:   p,
				Distance: c.route.Proto.Distance(),
				Metric:   c.route.Metric,
				Selected: c.selected,
				FIB:      c.selected && c.active(),
				Info:     c.route.Info,
				Uptime:   now.Sub(time.Unix(0, c.since)),
			}
			row.Nexthops = c.nexthopRows(fibOnly)
			out.Routes = append(out.Routes, row)
		}
	}
	return out
}

// nexthopRows lists a route's nexthops: each as given, and under a
// recursive one what it resolved to.
func (c *candidate) nexthopRows(fibOnly bool) []RouteNexthop {
	var rows []RouteNexthop
	connected := c.route.Proto == ProtoConnected || c.route.Proto == ProtoLocal
	if fibOnly || connected {
		for _, nh := range c.nhs {
			name := loopbackName
			if nh.ifc != nil {
				name = nh.ifc.name
			}
			rows = append(rows, nh.row(RouteNexthop{Addr: nh.gw, Iface: name, Connected: connected, Active: true, Labels: nh.labels}))
		}
		return rows
	}
	for _, given := range c.route.Nexthops {
		var resolved []RouteNexthop
		for _, nh := range c.nhs {
			if nh.via.IsValid() && nh.via == given.Addr && given.Iface == "" {
				resolved = append(resolved, nh.row(RouteNexthop{Addr: nh.gw, Resolved: true, Active: true, Labels: nh.labels}))
			}
		}
		if resolved != nil {
			rows = append(rows, RouteNexthop{Addr: given.Addr, Recursive: true, Active: true, Labels: given.Labels})
			rows = append(rows, resolved...)
			continue
		}
		row := RouteNexthop{Addr: given.Addr, Iface: given.Iface, Labels: given.Labels}
		for _, nh := range c.nhs {
			if !nh.via.IsValid() && nh.gw == given.Addr && (given.Iface == "" || nh.ifc != nil && nh.ifc.name == given.Iface) {
				row.Iface, row.Active, row.Labels = nh.ifc.name, true, nh.labels
				break
			}
		}
		if row.Iface == "" && !row.Active && c.route.Proto == ProtoStatic {
			row.Recursive = true // unresolved
		}
		rows = append(rows, row)
	}
	return rows
}

const routeCodes = `Codes: K - kernel route, C - connected, L - local, S - static,
       O - OSPF, B - BGP, > - selected route, * - FIB route

`

// String renders the table as FRR's "show ip route" does.
func (t RouteTable) String() string {
	var b strings.Builder
	b.WriteString(routeCodes)
	name := t.VRF
	if name == "" {
		name = "default"
	}
	fmt.Fprintf(&b, "VRF %s:\n", name)
	for _, rt := range t.Routes {
		flags := " "
		if rt.Selected {
			flags = ">"
		}
		if rt.FIB {
			flags += "*"
		} else {
			flags += " "
		}
		head := fmt.Sprintf("%s%s %v", rt.Code, flags, rt.Prefix)
		if rt.Code != "C" && rt.Code != "L" {
			head += fmt.Sprintf(" [%d/%d]", rt.Distance, rt.Metric)
		}
		indent := len(head) + 1
		if len(rt.Nexthops) == 0 {
			fmt.Fprintf(&b, "%s inactive, %s\n", head, uptime(rt.Uptime))
		}
		for i, nh := range rt.Nexthops {
			lead := head
			if i > 0 {
				mark := " "
				if nh.Active && rt.FIB {
					mark = "*"
				}
				lead = fmt.Sprintf("  %s%s", mark, strings.Repeat(" ", indent-4))
			}
			fmt.Fprintf(&b, "%s %s, %s\n", lead, nh.text(rt.Info), uptime(rt.Uptime))
		}
	}
	return b.String()
}

func (nh RouteNexthop) text(info string) string {
	var s string
	switch {
	case nh.Connected:
		s = "is directly connected, " + nh.Iface
	case nh.Recursive && nh.Active:
		s = fmt.Sprintf("via %v (recursive)", nh.Addr)
	case nh.Recursive:
		s = fmt.Sprintf("via %v inactive", nh.Addr)
	case nh.Iface == "":
		s = fmt.Sprintf("via %v", nh.Addr)
	case !nh.Addr.IsValid():
		s = "is directly connected, " + nh.Iface
	default:
		s = fmt.Sprintf("via %v, %s", nh.Addr, nh.Iface)
	}
	if !nh.Active && !nh.Recursive {
		s += " inactive"
	}
	if nh.Tunnel != "" {
		s += ", encap " + nh.Tunnel
	}
	if len(nh.Labels) > 0 {
		ls := make([]string, len(nh.Labels))
		for i, l := range nh.Labels {
			ls[i] = labelText(l)
		}
		s += ", label " + strings.Join(ls, "/")
	}
	if info != "" && !nh.Resolved {
		s += ", " + info
	}
	return s
}

// uptime formats a route's age as FRR does.
func uptime(d time.Duration) string {
	d = d.Truncate(time.Second)
	day := 24 * time.Hour
	switch {
	case d < day:
		return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	case d < 7*day:
		return fmt.Sprintf("%dd%02dh%02dm", int(d/day), int(d.Hours())%24, int(d.Minutes())%60)
	}
	return fmt.Sprintf("%02dw%dd%02dh", int(d/(7*day)), int(d/day)%7, int(d.Hours())%24)
}

func labelText(l uint32) string {
	switch l {
	case LabelImplicitNull:
		return "implicit-null"
	case LabelIPv4ExplicitNull:
		return "explicit-null"
	}
	return strconv.FormatUint(uint64(l), 10)
}

// LFIBRow is one LFIB nexthop, a line of FRR's "show mpls table".
type LFIBRow struct {
	InLabel  uint32       `json:"in_label"`
	Proto    Protocol     `json:"-"`
	FEC      netip.Prefix `json:"fec,omitzero"`
	Nexthop  netip.Addr   `json:"nexthop,omitzero"`
	Iface    string       `json:"iface,omitempty"`
	OutLabel uint32       `json:"out_label"`
	// Pushed are the transport labels pushed over OutLabel, outermost
	// first, to reach Via, a next hop not on a connected subnet, through
	// Nexthop (inter-AS option B).
	Pushed []uint32   `json:"pushed,omitempty"`
	Via    netip.Addr `json:"via,omitzero"`
	// Tunnel is the IP tunnel the swapped packet goes into
	// ("mpls-in-udp SRC > DST"), LSPNexthop.Tunnel's.
	Tunnel   string `json:"tunnel,omitempty"`
	Inactive bool   `json:"inactive,omitempty"`
	// Backup is the precomputed repair path ("addr iface out-label");
	// Repair marks a row already switched to it after a carrier loss.
	Backup string `json:"backup,omitempty"`
	Repair bool   `json:"repair,omitempty"`
}

// LFIBTable is the router's LFIB.
type LFIBTable []LFIBRow

// LFIBTable returns the LFIB by incoming label.
func (r *Router) LFIBTable() LFIBTable {
	ifaces := r.ifaceList()
	r.rib.mu.Lock()
	defer r.rib.mu.Unlock()
	// The rows of the LFIB installed: computed again from what it was
	// built from, which every change to it recomputes. byName is read
	// under ifMu, as interfaces are added under it.
	r.ifMu.RLock()
	defer r.ifMu.RUnlock()
	_, rows, _ := r.rib.computeLFIB(ifaces, true)
	return LFIBTable(rows)
}

// String renders the table as FRR's "show mpls table" does.
func (t LFIBTable) String() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, " Inbound Label\tType\tNexthop\tOutbound Label")
	fmt.Fprintln(w, " -------------\t----\t-------\t--------------")
	for _, row := range t {
		nh := row.Nexthop.String()
		switch {
		case strings.HasPrefix(row.Iface, vrfIfacePrefix):
			nh = strings.TrimPrefix(row.Iface, vrfIfacePrefix)
		case !row.Nexthop.IsValid():
			nh = row.Iface
		}
		if row.Via.IsValid() {
			nh += " (via " + row.Via.String() + ")"
		}
		if row.Tunnel != "" {
			nh += " (" + row.Tunnel + ")"
		}
		// The stack sent, outermost first, as show ip route writes it.
		var stack []string
		for _, l := range row.Pushed {
			stack = append(stack, labelText(l))
		}
		if len(stack) == 0 || row.OutLabel != LabelImplicitNull {
			stack = append(stack, labelText(row.OutLabel))
		}
		out := strings.Join(stack, "/")
		if strings.HasPrefix(row.Iface, vrfIfacePrefix) {
			out = "-"
		}
		if row.Inactive {
			out += " (inactive)"
		}
		if row.Repair {
			out += " (repair: primary down)"
		}
		if row.Backup != "" {
			out += " (backup " + row.Backup + ")"
		}
		fmt.Fprintf(w, " %d\t%s\t%s\t%s\n", row.InLabel, lspType(row.Proto), nh, out)
	}
	w.Flush()
	return b.String()
}

func lspType(p Protocol) string {
	switch p {
	case ProtoLDP:
		return "LDP"
	case ProtoSR:
		return "SR"
	case ProtoStatic:
		return "Static"
	case ProtoEBGP, ProtoIBGP:
		return "BGP"
	}
	return p.String()
}

// InterfaceRow is one interface with its counters: the link's for what
// crossed it, the router's for what it dropped.
type InterfaceRow struct {
	Name      string            `json:"name"`
	Addr      netip.Prefix      `json:"addr,omitzero"`
	Up        bool              `json:"up"`
	VRF       string            `json:"vrf,omitempty"`
	Peer      string            `json:"peer,omitempty"`
	MAC       string            `json:"mac,omitempty"`
	RxFrames  uint64            `json:"rx_frames"`
	RxBytes   uint64            `json:"rx_bytes"`
	TxFrames  uint64            `json:"tx_frames"`
	TxBytes   uint64            `json:"tx_bytes"`
	LinkDrops uint64            `json:"link_drops"` // frames sent that the link lost or refused
	Drops     map[string]uint64 `json:"drops,omitempty"`
}

// InterfaceTable lists the loopback and the interfaces.
type InterfaceTable []InterfaceRow

// InterfaceTable returns the interfaces with their counters.
func (r *Router) InterfaceTable() InterfaceTable {
	var t InterfaceTable
	if r.loopback.IsValid() {
		t = append(t, InterfaceRow{Name: loopbackName, Addr: r.loopback, Up: true})
	}
	for _, ifc := range r.ifaceList() {
		st := ifc.port.Stats()
		row := InterfaceRow{
			Name:     ifc.name,
			Addr:     ifc.addr,
			Up:       ifc.up.Load(),
			VRF:      ifc.vrf,
			Peer:     ifc.peerName(),
			MAC:      ifc.mac.String(),
			RxFrames: st.RxFrames,
			RxBytes:  st.RxBytes,
			TxFrames: st.TxFrames,
			TxBytes:  st.TxBytes,
		}
		for _, reason := range dataplane.DropReasons() {
			row.LinkDrops += st.Drops(reason)
		}
		for d := range numDrops {
			if n := ifc.drops[d].Load(); n > 0 {
				if row.Drops == nil {
					row.Drops = make(map[string]uint64)
				}
				row.Drops[d.String()] = n
			}
		}
		t = append(t, row)
	}
	return t
}

// String renders the table in the manner of FRR's "show interface brief",
// with the counters after the addresses.
func (t InterfaceTable) String() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "Interface\tStatus\tVRF\tAddresses\tPeer\tRx\tTx\tDrops")
	fmt.Fprintln(w, "---------\t------\t---\t---------\t----\t--\t--\t-----")
	for _, row := range t {
		status, vrf := "down", row.VRF
		if row.Up {
			status = "up"
		}
		if vrf == "" {
			vrf = "default"
		}
		addr := ""
		if row.Addr.IsValid() {
			addr = row.Addr.String()
		}
		drops := row.LinkDrops
		var reasons []string
		for k, n := range row.Drops {
			drops += n
			reasons = append(reasons, fmt.Sprintf("%s=%d", k, n))
		}
		slices.Sort(reasons)
		d := strconv.FormatUint(drops, 10)
		if len(reasons) > 0 {
			d += " (" + strings.Join(reasons, " ") + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", row.Name, status, vrf, addr, row.Peer, row.RxFrames, row.TxFrames, d)
	}
	w.Flush()
	return b.String()
}

// LFIBLen counts the LFIB's entries without copying them.
func (r *Router) LFIBLen() int {
	r.rib.mu.Lock()
	defer r.rib.mu.Unlock()
	return r.rib.lfibRows
}
