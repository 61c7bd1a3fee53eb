package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/intercloud/intercloud/internal/secgroup"
	"github.com/intercloud/intercloud/internal/topology"
)

// SecurityGroupRow is one rule of a filtered VM address, with the
// packets it let pass (its flows', replies included).
type SecurityGroupRow struct {
	Addr      netip.Addr `json:"addr"`
	Group     string     `json:"group"`
	Rule      string     `json:"rule"`
	Direction string     `json:"direction"`
	Protocol  string     `json:"protocol"`
	Ports     string     `json:"ports"`
	Remote    string     `json:"remote"`
	Packets   uint64     `json:"packets"`
}

// SecurityGroupTable is a cloud node's filtered addresses: their rules,
// and per address what no rule let in or out; the sources each may send
// from (its port's addresses and allowed address pairs), and what its
// anti-spoofing dropped, checked before the rules.
type SecurityGroupTable struct {
	Rules   []SecurityGroupRow            `json:"rules"`
	Dropped map[netip.Addr]uint64         `json:"dropped"`
	Sources map[netip.Addr][]netip.Prefix `json:"sources"`
	Spoofed map[netip.Addr]uint64         `json:"spoofed"`
}

// securityGroups is the table of node n, empty unless it is a cloud's
// node filtering VMs (all the cloud's filtered addresses) or one of its
// computes (the VMs living there, whose ports it filters).
func (l *Lab) securityGroups(n *Node) SecurityGroupTable {
	t := SecurityGroupTable{Dropped: map[netip.Addr]uint64{}, Sources: map[netip.Addr][]netip.Prefix{}, Spoofed: map[netip.Addr]uint64{}}
	var run *cloudRun
	onCompute := false
	l.bgpMu.Lock()
	for _, cr := range l.clouds {
		if cr.node == n {
			run = cr
		}
		if slices.ContainsFunc(cr.c.Computes, func(c *topology.Compute) bool { return c.Name == n.Model.Name }) {
			run, onCompute = cr, true
		}
	}
	l.bgpMu.Unlock()
	if run == nil {
		return t
	}
	// cr.mu after bgpMu, never inside it: ApplyCloud takes them the other way.
	run.mu.Lock()
	f := run.filter
	here := map[netip.Addr]bool{}
	for a, host := range run.vms {
		here[a] = host == n.Model.Name
	}
	run.mu.Unlock()
	if f == nil {
		return t
	}
	// The cloud's filter is shared by its node and computes: a compute
	// shows its own VMs' addresses.
	shown := func(a netip.Addr) bool { return !onCompute || here[a] }
	rules, dropped := f.Counts()
	sources, spoofed := f.Sources()
	for a, v := range dropped {
		if shown(a) {
			t.Dropped[a] = v
		}
	}
	for a, v := range sources {
		if shown(a) {
			t.Sources[a] = v
		}
	}
	for a, v := range spoofed {
		if shown(a) {
			t.Spoofed[a] = v
		}
	}
	for a, rs := range rules {
		if !shown(a) {
			continue
		}
		for _, r := range rs {
			t.Rules = append(t.Rules, SecurityGroupRow{Addr: a, Group: r.Group, Rule: r.ID, Direction: r.Direction.String(),
				Protocol: protoName(r.Proto), Ports: portsText(r.Rule), Remote: remoteText(r.Rule), Packets: r.Packets})
		}
	}
	slices.SortStableFunc(t.Rules, func(a, b SecurityGroupRow) int { return a.Addr.Compare(b.Addr) })
	return t
}

func protoName(p int) string {
	switch p {
	case secgroup.Any:
		return "any"
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	}
	return fmt.Sprint(p)
}

func portsText(r secgroup.Rule) string {
	if r.PortMin == secgroup.Any && r.PortMax == secgroup.Any {
		return "any"
	}
	b := func(v int) string {
		if v == secgroup.Any {
			return "*"
		}
		return fmt.Sprint(v)
	}
	if r.Proto == 1 {
		return "type " + b(r.PortMin) + " code " + b(r.PortMax)
	}
	return b(r.PortMin) + "-" + b(r.PortMax)
}

func remoteText(r secgroup.Rule) string {
	if r.AnyRemote {
		return "any"
	}
	if len(r.Remotes) == 0 {
		return "none"
	}
	parts := make([]string, len(r.Remotes))
	for i, p := range r.Remotes {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// String is shaped like a firewall's rule listing: one line per rule
// with its counter, then per address its drops, the sources it may use
// and what anti-spoofing dropped.
func (t SecurityGroupTable) String() string {
	var b strings.Builder
	w := table(&b)
	fmt.Fprintln(w, "Address\tGroup\tDir\tProto\tPorts\tRemote\tPackets\tRule")
	for _, r := range t.Rules {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.Addr, r.Group, r.Direction, r.Protocol, r.Ports, r.Remote, r.Packets, r.Rule)
	}
	w.Flush()
	addrs := make([]netip.Addr, 0, len(t.Dropped))
	for a := range t.Dropped {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	for _, a := range addrs {
		fmt.Fprintf(&b, "%s: %d packets dropped (no rule)\n", a, t.Dropped[a])
		if src := t.Sources[a]; len(src) > 0 {
			parts := make([]string, len(src))
			for i, p := range src {
				parts[i] = p.String()
			}
			fmt.Fprintf(&b, "%s: may send from %s; %d packets dropped (source not allowed)\n", a, strings.Join(parts, ","), t.Spoofed[a])
		}
	}
	return b.String()
}
