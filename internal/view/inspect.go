package view

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// autoMark flags a value the resolver allocated rather than the file pinned.
const autoMark = "*"

func mark(s string, auto bool) string {
	if auto {
		return s + autoMark
	}
	return s
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Inspect writes the resolved model as tables: nodes, interfaces, links,
// clouds, VPNs and the BGP sessions to be built. Values marked with * were
// allocated automatically.
func Inspect(w io.Writer, m *topology.Model) error {
	fmt.Fprintf(w, "Topology %s from %s\n", m.Name, m.Source)
	fmt.Fprintf(w, "Provider AS %d, label mode %s; %s\n", m.ProviderASN, m.LabelMode, m.Summarize())
	fmt.Fprintf(w, "Pools: loopbacks %s, links %s, clouds %s (/%d each), ASNs %d-%d, RT numbers %d-%d\n\n",
		m.Pools.Loopbacks, m.Pools.Links, m.Pools.Clouds, m.Pools.CloudPrefix, m.Pools.ASNs.First, m.Pools.ASNs.Last, m.Pools.RT.First, m.Pools.RT.Last)
	sections := []func(io.Writer, *topology.Model) error{nodesTable, interfacesTable, linksTable, cloudsTable, vpnsTable, sessionsTable}
	if len(m.Externals) > 0 {
		sections = append(sections[:5], externalsTable, sessionsTable)
	}
	for _, s := range sections {
		if err := s(w, m); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintf(w, "%s allocated automatically\n", autoMark)
	return err
}

func nodesTable(w io.Writer, m *topology.Model) error {
	fmt.Fprintln(w, "Nodes")
	t := newTable(w, "NAME", "ROLE", "ASN", "LOOPBACK", "ROUTER-ID", "AREA", "LABELS", "NODE-SID", "RR")
	for _, n := range m.Nodes {
		area, labels, sid, rr := "", "", "", ""
		if n.Role.IsCore() {
			area = n.Area.String()
			labels = string(n.LabelMode)
		}
		if n.SRIndex >= 0 {
			sid = mark(fmt.Sprintf("%d (index %d)", n.SRLabel(), n.SRIndex), n.IsAuto("sr_index"))
		}
		if n.RouteReflector {
			rr = "cluster " + mark(n.ClusterID.String(), n.IsAuto("cluster_id"))
		}
		asn := ""
		if n.ASN != 0 {
			asn = mark(strconv.FormatUint(uint64(n.ASN), 10), n.IsAuto("asn"))
		}
		t.row(n.Name, mark(string(n.Role), n.IsAuto("role")), asn, mark(n.Loopback.String(), n.IsAuto("loopback")),
			mark(n.RouterID.String(), n.IsAuto("router_id")), area, labels, sid, rr)
	}
	return t.flush()
}

func interfacesTable(w io.Writer, m *topology.Model) error {
	fmt.Fprintln(w, "Interfaces")
	t := newTable(w, "NODE", "INTERFACE", "ADDRESS", "PEER", "VRF")
	for _, n := range m.Nodes {
		for _, i := range n.Interfaces {
			t.row(n.Name, mark(i.Name, has(i.Auto, "name")), mark(i.Addr.String(), has(i.Auto, "addr")), i.Peer, i.VRF)
		}
	}
	return t.flush()
}

func linksTable(w io.Writer, m *topology.Model) error {
	fmt.Fprintln(w, "Links")
	t := newTable(w, "#", "A", "B", "SUBNET", "COST", "AREA", "LATENCY", "JITTER", "LOSS", "RATE", "MTU", "STATE")
	for _, l := range m.Links {
		cost, area := "", ""
		if l.Core {
			cost = strconv.Itoa(l.Cost)
			area = mark(l.Area.String(), has(l.Auto, "area"))
		}
		state := "up"
		if !l.Up {
			state = "down"
		}
		t.row(strconv.Itoa(l.ID), l.A.Node+":"+l.A.Interface, l.B.Node+":"+l.B.Interface, mark(l.Subnet.String(), has(l.Auto, "subnet")),
			cost, area, dur(l.Latency), dur(l.Jitter), loss(l.Loss), topology.FormatRate(l.Rate), strconv.Itoa(l.MTU), state)
	}
	return t.flush()
}

func dur(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}

func loss(f float64) string {
	if f == 0 {
		return "0"
	}
	return strconv.FormatFloat(f*100, 'g', 4, 64) + "%"
}

func cloudsTable(w io.Writer, m *topology.Model) error {
	fmt.Fprintln(w, "Clouds")
	t := newTable(w, "NAME", "JOIN", "ATTACH", "ASN", "PREFIX", "VPN", "COMPUTE NODES")
	for _, c := range m.Clouds {
		var computes []string
		for _, cn := range c.Computes {
			computes = append(computes, cn.Name+" "+cn.Loopback.Addr().String()+autoMark)
		}
		asn := ""
		if c.ASN != 0 {
			asn = mark(strconv.FormatUint(uint64(c.ASN), 10), has(c.Auto, "asn"))
		}
		t.row(c.Name, mark(c.JoinText(), has(c.Auto, "join")), c.Attach, asn, mark(c.Prefix.String(), has(c.Auto, "prefix")), c.VPN, strings.Join(computes, ", "))
	}
	return t.flush()
}

func vpnsTable(w io.Writer, m *topology.Model) error {
	fmt.Fprintln(w, "VPNs")
	t := newTable(w, "VPN", "PE", "RD", "IMPORT RT", "EXPORT RT", "INTERFACES", "SITES")
	for _, v := range m.VPNs {
		rtAuto := has(v.Auto, "rt")
		imp, exp := mark(strings.Join(v.Import, ","), rtAuto), mark(strings.Join(v.Export, ","), rtAuto)
		if len(v.VRFs) == 0 {
			t.row(v.Name, "", "", imp, exp, "", strings.Join(v.Sites, ","))
		}
		for _, vrf := range v.VRFs {
			t.row(v.Name, vrf.PE, mark(vrf.RD, has(v.Auto, "rd")), imp, exp, strings.Join(vrf.Interfaces, ","), strings.Join(v.Sites, ","))
		}
	}
	return t.flush()
}

func sessionsTable(w io.Writer, m *topology.Model) error {
	fmt.Fprintln(w, "BGP sessions")
	t := newTable(w, "KIND", "A", "B", "A-ADDRESS", "B-ADDRESS", "A-AS", "B-AS", "FAMILIES", "VRF", "RR-CLIENT", "STARTS")
	for _, s := range m.Sessions {
		// A cloud's session waits for its OpenStack to ask for it.
		starts := "at up"
		if s.OnDemand() {
			starts = "when the cloud asks"
		}
		client := ""
		if s.RRClient {
			client = "yes"
		}
		if s.BClient {
			client = "yes (b)"
		}
		t.row(string(s.Kind), s.A, s.B, s.AAddr.String(), s.BAddr.String(), strconv.FormatUint(uint64(s.AASN), 10),
			strconv.FormatUint(uint64(s.BASN), 10), strings.Join(s.Families, ","), s.VRF, client, starts)
	}
	return t.flush()
}

func externalsTable(w io.Writer, m *topology.Model) error {
	fmt.Fprintln(w, "External BGP peers (real daemons, reached over TCP)")
	t := newTable(w, "NAME", "PLAYS", "ASN", "ADDRESS", "ATTACH", "VPN")
	for _, e := range m.Externals {
		t.row(e.Name, string(e.Plays), mark(strconv.FormatUint(uint64(e.ASN), 10), has(e.Auto, "asn")), e.Addr.String(), e.Attach, e.VPN)
	}
	return t.flush()
}
