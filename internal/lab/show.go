package lab

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
)

// ErrNoNode is returned for a node the lab does not have.
var ErrNoNode = errors.New("no such node")

// Tables lists what Show can show, as `intercloud show NODE ...` spells it.
var Tables = []string{"route", "fib", "lfib", "interfaces", "igp neighbors", "igp database", "igp database detail",
	"igp routes", "igp status", "igp ranges", "ldp bindings", "ldp neighbors", "sr", "frr", "bgp summary", "bgp vpnv4", "bgp ipv4 unicast", "bgp evpn", "bgp neighbor ADDRESS|NODE", "vrf [NAME [routes]]", "events", "security-groups", "sr-policy", "advertised", "tunnels"}

// Show returns one of a node's tables as data and as the text FRR's vtysh
// would print for it. table is one of Tables, words joined by spaces or
// slashes.
func (l *Lab) Show(node, table, vrf string) (any, string, error) {
	n, ok := l.nodes[node]
	if !ok {
		return nil, "", fmt.Errorf("%w %q", ErrNoNode, node)
	}
	table = strings.Join(strings.FieldsFunc(table, func(r rune) bool { return r == '/' || r == ' ' }), " ")
	if err := n.checkVRF(vrf); err != nil {
		return nil, "", err
	}
	r := n.Router
	switch table {
	case "route":
		t := r.RouteTable(vrf)
		return t, t.String(), nil
	case "fib":
		t := r.FIBTable(vrf)
		return t, t.String(), nil
	case "lfib", "mpls table":
		t := r.LFIBTable()
		return t, t.String(), nil
	case "interfaces", "interface":
		t := r.InterfaceTable()
		return t, t.String(), nil
	case "events":
		ev := r.Events(time.Time{})
		return ev, eventsText(ev), nil
	case "tunnels", "tunnel":
		t := r.TunnelCounters() // MPLS-in-UDP/GRE packets in and out
		return t, t.String(), nil
	case "security-groups", "security groups":
		t := l.securityGroups(n)
		return t, t.String(), nil
	case "advertised":
		a, err := l.cloudAdvertised(n)
		if err != nil {
			return nil, "", err
		}
		return a, a.String(), nil
	case "sr-policy", "sr-policies", "sr policy":
		ps, err := l.SRPolicies(node)
		if err != nil {
			return nil, "", err
		}
		return ps, srPolicyText(ps), nil
	}
	proto, _, _ := strings.Cut(table, " ")
	if proto == "bgp" {
		return l.showBGP(n, table, vrf)
	}
	if proto == "vrf" {
		return l.showVRF(n, table)
	}
	switch {
	case proto == "igp" && n.IGP == nil, proto == "sr" && n.IGP == nil, proto == "frr" && n.IGP == nil:
		return nil, "", fmt.Errorf("%s does not run the IGP (it is a %s)", node, n.Model.Role)
	case proto == "ldp" && n.LDP == nil:
		return nil, "", fmt.Errorf("%s does not run LDP", node)
	}
	var data any
	var text string
	r.Do(func() {
		switch table {
		case "igp neighbors", "igp neighbor":
			nb := n.IGP.Neighbors()
			data, text = nb, ospfNeighbors(nb)
		case "igp database":
			db := n.IGP.Database()
			data, text = db, ospfDatabase(n.Model.RouterID.String(), db, false)
		case "igp database detail":
			db := n.IGP.DatabaseDetail()
			data, text = db, ospfDatabase(n.Model.RouterID.String(), db, true)
		case "igp routes", "igp route":
			rt := n.IGP.Routes()
			data, text = rt, ospfRoutes(rt)
		case "igp status":
			st := n.IGP.Status()
			data, text = st, ospfStatus(st)
		case "igp ranges", "igp range":
			rg := abrRanges(n.IGP)
			data, text = rg, ospfRanges(rg)
		case "ldp bindings", "ldp binding":
			b := n.LDP.Bindings()
			data, text = b, ldpBindings(b)
		case "ldp neighbors", "ldp neighbor":
			nb := n.LDP.Neighbors()
			data, text = nb, ldpNeighbors(nb)
		case "sr":
			b := n.IGP.SRBindings()
			data, text = b, srBindings(b)+"\n"+adjSIDs(n.IGP.AdjSIDs())
		case "frr":
			r := frrReport(n.IGP.FRR())
			data, text = r, r.String()
		}
	})
	if data == nil {
		return nil, "", fmt.Errorf("unknown table %q (want one of: %s)", table, strings.Join(Tables, ", "))
	}
	return data, text, nil
}

func table(b *strings.Builder) *tabwriter.Writer { return tabwriter.NewWriter(b, 0, 0, 2, ' ', 0) }

// ospfNeighbors is shaped like FRR's "show ip ospf neighbor".
func ospfNeighbors(nb []igp.Neighbor) string {
	var b strings.Builder
	w := table(&b)
	fmt.Fprintln(w, "Neighbor ID\tPri\tState\tUp Time\tDead Time\tAddress\tInterface\tArea")
	for _, n := range nb {
		fmt.Fprintf(w, "%s\t1\t%s/-\t%s\t%s\t%s\t%s:%s\t%s\n", n.RouterID, n.State, n.Uptime, n.DeadTime, n.Address, n.Interface, n.IfAddr, n.Area)
	}
	w.Flush()
	return b.String()
}

// ospfDatabase is shaped like FRR's "show ip ospf database".
func ospfDatabase(rid string, scopes []igp.DatabaseScope, detail bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n       OSPF Router with ID (%s)\n", rid)
	for _, sc := range scopes {
		byType := map[igp.LSAType][]igp.LSAInfo{}
		var order []igp.LSAType
		for _, l := range sc.LSAs {
			if _, ok := byType[l.Type]; !ok {
				order = append(order, l.Type)
			}
			byType[l.Type] = append(byType[l.Type], l)
		}
		for _, t := range order {
			if sc.Area != nil {
				fmt.Fprintf(&b, "\n                %s Link States (Area %s)\n\n", title(t.String()), *sc.Area)
			} else {
				fmt.Fprintf(&b, "\n                %s Link States\n\n", title(t.String()))
			}
			w := table(&b)
			fmt.Fprintln(w, "Link ID\tADV Router\tAge\tSeq#\tLink count / Route")
			for _, l := range byType[t] {
				extra := ""
				switch {
				case l.LinkCount > 0:
					extra = fmt.Sprint(l.LinkCount)
				case l.Route.IsValid():
					extra = l.Route.String()
					if l.Metric > 0 {
						extra += fmt.Sprintf(" metric %d", l.Metric)
					}
				}
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", l.LinkStateID, l.AdvRouter, l.Age, l.Seq, extra)
				if detail && l.Detail != nil {
					w.Flush()
					lsaDetail(&b, l.Detail)
					w = table(&b)
				}
			}
			w.Flush()
		}
	}
	return b.String()
}

func lsaDetail(b *strings.Builder, d *igp.LSADetail) {
	if len(d.Flags) > 0 {
		fmt.Fprintf(b, "    Flags: %s\n", strings.Join(d.Flags, " "))
	}
	for _, l := range d.Links {
		fmt.Fprintf(b, "    Link connected to: %s, Link ID %s, Link Data %s, metric %d\n", l.Type, l.LinkID, l.LinkData, l.Metric)
	}
	if d.MetricType != "" {
		fmt.Fprintf(b, "    Metric Type: %s\n", d.MetricType)
	}
	if d.PrefixSID != nil {
		fmt.Fprintf(b, "    Prefix SID index %d %s\n", d.PrefixSID.Index, strings.Join(d.PrefixSID.Flags, " "))
	}
	if k := d.Link; k != nil {
		fmt.Fprintf(b, "    Link ID %s, Link Data %s, Adj SID label %d\n", k.Neighbor, k.IfAddr, k.AdjSID)
	}
}

func title(s string) string {
	words := strings.Fields(strings.ReplaceAll(s, "-", " "))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// ospfRoutes is shaped like FRR's "show ip ospf route".
func ospfRoutes(rt []igp.Route) string {
	var b strings.Builder
	w := table(&b)
	fmt.Fprintln(w, "Prefix\tType\tArea\tCost\tVia")
	for _, r := range rt {
		area := ""
		if r.Area != nil {
			area = r.Area.String()
		}
		cost := fmt.Sprint(r.Cost)
		if r.E2Metric > 0 {
			cost = fmt.Sprintf("%d/%d", r.Cost, r.E2Metric)
		}
		via := "directly attached to " + r.Attached
		if r.Attached == "" {
			var hops []string
			for _, nh := range r.Nexthops {
				hops = append(hops, nh.Addr.String()+", "+nh.Iface)
			}
			via = strings.Join(hops, "; ")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Prefix, r.Type, area, cost, via)
	}
	w.Flush()
	return b.String()
}

func ospfStatus(s igp.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, " OSPF Routing Process, Router ID: %s\n", s.RouterID)
	if s.ABR {
		b.WriteString(" This router is an ABR\n")
	}
	if s.ASBR {
		b.WriteString(" This router is an ASBR (injecting external routing information)\n")
	}
	if s.PrefixSuppression {
		b.WriteString(" Prefix suppression: transit links' subnets are not advertised (RFC 6860)\n")
	}
	fmt.Fprintf(&b, " Segment routing: %v\n SPF algorithm executed %d times\n Number of external LSA %d\n", s.SR, s.SPFRuns, s.External)
	for _, a := range s.Areas {
		fmt.Fprintf(&b, " Area ID: %s\n   Number of interfaces in this area: %d\n   Number of fully adjacent neighbors in this area: %d\n   Number of LSA %d\n",
			a.Area, a.Interfaces, a.Full, a.LSAs)
	}
	return b.String()
}

// abrRanges are the area ranges in is summarising: none unless it is an
// ABR. The model gives an area's ranges to every router in the area, and
// only a border router does anything with them, as only an ABR's FRR
// configuration has `area A range P` lines (internal/export).
func abrRanges(in *igp.Instance) []igp.RangeStatus {
	if !in.Status().ABR {
		return []igp.RangeStatus{}
	}
	if rg := in.Ranges(); rg != nil {
		return rg
	}
	return []igp.RangeStatus{}
}

// ospfRanges is shaped like the area range lines of FRR's "show ip
// ospf": an ABR's ranges, each advertised while a route of its area
// falls in it (active), at the largest cost of those routes.
func ospfRanges(rs []igp.RangeStatus) string {
	var b strings.Builder
	w := table(&b)
	fmt.Fprintln(w, "Area\tRange\tStatus\tCost")
	for _, r := range rs {
		status, cost := "Advertise/inactive", "-"
		if r.Active {
			status, cost = "Advertise/active", fmt.Sprint(r.Cost)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Area, r.Prefix, status, cost)
	}
	w.Flush()
	return b.String()
}

// ldpBindings is shaped like FRR's "show mpls ldp binding".
func ldpBindings(bs []ldp.Binding) string {
	var b strings.Builder
	w := table(&b)
	fmt.Fprintln(w, "AF\tDestination\tNexthop\tLocal Label\tRemote Label\tIn Use")
	for _, x := range bs {
		local := "-"
		if x.LocalLabel != 0 || x.Remote == nil {
			local = ldp.LabelString(x.LocalLabel)
		}
		if len(x.Remote) == 0 {
			fmt.Fprintf(w, "ipv4\t%s\t0.0.0.0\t%s\t-\tno\n", x.FEC, local)
		}
		for _, r := range x.Remote {
			use := "no"
			if r.InUse {
				use = "yes"
			}
			fmt.Fprintf(w, "ipv4\t%s\t%s\t%s\t%s\t%s\n", x.FEC, r.Peer, local, ldp.LabelString(r.Label), use)
		}
	}
	w.Flush()
	return b.String()
}

// ldpNeighbors is shaped like FRR's "show mpls ldp neighbor".
func ldpNeighbors(nb []ldp.Neighbor) string {
	var b strings.Builder
	w := table(&b)
	fmt.Fprintln(w, "AF\tID\tState\tInterfaces\tUptime\tLabels received")
	for _, n := range nb {
		ifs := n.Interfaces
		if n.Targeted {
			ifs = append(ifs[:len(ifs):len(ifs)], "targeted")
		}
		fmt.Fprintf(w, "ipv4\t%s\t%s\t%s\t%s\t%d\n", n.LSRID, n.State, strings.Join(ifs, ","), n.Uptime, n.Received)
	}
	w.Flush()
	return b.String()
}

// srBindings lists node SIDs and their LFIB use, as "show ip ospf
// database segment-routing" and "show mpls table" together would.
func srBindings(bs []igp.SRBinding) string {
	var b strings.Builder
	w := table(&b)
	fmt.Fprintln(w, "Prefix\tSID index\tLabel\tType\tNexthop\tOutbound Label")
	for _, x := range bs {
		if x.Local || len(x.Nexthops) == 0 {
			fmt.Fprintf(w, "%s\t%d\t%d\t%s\t(local)\t-\n", x.Prefix, x.SIDIndex, x.Label, x.Type)
			continue
		}
		for _, nh := range x.Nexthops {
			out := fmt.Sprint(nh.OutLabel)
			if nh.OutLabel == router.LabelImplicitNull {
				out = "implicit-null"
			}
			fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s %s\t%s\n", x.Prefix, x.SIDIndex, x.Label, x.Type, nh.Addr, nh.Iface, out)
		}
	}
	w.Flush()
	return b.String()
}

// adjSIDs lists the adjacency SIDs the node knows, its own first with
// the interface they leave by.
func adjSIDs(as []igp.AdjSID) string {
	var b strings.Builder
	w := table(&b)
	fmt.Fprintln(w, "Adjacency SID\tRouter\tNeighbor\tInterface")
	for _, own := range []bool{true, false} {
		for _, x := range as {
			if x.Local != own {
				continue
			}
			ifc := x.IfAddr.String()
			if x.Local {
				ifc += " " + x.Iface + " (local: pop)"
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", x.Label, x.Router, x.Neighbor, ifc)
		}
	}
	w.Flush()
	return b.String()
}

func eventsText(ev []router.Event) string {
	var b strings.Builder
	for _, e := range ev {
		fmt.Fprintf(&b, "%s  %-8s %-16s %s\n", e.Time.Format("15:04:05.000"), e.Node, e.Kind, e.Detail)
	}
	return b.String()
}

// showBGP answers the bgp tables: "bgp summary" and "bgp ipv4 unicast" of
// the global speaker, or of a PE's VRF speaker when vrf is given, and "bgp
// vpnv4" (FRR's `show bgp ipv4 vpn`) of a PE's or reflector's speaker.
func (l *Lab) showBGP(n *Node, table, vrf string) (any, string, error) {
	name := n.Model.Name
	sp := n.BGP()
	if vrf != "" {
		sp = n.VRFBGP(vrf)
	} else if sp == nil {
		sp = l.cloudSpeaker(name) // a cloud's dragent speaker, while it runs
	}
	if sp == nil {
		if vrf != "" {
			return nil, "", fmt.Errorf("%s runs no BGP in vrf %q", name, vrf)
		}
		return nil, "", fmt.Errorf("%s does not run BGP", name)
	}
	var b strings.Builder
	switch table {
	case "bgp summary":
		sum := sp.Summary()
		if err := sp.WriteSummary(&b); err != nil {
			return nil, "", err
		}
		return sum, b.String(), nil
	case "bgp vpnv4", "bgp ipv4 vpn":
		return bgpRoutes(sp, bgp.VPNv4, name)
	case "bgp ipv4 unicast", "bgp ipv4":
		return bgpRoutes(sp, bgp.IPv4Unicast, name)
	case "bgp evpn", "bgp l2vpn evpn":
		return bgpRoutes(sp, bgp.EVPN, name)
	}
	rest, ok := strings.CutPrefix(table, "bgp neighbor ")
	if !ok {
		rest, ok = strings.CutPrefix(table, "bgp neighbors ")
	}
	if ok {
		data, text, err := l.bgpNeighbor(sp, name, rest)
		if _, aerr := netip.ParseAddr(rest); err != nil && vrf == "" && aerr != nil {
			// A CE is the neighbour of one of a PE's VRFs, not of its
			// global speaker: its name says which (an address may be
			// reused by several VRFs, so it needs --vrf).
			for _, v := range n.vrfNames() {
				if vsp := n.VRFBGP(v); vsp != nil {
					if d, t, verr := l.bgpNeighbor(vsp, name, rest); verr == nil {
						return d, t, nil
					}
				}
			}
		}
		return data, text, err
	}
	return nil, "", fmt.Errorf("unknown table %q (want one of: %s)", table, strings.Join(Tables, ", "))
}

func bgpRoutes(sp *bgp.Speaker, f bgp.Family, node string) (any, string, error) {
	if !sp.HasFamily(f) {
		return nil, "", fmt.Errorf("%s does not carry %v", node, f)
	}
	rs := sp.Routes(f)
	views := make([]bgp.RouteView, len(rs))
	for i := range rs {
		views[i] = rs[i].View()
	}
	var b strings.Builder
	if err := sp.WriteRoutes(&b, f); err != nil {
		return nil, "", err
	}
	return views, b.String(), nil
}
