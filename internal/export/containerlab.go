package export

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/intercloud/intercloud/internal/topology"
)

// DefaultImage is the FRR container containerlab runs for each router.
// The configurations are proven on FRR 8.4 (Debian's); 8.5.0 is the
// nearest release published on quay.io and reads them unchanged.
const DefaultImage = "quay.io/frrouting/frr:8.5.0"

// CloudImage stands in for a cloud's network node: a Linux box on the
// uplink that answers for the cloud's loopback.
const CloudImage = "alpine:3"

// Clab is the containerlab topology file (containerlab.dev/manual/topo-def-file).
type Clab struct {
	Name     string   `yaml:"name"`
	Topology ClabTopo `yaml:"topology"`
}

// ClabTopo is the topology: section.
type ClabTopo struct {
	Nodes map[string]ClabNode `yaml:"nodes"`
	Links []ClabLink          `yaml:"links"`
}

// ClabNode is one container.
type ClabNode struct {
	Kind  string   `yaml:"kind"`
	Image string   `yaml:"image"`
	Binds []string `yaml:"binds,omitempty"`
	Exec  []string `yaml:"exec,omitempty"`
}

// ClabLink wires two containers' interfaces ("node:iface").
type ClabLink struct {
	Endpoints []string `yaml:"endpoints"`
}

// Containerlab renders the topology file wiring one FRR container per
// exported router as the lab's links do, with each router's frr.conf
// and daemons file (written by Write as NODE/frr.conf, NODE/daemons)
// bound in. A cloud's network node is a plain Linux container on the
// uplink; compute nodes and hosts are left out.
func Containerlab(m *topology.Model, image string) ([]byte, error) {
	if image == "" {
		image = DefaultImage
	}
	c := Clab{Name: clabName(m.Name), Topology: ClabTopo{Nodes: map[string]ClabNode{}}}
	in := map[string]bool{}
	var omitted []string
	for _, n := range m.Nodes {
		switch {
		case Exported(n):
			node := ClabNode{Kind: "linux", Image: image, Binds: []string{
				n.Name + "/frr.conf:/etc/frr/frr.conf",
				n.Name + "/daemons:/etc/frr/daemons",
			}}
			for _, v := range vrfsOf(m, n.Name) {
				node.Exec = append(node.Exec, fmt.Sprintf("ip link add %s type vrf table %d", v.name, v.table), "ip link set "+v.name+" up")
				for _, i := range v.ifaces {
					node.Exec = append(node.Exec, fmt.Sprintf("ip link set %s master %s", i, v.name))
				}
			}
			c.Topology.Nodes[n.Name] = node
			in[n.Name] = true
		case n.Role == topology.RoleCloud:
			cl := cloudByName(m, n.Cloud)
			if cl == nil || cl.LinkID < 0 {
				continue
			}
			l := m.Links[cl.LinkID]
			var ifc *topology.Interface
			for _, i := range n.Interfaces {
				if i.LinkID == l.ID {
					ifc = i
				}
			}
			if ifc == nil {
				continue
			}
			c.Topology.Nodes[n.Name] = ClabNode{Kind: "linux", Image: CloudImage, Exec: []string{
				fmt.Sprintf("ip addr add %s dev %s", ifc.Addr, ifc.Name),
				fmt.Sprintf("ip addr add %s dev lo", n.Loopback),
				fmt.Sprintf("ip route add default via %s", farEnd(l, n.Name)),
			}}
			in[n.Name] = true
		default:
			omitted = append(omitted, fmt.Sprintf("%s (%s)", n.Name, n.Role))
		}
	}
	for _, l := range m.Links {
		if !in[l.A.Node] || !in[l.B.Node] {
			continue
		}
		a, b := m.Node(l.A.Node), m.Node(l.B.Node)
		if a.Role == topology.RoleCloud && b.Role == topology.RoleCloud {
			continue
		}
		// A cloud container has only its uplink.
		if (a.Role == topology.RoleCloud && cloudByName(m, a.Cloud).LinkID != l.ID) || (b.Role == topology.RoleCloud && cloudByName(m, b.Cloud).LinkID != l.ID) {
			continue
		}
		c.Topology.Links = append(c.Topology.Links, ClabLink{Endpoints: []string{l.A.Node + ":" + l.A.Interface, l.B.Node + ":" + l.B.Interface}})
	}
	body, err := yaml.Marshal(c)
	if err != nil {
		return nil, err
	}
	var head strings.Builder
	fmt.Fprintf(&head, "# containerlab topology of lab %s, exported by `intercloud export --format containerlab`.\n", m.Name)
	head.WriteString("# Deploy from this directory: containerlab deploy -t " + c.Name + ".clab.yml\n")
	head.WriteString("# Not in this file:\n")
	head.WriteString("#  - MPLS forwarding: load the host's mpls_router and mpls_iptunnel modules and set\n")
	head.WriteString("#    net.mpls.platform_labels and net.mpls.conf.<iface>.input in each container for labels to forward\n")
	head.WriteString("#  - links' latency, jitter, loss and rate: add them with tc netem on the host's veths\n")
	head.WriteString("#  - clouds' OpenStack side: each cloud node is a Linux stand-in answering for its loopback\n")
	if len(omitted) > 0 {
		head.WriteString("#  - nodes that are not routers: " + strings.Join(omitted, ", ") + "\n")
	}
	return append([]byte(head.String()), body...), nil
}

// clabName makes a lab name containerlab accepts (letters, digits, - _).
func clabName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "intercloud"
	}
	return b.String()
}

// Daemons is the FRR daemons file for node: the daemons its frr.conf
// needs, as /etc/frr/daemons spells them.
func Daemons(m *topology.Model, node string) []byte {
	n := m.Node(node)
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	core := n != nil && n.Role.IsCore()
	ldp := core && n.LabelMode == topology.LabelLDP
	var b strings.Builder
	fmt.Fprintf(&b, "# FRR daemons of %s, exported by intercloud.\n", node)
	fmt.Fprintf(&b, "bgpd=yes\nospfd=%s\nldpd=%s\nstaticd=yes\n", yes(core), yes(ldp))
	b.WriteString("vtysh_enable=yes\n")
	b.WriteString("zebra_options=\"  -A 127.0.0.1 -s 90000000\"\n")
	b.WriteString("bgpd_options=\"   -A 127.0.0.1\"\n")
	b.WriteString("ospfd_options=\"  -A 127.0.0.1\"\n")
	b.WriteString("ldpd_options=\"   -A 127.0.0.1\"\n")
	b.WriteString("staticd_options=\"-A 127.0.0.1\"\n")
	return []byte(b.String())
}
