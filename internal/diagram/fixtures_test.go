package diagram

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// Hand-built models, independent of the YAML loader, so the diagrams are
// tested on exactly the shapes they must handle: RR marks, a second area,
// parallel and down links, every cloud join and every session kind.

type builder struct {
	m       *topology.Model
	nextLo  int
	nextNet int
}

func newBuilder(name string) *builder {
	return &builder{m: &topology.Model{Name: name, Source: "test fixture", ProviderASN: 65000}}
}

func (b *builder) node(name string, role topology.Role, area topology.Area, asn uint32) *topology.Node {
	b.nextLo++
	lo := netip.AddrFrom4([4]byte{10, 255, byte(b.nextLo >> 8), byte(b.nextLo)})
	n := &topology.Node{
		Name: name, Role: role, Area: area, ASN: asn,
		RouterID: lo, Loopback: netip.PrefixFrom(lo, 32), SRIndex: -1,
	}
	if role == topology.RoleCloud {
		n.Cloud = name
	}
	b.m.Nodes = append(b.m.Nodes, n)
	return n
}

func (b *builder) link(a, z string, latency time.Duration) *topology.Link {
	na, nz := b.m.Node(a), b.m.Node(z)
	base := b.nextNet * 2
	b.nextNet++
	sub := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(base >> 8), byte(base)}), 31)
	l := &topology.Link{
		ID:      len(b.m.Links),
		A:       topology.Endpoint{Node: a, Interface: fmt.Sprintf("eth%d", len(na.Interfaces)), Addr: sub.Addr()},
		B:       topology.Endpoint{Node: z, Interface: fmt.Sprintf("eth%d", len(nz.Interfaces)), Addr: sub.Addr().Next()},
		Subnet:  sub,
		Cost:    10,
		Area:    na.Area,
		Latency: latency,
		MTU:     1500,
		Up:      true,
		Core:    na.Role.IsCore() && nz.Role.IsCore(),
	}
	na.Interfaces = append(na.Interfaces, &topology.Interface{Name: l.A.Interface, Addr: netip.PrefixFrom(l.A.Addr, 31), LinkID: l.ID, Peer: z})
	nz.Interfaces = append(nz.Interfaces, &topology.Interface{Name: l.B.Interface, Addr: netip.PrefixFrom(l.B.Addr, 31), LinkID: l.ID, Peer: a})
	b.m.Links = append(b.m.Links, l)
	return l
}

func (b *builder) cloud(name, attach string, join topology.JoinMode, asn uint32, computes int) *topology.Cloud {
	b.node(name, topology.RoleCloud, 0, asn)
	l := b.link(name, attach, 0)
	c := &topology.Cloud{
		Name: name, Join: []topology.JoinMode{join}, Attach: attach, ASN: asn, Node: name, LinkID: l.ID,
		Prefix: netip.MustParsePrefix(fmt.Sprintf("172.16.%d.0/24", len(b.m.Clouds))),
	}
	for i := 1; i <= computes; i++ {
		b.nextLo++
		lo := netip.AddrFrom4([4]byte{10, 254, byte(b.nextLo >> 8), byte(b.nextLo)})
		c.Computes = append(c.Computes, &topology.Compute{Name: fmt.Sprintf("%s-cn%d", name, i), Loopback: netip.PrefixFrom(lo, 32)})
	}
	b.m.Clouds = append(b.m.Clouds, c)
	return c
}

func (b *builder) session(kind topology.SessionKind, a, z string) {
	fam := []string{"ipv4-vpn"}
	if kind == topology.SessionPECE || kind == topology.SessionCloudCE {
		fam = []string{"ipv4-unicast"}
	}
	s := topology.Session{Kind: kind, A: a, B: z, Families: fam, RRClient: kind == topology.SessionIBGPVPN || kind == topology.SessionCloudCore}
	if kind == topology.SessionPECE {
		s.VRF = "tenant"
	}
	b.m.Sessions = append(b.m.Sessions, s)
}

// seedLike is the seed lab's shape with extras: pe2 sits in area 0.0.0.1,
// the pe1-p2 link is down, and cloud3's compute nodes peer with the RRs.
func seedLike() *topology.Model {
	b := newBuilder("seed-like")
	p1 := b.node("p1", topology.RoleP, 0, 65000)
	p2 := b.node("p2", topology.RoleP, 0, 65000)
	p1.RouteReflector, p2.RouteReflector = true, true
	b.node("pe1", topology.RolePE, 0, 65000)
	b.node("pe2", topology.RolePE, 1, 65000)
	b.node("ce1", topology.RoleCE, 0, 64513)
	b.node("ce2", topology.RoleCE, 0, 64514)
	b.link("p1", "p2", 30*time.Millisecond)
	b.link("p1", "p2", 35*time.Millisecond)
	b.link("pe1", "p1", 10*time.Millisecond)
	b.link("pe1", "p2", 40*time.Millisecond).Up = false
	b.link("pe2", "p1", 40*time.Millisecond)
	b.link("pe2", "p2", 10*time.Millisecond)
	b.link("ce1", "pe1", 0)
	b.link("ce2", "pe2", 1500*time.Microsecond)
	b.cloud("cloud1", "ce1", topology.JoinDynamicRouting, 65024, 2)
	b.cloud("cloud2", "ce2", topology.JoinFloatingIP, 0, 2)
	b.cloud("cloud3", "pe2", topology.JoinBGPVPN, 65000, 3)

	b.session(topology.SessionRRMesh, "p1", "p2")
	for _, pe := range []string{"pe1", "pe2"} {
		b.session(topology.SessionIBGPVPN, pe, "p1")
		b.session(topology.SessionIBGPVPN, pe, "p2")
	}
	b.session(topology.SessionPECE, "pe1", "ce1")
	b.session(topology.SessionPECE, "pe2", "ce2")
	b.session(topology.SessionCloudCE, "ce1", "cloud1")
	b.session(topology.SessionCloudCore, "cloud3-cn1", "p1")
	b.session(topology.SessionCloudCore, "cloud3-cn2", "p2")
	return b.m
}

// synthetic is a provider network of the given size: P routers in a ring
// with chords, each PE dual-homed to two neighbouring Ps, CEs on PEs (some
// multi-homed), clouds on CEs and PEs, PEs spread over areas (P routers
// stay in area 0), two RRs among the Ps, and every session kind. The same
// arguments always give the same model.
func synthetic(nP, nPE, nCE, nClouds, areas int) *topology.Model {
	b := newBuilder(fmt.Sprintf("synthetic-%d", nP+nPE+nCE+nClouds))
	for i := 1; i <= nP; i++ {
		n := b.node(fmt.Sprintf("p%d", i), topology.RoleP, 0, 65000)
		n.RouteReflector = i <= 2
	}
	// A PE's area is its region: the part of the ring its P routers are in.
	peP := func(i int) int { return (i*nP/nPE)%nP + 1 }
	for i := 1; i <= nPE; i++ {
		b.node(fmt.Sprintf("pe%d", i), topology.RolePE, topology.Area((peP(i)-1)*areas/nP), 65000)
	}
	for i := 1; i <= nCE; i++ {
		b.node(fmt.Sprintf("ce%d", i), topology.RoleCE, 0, uint32(64512+i))
	}
	ms := func(i int) time.Duration { return time.Duration(5+(i*7)%36) * time.Millisecond }
	for i := 1; i <= nP; i++ {
		b.link(fmt.Sprintf("p%d", i), fmt.Sprintf("p%d", i%nP+1), ms(i))
		if nP > 6 && i%4 == 0 {
			b.link(fmt.Sprintf("p%d", i), fmt.Sprintf("p%d", (i+nP/2-1)%nP+1), ms(i+1))
		}
	}
	for i := 1; i <= nPE; i++ {
		p := peP(i)
		pe := fmt.Sprintf("pe%d", i)
		b.link(pe, fmt.Sprintf("p%d", p), ms(i))
		l := b.link(pe, fmt.Sprintf("p%d", p%nP+1), ms(i+3))
		l.Up = i%17 != 5
		b.session(topology.SessionIBGPVPN, pe, "p1")
		b.session(topology.SessionIBGPVPN, pe, "p2")
	}
	for i := 1; i <= nCE; i++ {
		ce := fmt.Sprintf("ce%d", i)
		pe := fmt.Sprintf("pe%d", (i*7)%nPE+1)
		b.link(ce, pe, 0)
		b.session(topology.SessionPECE, pe, ce)
		if i%9 == 0 {
			pe2 := fmt.Sprintf("pe%d", (i*7+1)%nPE+1)
			b.link(ce, pe2, 0)
			b.session(topology.SessionPECE, pe2, ce)
		}
	}
	for i := 1; i <= nClouds; i++ {
		name := fmt.Sprintf("cloud%d", i)
		switch i % 3 {
		case 0:
			b.cloud(name, fmt.Sprintf("pe%d", (i*5)%nPE+1), topology.JoinBGPVPN, 65000, 2+i%4)
			b.session(topology.SessionCloudCore, name+"-cn1", "p1")
			b.session(topology.SessionCloudCore, name+"-cn1", "p2")
		case 1:
			ce := fmt.Sprintf("ce%d", (i*3)%nCE+1)
			b.cloud(name, ce, topology.JoinDynamicRouting, uint32(65100+i), 1+i%3)
			b.session(topology.SessionCloudCE, ce, name)
		default:
			b.cloud(name, fmt.Sprintf("ce%d", (i*11)%nCE+1), topology.JoinFloatingIP, 0, 2)
		}
	}
	b.session(topology.SessionRRMesh, "p1", "p2")
	return b.m
}
