package topology

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func mustLoad(t *testing.T, name, src string) *Model {
	t.Helper()
	res, err := Load(name, []byte(src))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return res.Model
}

// TestSeedLab checks the built-in lab against values worked out by hand
// from the allocation rules (role block + trailing number).
func TestSeedLab(t *testing.T) {
	m, err := LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		role     Role
		loopback string
		asn      uint32
		rr       bool
	}{
		"p1": {RoleP, "10.255.0.1/32", 65000, true}, "p2": {RoleP, "10.255.0.2/32", 65000, true},
		"pe1": {RolePE, "10.255.32.1/32", 65000, false}, "pe2": {RolePE, "10.255.32.2/32", 65000, false},
		"ce1": {RoleCE, "10.255.96.1/32", 64513, false}, "ce2": {RoleCE, "10.255.96.2/32", 64514, false},
		"cloud1": {RoleCloud, "10.255.128.1/32", 65024, false},
	}
	for name, w := range want {
		n := m.Node(name)
		if n == nil {
			t.Fatalf("node %s missing", name)
		}
		if n.Role != w.role || n.Loopback.String() != w.loopback || n.ASN != w.asn || n.RouteReflector != w.rr {
			t.Errorf("%s = role %s loopback %s asn %d rr %v; want %+v", name, n.Role, n.Loopback, n.ASN, n.RouteReflector, w)
		}
		if n.RouterID != n.Loopback.Addr() {
			t.Errorf("%s router id %s is not its loopback", name, n.RouterID)
		}
	}
	if got := len(m.Links); got != 17 {
		t.Errorf("%d links, want 8 written + 3 cloud uplinks + 6 compute underlay links", got)
	}
	pool := m.Pools.Links
	for _, l := range m.Links {
		if l.Subnet.Bits() != 31 || !pool.Contains(l.Subnet.Addr()) {
			t.Errorf("link %d subnet %s not a /31 of %s", l.ID, l.Subnet, pool)
		}
		if l.A.Addr != l.Subnet.Addr() || l.B.Addr != l.Subnet.Addr().Next() {
			t.Errorf("link %d ends %s %s do not use both addresses of %s", l.ID, l.A.Addr, l.B.Addr, l.Subnet)
		}
	}
	// The tenant VRF is on both PEs, on the CE-facing interfaces only.
	if len(m.VPNs) != 1 || len(m.VPNs[0].VRFs) != 2 {
		t.Fatalf("vpns = %+v", m.VPNs)
	}
	for _, vrf := range m.VPNs[0].VRFs {
		pe := m.Node(vrf.PE)
		if len(vrf.Interfaces) != 1 {
			t.Errorf("vrf on %s has interfaces %v", vrf.PE, vrf.Interfaces)
		}
		for _, i := range pe.Interfaces {
			inVRF := i.VRF == "tenant"
			toCE := m.Node(i.Peer).Role == RoleCE
			if inVRF != toCE {
				t.Errorf("%s %s (to %s) vrf %q", pe.Name, i.Name, i.Peer, i.VRF)
			}
		}
		if !strings.HasPrefix(vrf.RD, pe.RouterID.String()+":") {
			t.Errorf("rd %s of %s is not type 1 on its router id", vrf.RD, pe.Name)
		}
	}
	kinds := map[SessionKind]int{}
	for _, s := range m.Sessions {
		kinds[s.Kind]++
	}
	wantKinds := map[SessionKind]int{SessionRRMesh: 1, SessionIBGPVPN: 4, SessionPECE: 2, SessionCloudCE: 1, SessionCloudCore: 6}
	for k, n := range wantKinds {
		if kinds[k] != n {
			t.Errorf("%d %s sessions, want %d (all: %v)", kinds[k], k, n, kinds)
		}
	}
	// cloud3 joins by bgpvpn: each of its two computes (network
	// associations) and its network node (router associations) peers
	// with each of the two reflectors from its underlay address, as up
	// runs them; the network node's is its end of cloud3-cn1's link.
	for _, s := range m.Sessions {
		if s.Kind != SessionCloudCore {
			continue
		}
		a := m.Node(s.A)
		under := netip.Addr{}
		switch {
		case a != nil && a.Role == RoleCompute && a.Cloud == "cloud3":
			under = a.Interfaces[0].Addr.Addr()
		case a != nil && a.Name == "cloud3":
			for _, ifc := range a.Interfaces {
				if ifc.Peer == "cloud3-cn1" {
					under = ifc.Addr.Addr()
				}
			}
		}
		if !under.IsValid() || s.AAddr != under || m.Node(s.B).Role != RoleP || !s.RRClient {
			t.Errorf("ibgp-cloud session %+v: want a compute or the network node of cloud3 from its underlay address to a reflector", s)
		}
	}
	c1 := m.Clouds[0]
	if c1.Prefix.String() != "100.65.0.0/16" || len(c1.Computes) != 2 || c1.Computes[0].Name != "cloud1-cn1" {
		t.Errorf("cloud1 = %+v", c1)
	}
}

func modelJSON(t *testing.T, m *Model) string {
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDeterministic(t *testing.T) {
	a, _ := LoadSeed()
	b, _ := LoadSeed()
	if modelJSON(t, a) != modelJSON(t, b) {
		t.Fatal("two loads of the same file differ")
	}
}

// TestAddingALinkRenumbersNothing adds a link at the start, in the middle
// and at the end of the seed lab: every value allocated before stays.
func TestAddingALinkRenumbersNothing(t *testing.T) {
	seed := string(seedBytes(t))
	base, _ := LoadSeed()
	anchor := "  - {a: pe1, b: p1, latency: 10ms}\n"
	if !strings.Contains(seed, anchor) {
		t.Fatal("seed lab changed; update the anchor")
	}
	variants := map[string]string{
		"start":  strings.Replace(seed, "links:\n", "links:\n  - pe1-pe2\n", 1),
		"middle": strings.Replace(seed, anchor, anchor+"  - pe1-pe2\n", 1),
		"end":    strings.Replace(seed, "  - ce2-pe2\n", "  - ce2-pe2\n  - pe1-pe2\n", 1),
		"node":   strings.Replace(strings.Replace(seed, "  pe2: {role: pe}\n", "  pe2: {role: pe}\n  pe3: {role: pe}\n", 1), anchor, anchor+"  - pe3-p2\n", 1),
	}
	for name, src := range variants {
		m := mustLoad(t, name, src)
		for _, old := range base.Nodes {
			n := m.Node(old.Name)
			if n.Loopback != old.Loopback || n.ASN != old.ASN || n.RouterID != old.RouterID {
				t.Errorf("%s: node %s changed: %s/%d -> %s/%d", name, old.Name, old.Loopback, old.ASN, n.Loopback, n.ASN)
			}
		}
		subnets := map[string]netip.Prefix{}
		for _, l := range m.Links {
			subnets[l.A.Node+"|"+l.B.Node+"|"+l.Latency.String()] = l.Subnet
		}
		for _, l := range base.Links {
			if got := subnets[l.A.Node+"|"+l.B.Node+"|"+l.Latency.String()]; got != l.Subnet {
				t.Errorf("%s: link %s-%s subnet %s -> %s", name, l.A.Node, l.B.Node, l.Subnet, got)
			}
		}
		for i, c := range base.Clouds {
			if m.Clouds[i].Prefix != c.Prefix || m.Clouds[i].ASN != c.ASN {
				t.Errorf("%s: cloud %s changed", name, c.Name)
			}
		}
	}
}

func seedBytes(t *testing.T) []byte {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMinimalFileImpliesNodes(t *testing.T) {
	m := mustLoad(t, "min.yaml", "links: [p1-p2, pe1-p1, pe2-p2, ce1-pe1]\n")
	if len(m.Nodes) != 5 || m.Node("ce1").Role != RoleCE || !m.Node("pe2").IsAuto("role") {
		t.Fatalf("nodes: %+v", m.Nodes)
	}
	// No reflector: the PEs get a full mesh.
	if len(m.Sessions) != 2 || m.Sessions[0].Kind != SessionIBGPVPN || m.Sessions[1].Kind != SessionPECE {
		t.Errorf("sessions: %+v", m.Sessions)
	}
}

// Clouds start with DevStack's initial networks unless the file turns
// them off, lab-wide under defaults or per cloud (which wins).
func TestInitialNetworksSwitch(t *testing.T) {
	const links = "links: [p1-p2, pe1-p1, ce1-pe1, ce2-pe1]\n"
	for _, tc := range []struct {
		name, src string
		want      map[string]bool
	}{
		{"unset", links + "clouds:\n  c1: {attach: ce1}\n  c2: {attach: ce2}\n", map[string]bool{"c1": true, "c2": true}},
		{"per cloud", links + "clouds:\n  c1: {attach: ce1, initial_networks: false}\n  c2: {attach: ce2}\n", map[string]bool{"c1": false, "c2": true}},
		{"lab-wide", "defaults: {initial_networks: false}\n" + links + "clouds:\n  c1: {attach: ce1}\n  c2: {attach: ce2, initial_networks: true}\n",
			map[string]bool{"c1": false, "c2": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustLoad(t, "init.yaml", tc.src)
			for _, c := range m.Clouds {
				if c.InitialNetworks != tc.want[c.Name] {
					t.Errorf("cloud %s: initial networks %v, want %v", c.Name, c.InitialNetworks, tc.want[c.Name])
				}
			}
		})
	}
}

func TestPinsAreKept(t *testing.T) {
	m := mustLoad(t, "pins.yaml", `
defaults: {asn: 64999, label_mode: sr}
nodes:
  core-a: {role: p, loopback: 192.0.2.1, sr_index: 77, area: 0.0.0.0}
  edge-b: {role: pe, asn: 64999, router_id: 192.0.2.99}
  cust: {role: ce, asn: 65100}
links:
  - {a: "core-a:ge-0/0/0", b: "edge-b:ge-0/0/1", subnet: 198.51.100.0/31, latency: 12ms, loss: 0.5%, rate: 1gbit, mtu: 9000}
  - {a: {node: edge-b, interface: xe-1, addr: 198.51.100.9/30}, b: cust}
vpns:
  red: {sites: [cust], rt: "64999:42"}
`)
	a, b, c := m.Node("core-a"), m.Node("edge-b"), m.Node("cust")
	if a.Loopback.String() != "192.0.2.1/32" || a.SRIndex != 77 || a.SRLabel() != 16077 {
		t.Errorf("core-a: %+v", a)
	}
	if b.RouterID.String() != "192.0.2.99" || b.SRIndex < 0 || b.SRIndex == 77 || c.ASN != 65100 || c.LabelMode != "" {
		t.Errorf("edge-b %+v cust %+v", b, c)
	}
	l := m.Links[0]
	if l.A.Interface != "ge-0/0/0" || l.B.Interface != "ge-0/0/1" || l.Subnet.String() != "198.51.100.0/31" ||
		l.Latency.Milliseconds() != 12 || l.Loss != 0.005 || l.Rate != 1e9 || l.MTU != 9000 {
		t.Errorf("link 0: %+v", l)
	}
	l1 := m.Links[1]
	if l1.Subnet.String() != "198.51.100.8/30" || l1.A.Addr.String() != "198.51.100.9" || l1.A.Interface != "xe-1" || l1.B.Interface != "eth1" {
		t.Errorf("link 1: %+v", l1)
	}
	if v := m.VPNs[0]; v.Export[0] != "64999:42" || v.Auto[0] != "rd" {
		t.Errorf("vpn: %+v", v)
	}
}

func TestContainerlabFile(t *testing.T) {
	m := mustLoad(t, "clab.yaml", `
name: srlab
mgmt: {network: clab}
topology:
  nodes:
    p1: {kind: juniper_crpd, image: crpd:latest}
    pe1: {kind: nokia_srlinux}
  links:
    - endpoints: ["p1:eth1", "pe1:e1-1"]
`)
	if m.Links[0].A.Interface != "eth1" || m.Links[0].B.Interface != "e1-1" || m.Node("pe1").Role != RolePE {
		t.Errorf("links: %+v", m.Links[0])
	}
}

func TestShortLinksWithDashedNames(t *testing.T) {
	m := mustLoad(t, "dash.yaml", `
nodes:
  pop1-p1: {role: p}
  pop1-pe1: {role: pe}
links: [pop1-p1-pop1-pe1]
`)
	if l := m.Links[0]; l.A.Node != "pop1-p1" || l.B.Node != "pop1-pe1" {
		t.Errorf("split as %s / %s", l.A.Node, l.B.Node)
	}
}

func TestAreasAndABR(t *testing.T) {
	m := mustLoad(t, "areas.yaml", `
nodes:
  p1: {area: 0}
  p2: {area: 0}
  pe1: {area: 1}
  pe2: {area: 0.0.0.2}
links: [p1-p2, pe1-p1, pe2-p2]
`)
	want := []string{"0.0.0.0", "0.0.0.1", "0.0.0.2"}
	for i, l := range m.Links {
		if l.Area.String() != want[i] {
			t.Errorf("link %d area %s want %s", i, l.Area, want[i])
		}
	}
}

func TestExamplesValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	if len(files) < 2 {
		t.Fatalf("examples: %v", files)
	}
	for _, f := range files {
		if filepath.Base(f) == "broken.yaml" {
			continue // the README's invalid file (cmd/intercloud checks its errors)
		}
		res, err := LoadFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(res.Warnings) > 0 {
			t.Errorf("%s: warnings %v", f, res.Warnings)
		}
	}
}

func TestUnreadableFile(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml"))
	if _, ok := err.(*ErrUnreadable); !ok {
		t.Fatalf("got %T %v", err, err)
	}
}

// TestExternalPeerSessions checks the sessions an external peer gets for
// each role it plays: a reflector with every PE (clients) and every
// reflector of its AS, a PE as a client of the reflectors, a CE with its
// PE's VRF (which the VPN then has even without a site on that PE).
func TestExternalPeerSessions(t *testing.T) {
	y := `nodes:
  p1: {role: p, rr: true}
  pe1: {}
  pe2: {}
  ce1: {}
  frr: {role: external, address: 127.0.0.1:1790, plays: rr}
  gobgp: {role: external, address: 127.0.0.2, plays: pe}
  exa: {role: external, address: 127.0.0.3:1792, plays: ce, asn: 65010, attach: pe2, vpn: red}
links: [pe1-p1, pe2-p1, ce1-pe1]
vpns:
  red: {sites: [ce1]}
`
	res, err := Load("t.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	if len(m.Externals) != 3 || m.External("gobgp").Addr.String() != "127.0.0.2:179" || m.External("frr").ASN != 65000 {
		t.Fatalf("externals: %+v", m.Externals)
	}
	var got []string
	for _, s := range m.Sessions {
		if m.External(s.B) != nil {
			got = append(got, fmt.Sprintf("%s %s-%s client=%v/%v vrf=%s", s.Kind, s.A, s.B, s.RRClient, s.BClient, s.VRF))
		}
	}
	want := []string{
		"ibgp-vpn pe1-frr client=true/false vrf=",
		"ibgp-vpn pe2-frr client=true/false vrf=",
		"ibgp-rr p1-frr client=false/false vrf=",
		"ibgp-vpn p1-gobgp client=false/true vrf=",
		"ebgp-pe-ce pe2-exa client=false/false vrf=red",
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sessions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v := m.VPN("red"); len(v.VRFs) != 2 || v.VRFs[1].PE != "pe2" {
		t.Errorf("vpn red VRFs %+v, want one on pe2 for the external ce", v.VRFs)
	}
	for _, n := range m.Nodes {
		if n.Name == "frr" || n.Name == "gobgp" || n.Name == "exa" {
			t.Errorf("external %s is a router of the lab", n.Name)
		}
	}
}
