package topology

import (
	"errors"
	"strings"
	"testing"
)

// TestValidationErrors pins every kind of problem `intercloud validate`
// reports to its exact message and position.
func TestValidationErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown key", "nodes:\n  p1: {role: p, loopbak: 10.255.0.9}\n  p2: {}\nlinks: [p1-p2]\n",
			[]string{`t.yaml:2:17: unknown key "loopbak" in node p1 (did you mean loopback?)`}},
		{"unknown top key", "links: [p1-p2]\ntypo: 1\n",
			[]string{`t.yaml:2:1: unknown key "typo" in the topology file (known keys: name, defaults, pools, nodes, links, clouds, vpns, topology, mgmt, prefix, validate, sr-policies, areas)`}},
		{"wrong type", "links:\n  - {a: p1, b: p2, cost: x}\n",
			[]string{`t.yaml:2:26: link cost must be a whole number, not the text "x"`}},
		{"wrong type for a section", "links: {p1: p2}\n",
			[]string{`t.yaml:1:8: links must be a list, not a mapping (write links as a list: - p1-p2)`}},
		{"unknown role", "nodes:\n  p1: {role: q}\nlinks: [p1-p2]\n",
			[]string{`t.yaml:2:14: unknown role "q" for node p1 (one of p, pe, ce, rr, cloud, host, external)`,
				`t.yaml:3:9: link to missing node "p2" (did you mean p1?)`}},
		{"no role", "links: [core1-p2]\n",
			[]string{`t.yaml:1:9: node core1 has no role (add role: p, pe, ce, rr or host, or name it like pe1)`}},
		{"duplicate node", "nodes:\n  - {name: p1}\n  - {name: p1}\nlinks: [p1-p1]\n",
			[]string{`t.yaml:3:12: duplicate node name "p1" (first defined at line 2)`,
				`t.yaml:4:9: self-link on node p1 (a link joins two different nodes)`}},
		{"duplicate key", "nodes:\n  p1: {}\n  p1: {}\nlinks: [p1-p2]\n",
			[]string{`t.yaml:3:3: duplicate name "p1" in nodes (first defined at line 2)`,
				`t.yaml:4:9: link to missing node "p2" (did you mean p1?)`}},
		{"missing node", "nodes: {p1: {}, p2: {}}\nlinks:\n  - p1-p2\n  - {a: p1, b: p3}\n",
			[]string{`t.yaml:4:16: link to missing node "p3" (did you mean p1?)`}},
		{"self link", "links:\n  - p1-p2\n  - {a: p1, b: p1}\n",
			[]string{`t.yaml:3:5: self-link on node p1 (a link joins two different nodes)`}},
		{"negative latency", "links:\n  - {a: p1, b: p2, latency: -5ms}\n",
			[]string{`t.yaml:2:29: link latency -5ms is negative (delays cannot be negative)`}},
		{"absurd impairments", "links:\n  - {a: p1, b: p2, loss: 150%, rate: 0mbit, latency: 20s, mtu: 10}\n",
			[]string{`t.yaml:2:26: link loss 150% is out of range (between 0% and 100%)`,
				`t.yaml:2:38: link rate 0mbit is absurd (between 8kbit and 1tbit)`,
				`t.yaml:2:54: link latency 20s is absurd (at most 10s; the longest real paths are a few hundred ms)`,
				`t.yaml:2:64: link mtu 10 is out of range (between 68 and 65535)`}},
		{"duplicate loopback", "nodes:\n  p1: {loopback: 10.255.0.1}\n  p2: {loopback: 10.255.0.1/32}\nlinks: [p1-p2]\n",
			[]string{`t.yaml:3:18: loopback of p2 10.255.0.1/32 duplicates loopback of p1 (10.255.0.1/32) (pick another address, or leave it out to have one allocated)`}},
		{"overlapping subnets", "links:\n  - {a: p1, b: p2, subnet: 10.0.0.0/31}\n  - {a: p2, b: p3, subnet: 10.0.0.0/30}\n",
			[]string{`t.yaml:3:28: link p2-p3 10.0.0.0/30 overlaps link p1-p2 (10.0.0.0/31) (pick another address, or leave it out to have one allocated)`}},
		{"duplicate loopback in one vpn", "nodes:\n  pe1: {}\n  ce1: {loopback: 192.168.0.1}\n  ce2: {loopback: 192.168.0.1}\nlinks: [pe1-ce1, pe1-ce2]\nvpns:\n  red: {sites: [ce1, ce2]}\n",
			[]string{`t.yaml:4:19: loopback of ce2 192.168.0.1/32 duplicates loopback of ce1 (192.168.0.1/32) (pick another address, or leave it out to have one allocated)`}},
		{"ce in no vpn reusing a core loopback", "nodes:\n  pe1: {loopback: 10.255.0.9}\n  ce1: {loopback: 10.255.0.9}\n  ce2: {}\nlinks: [pe1-ce1, pe1-ce2]\n",
			[]string{`t.yaml:3:19: loopback of ce1 10.255.0.9/32 duplicates loopback of pe1 (10.255.0.9/32) (pick another address, or leave it out to have one allocated)`}},
		{"inter-as link on a p router", "nodes:\n  p1: {}\n  p2: {asn: 65100}\n  pe1: {}\n  pe2: {asn: 65100}\nlinks: [p1-p2, pe1-p1, pe2-p2]\n",
			[]string{`t.yaml:6:9: link p1-p2 joins AS 65000 and AS 65100 but p1 is a p (link PEs (ASBRs) between ASes; P and RR routers stay inside theirs)`}},
		{"as cut off", "nodes:\n  p1: {}\n  p2: {asn: 65100}\n  pe1: {}\n  pe2: {asn: 65100}\nlinks: [pe1-p1, pe2-p2]\n",
			[]string{`t.yaml:3:3: AS 65100 is cut off: p2, pe2 cannot reach p1 (link a PE of each AS to a PE of the other (an inter-AS link))`}},
		{"external without address", "nodes:\n  p1: {rr: true}\n  pe1: {}\n  ce1: {}\n  frr: {role: external, plays: rr}\nlinks: [p1-pe1, pe1-ce1]\n",
			[]string{`t.yaml:5:3: external peer frr has no address (add address: 127.0.0.1:1790 (where the daemon listens))`}},
		{"external plays a p", "nodes:\n  p1: {rr: true}\n  pe1: {}\n  ce1: {}\n  frr: {role: external, address: 127.0.0.1, plays: p}\nlinks: [p1-pe1, pe1-ce1]\n",
			[]string{`t.yaml:5:52: node frr plays "p" (an external peer plays rr, pe or ce)`}},
		{"external bad address", "nodes:\n  p1: {rr: true}\n  pe1: {}\n  ce1: {}\n  frr: {role: external, address: 127.0.0.1:x, plays: rr}\nlinks: [p1-pe1, pe1-ce1]\n",
			[]string{`t.yaml:5:34: node frr address "127.0.0.1:x" is not an address and port (an IPv4 address, with :PORT when not 179, such as 127.0.0.1:1790)`}},
		{"link to an external", "nodes:\n  p1: {rr: true}\n  pe1: {}\n  ce1: {}\n  frr: {role: external, address: 127.0.0.1, plays: rr}\nlinks: [p1-pe1, pe1-ce1, frr-p1]\n",
			[]string{`t.yaml:6:26: link to external peer frr (intercloud reaches an external peer over TCP at its address; it has no links)`}},
		{"external ce without attach or asn", "nodes:\n  p1: {rr: true}\n  pe1: {}\n  ce1: {}\n  frr: {role: external, address: 127.0.0.1, plays: ce, vpn: red}\nlinks: [p1-pe1, pe1-ce1]\nvpns:\n  red: {sites: [ce1]}\n",
			[]string{`t.yaml:5:3: external ce frr has no asn (add asn: the CE's own AS)`,
				`t.yaml:5:3: external ce frr attaches to no pe (add attach: the PE it peers with)`}},
		{"external ce attached to a p", "nodes:\n  p1: {rr: true}\n  pe1: {}\n  ce1: {}\n  frr: {role: external, address: 127.0.0.1, plays: ce, asn: 65009, attach: p1, vpn: blue}\nlinks: [p1-pe1, pe1-ce1]\nvpns:\n  red: {sites: [ce1]}\n",
			[]string{`t.yaml:5:76: external ce frr attaches to "p1", which is not a pe (did you mean pe1?)`,
				`t.yaml:5:85: external ce frr: no vpn "blue" (name a vpn of the topology)`}},
		{"address on a router", "nodes:\n  p1: {rr: true}\n  pe1: {}\n  ce1: {}\n  pe2: {address: 127.0.0.1}\nlinks: [p1-pe1, pe1-ce1, pe2-p1]\n",
			[]string{`t.yaml:5:18: node pe2: address applies only to external peers (address, plays, attach and vpn describe a real BGP daemon: add role: external)`}},
		{"external in an AS with no core", "nodes:\n  p1: {rr: true}\n  pe1: {}\n  ce1: {}\n  frr: {role: external, address: 127.0.0.1, plays: pe, asn: 65100, loopback: 10.9.9.9}\nlinks: [p1-pe1, pe1-ce1]\n",
			[]string{`t.yaml:5:61: external pe frr is in AS 65100, where no core router is (peer it with an AS the topology has)`,
				`t.yaml:5:78: external peer frr: loopback does not apply (an external peer is configured in its own daemon; give address, plays, asn (and attach, vpn for a ce))`}},
		{"vpn labels", "links: [pe1-ce1]\nvpns:\n  red: {sites: [ce1], labels: per-route}\n",
			[]string{`t.yaml:3:31: vpn red labels "per-route" is not a label allocation (per-vrf, the default: one label for the VRF; or per-prefix)`}},
		{"pool too small", "pools:\n  loopbacks: 10.255.0.0/30\nlinks: [p1-p2, p2-p3, p3-p4]\n",
			[]string{`t.yaml:2:14: pool 10.255.0.0/30 is too small: 1 more loopbacks needed (widen pools.loopbacks)`}},
		{"pools overlap", "pools:\n  loopbacks: 10.0.0.0/24\nlinks: [p1-p2]\n",
			[]string{`t.yaml:2:14: pools.links 10.0.0.0/16 overlaps pools.loopbacks 10.0.0.0/24 (give each pool its own range)`}},
		{"cloud on wrong role", "links: [p1-p2, pe1-p1, ce1-pe1]\nclouds:\n  c1: {attach: p1, join: dynamic-routing}\n  c2: {attach: ce1, join: bgpvpn}\n",
			[]string{`t.yaml:3:16: cloud c1 joins by dynamic-routing but attaches to p1, a p router (attach it to a ce, or straight to a pe)`,
				`t.yaml:4:16: cloud c2 joins by bgpvpn but attaches to ce1, a ce router (its nodes act as PEs: attach it to a p or pe router)`}},
		{"cloud attached nowhere", "links: [p1-p2]\nclouds:\n  c3: {attach: nowhere}\n",
			[]string{`t.yaml:3:16: cloud c3 attaches to missing node "nowhere" (name a node of the topology)`}},
		{"initial networks not a boolean", "links: [ce1-pe1]\nclouds:\n  c1: {attach: ce1, initial_networks: none}\n",
			[]string{`t.yaml:3:39: cloud c1 initial_networks must be a boolean, not the text "none" (true or false)`}},
		{"lab-wide initial networks not a boolean", "defaults: {initial_networks: [no]}\nlinks: [ce1-pe1]\n",
			[]string{`t.yaml:1:30: defaults.initial_networks must be a boolean, not a list (true or false)`}},
		{"unknown join", "links: [ce1-pe1]\nclouds:\n  c1: {attach: ce1, join: teleport}\n",
			[]string{`t.yaml:3:27: unknown join mode "teleport" for cloud c1 (one of floating-ip, dynamic-routing, bgpvpn, interconnection, sdn)`}},
		{"pe without rr", "nodes:\n  p1: {rr: true}\n  p2: {}\n  pe1: {}\n  pe2: {}\n  ce1: {}\nlinks: [p1-p2, pe1-p1, pe2-ce1]\n",
			[]string{`t.yaml:5:3: the core is partitioned: pe2 cannot reach p1 (link them to the rest of the core)`,
				`t.yaml:5:3: pe pe2 has no path to a route reflector (its VPN routes could not be reflected; link it to the core)`}},
		{"partitioned core", "links: [p1-p2, p3-p4, pe1-p1]\n",
			[]string{`t.yaml:1:16: the core is partitioned: p3, p4 cannot reach p1 (link them to the rest of the core)`}},
		{"vpn references", "links: [p1-pe1, ce1-pe1]\nvpns:\n  blue: {sites: [ce1, p1], pes: [pe7, p1]}\n",
			[]string{`t.yaml:3:23: vpn blue: site p1 is a p, not a ce (sites are ce routers; list PEs under pes:)`,
				`t.yaml:3:34: vpn blue references missing pe "pe7" (did you mean pe1?)`,
				`t.yaml:3:39: vpn blue: p1 is a p, not a pe (VRFs live on pe routers)`}},
		{"areas without ABR", "nodes:\n  p1: {area: 0}\n  p2: {area: 0}\n  p3: {area: 2}\n  p4: {area: 2}\nlinks: [p1-p2, {a: p2, b: p3, area: 0}, {a: p3, b: p4}, {a: p4, b: p1, area: 3}, {a: p3, b: p4, area: 3}]\n",
			nil}, // area 3 reaches the backbone through p1: valid
		{"backbone split", "nodes:\n  p1: {area: 0}\n  p2: {area: 0}\n  p3: {area: 2}\n  p4: {area: 2}\n  p5: {area: 2}\nlinks: [p1-p2, p2-p3, p4-p5, {a: p4, b: p3, area: 0}]\n",
			[]string{`t.yaml:4:3: area 0.0.0.0 is split: p3, p4 cannot reach p1 within it (OSPF needs a contiguous backbone; virtual links are not supported)`}},
		{"area split from backbone", "nodes:\n  p1: {area: 0}\n  p2: {area: 0}\n  p3: {area: 1}\n  p4: {area: 2}\nlinks: [p1-p2, p2-p3, {a: p3, b: p4, area: 2}]\n",
			[]string{`t.yaml:6:23: area 0.0.0.2 (p3, p4) has no border router to the backbone (give one of its routers a link in area 0)`}},
		{"link between two areas", "nodes:\n  p1: {area: 0}\n  p2: {area: 1}\n  p3: {area: 2}\nlinks: [p1-p2, p2-p3]\n",
			[]string{`t.yaml:5:16: link p2-p3 joins areas 0.0.0.1 and 0.0.0.2; which one is it in? (set area: on the link)`}},
		{"duplicate sr index", "defaults: {label_mode: sr}\nnodes:\n  p1: {sr_index: 5}\n  p2: {sr_index: 5}\nlinks: [p1-p2]\n",
			[]string{`t.yaml:4:18: sr_index 5 of p2 is also p1's (each node SID must be unique in the SR domain)`}},
		{"ce with provider asn", "nodes:\n  pe1: {}\n  ce1: {asn: 65000}\nlinks: [ce1-pe1]\n",
			[]string{`t.yaml:3:14: ce ce1 uses the provider's ASN 65000 (a CE speaks eBGP to its PE and needs an ASN of its own)`}},
		{"reserved asn", "nodes:\n  ce1: {asn: 23456}\n  pe1: {}\nlinks: [ce1-pe1]\n",
			[]string{`t.yaml:2:14: node ce1 asn 23456 is AS_TRANS (RFC 6793) (use a private ASN such as 64512-65534 or 4200000000-4294967294)`}},
		{"not yaml", "nodes: [p1\nlinks: x\n",
			[]string{`t.yaml:1:11: did not find expected ',' or ']' (the '[' opened at 1:8 is not closed)`}},
		{"empty", "", []string{`t.yaml:1:1: the file defines no nodes or links (a minimal file is a list of links, e.g. links: [p1-p2, pe1-p1, pe2-p2])`}},
		{"ambiguous short link", "links: [a-b-c]\n",
			[]string{`t.yaml:1:9: link "a-b-c" is ambiguous: node names contain '-' (use the long form: {a: NODE, b: NODE})`}},
		{"empty link", "links:\n  - p1-p2\n  - !tag\n",
			[]string{`t.yaml:3:5: empty link (write a link as NODE-NODE, e.g. p1-p2)`}},
		{"bad prefix", "pools: {links: 10.0.0.0/33}\nlinks: [p1-p2]\n",
			[]string{`t.yaml:1:16: pools.links "10.0.0.0/33" is not an IPv4 prefix (an IPv4 prefix such as 10.0.0.0/16)`}},
		{"missing vpn of cloud", "links: [ce1-pe1]\nclouds:\n  c1: {attach: ce1, vpn: red}\n",
			[]string{`t.yaml:3:26: cloud c1 joins missing vpn "red" (define it under vpns:)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Load("t.yaml", []byte(tc.yaml))
			var got []string
			var ds Diagnostics
			if errors.As(err, &ds) {
				for _, d := range ds.Errors() {
					got = append(got, d.String())
				}
			} else if err != nil {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("diagnostics:\n got: %q\nwant: %q", got, tc.want)
			}
			if err == nil && res.Model == nil {
				t.Error("valid file gave no model")
			}
			if err != nil && res.Model != nil {
				t.Error("invalid file gave a model")
			}
		})
	}
}

// TestAliasBombIsCheap feeds a "billion laughs" document, each level
// referring to the previous one ten times: the loader must not expand it.
func TestAliasBombIsCheap(t *testing.T) {
	_, err := Load("bomb.yaml", []byte(aliasBomb()))
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("want diagnostics, got %v", err)
	}
	if len(ds) > 20 {
		t.Errorf("%d diagnostics for one bad document; want a handful", len(ds))
	}
}

// aliasBomb is a "billion laughs" document.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a")
		b.WriteString(string(rune('0' + i)))
		b.WriteString(": &a")
		b.WriteString(string(rune('0' + i)))
		b.WriteString(" [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a")
			b.WriteString(string(rune('0' + i - 1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("links: *a8\n")
	return b.String()
}

func TestWarningsKeepFileValid(t *testing.T) {
	res, err := Load("w.yaml", []byte("nodes:\n  ce1: {area: 1}\n  pe1: {}\nlinks:\n  - {a: ce1, b: pe1, latency: 1ms, jitter: 5ms}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"w.yaml:2:15: warning: area on ce1 (a ce) is ignored (only p, pe and rr routers run the IGP)",
		"w.yaml:5:44: warning: jitter 5ms is larger than latency 1ms (netem reorders packets when jitter exceeds delay)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n got: %q\nwant: %q", got, want)
	}
}

// TestPartitionsAreReportedLargestFirstThenInFileOrder: the largest piece
// of the core is the one the others cannot reach, and the rest are listed
// in the order their first router is written.
func TestPartitionsAreReportedLargestFirstThenInFileOrder(t *testing.T) {
	_, err := Load("t.yaml", []byte("links: [p1-p2, p3-p4, p5-p6, p6-p7, p8-p9]\n"))
	ds, ok := err.(Diagnostics)
	if !ok {
		t.Fatalf("want diagnostics, got %v", err)
	}
	var got []string
	for _, d := range ds.Errors() {
		got = append(got, d.Msg)
	}
	want := []string{
		"the core is partitioned: p1, p2 cannot reach p5",
		"the core is partitioned: p3, p4 cannot reach p5",
		"the core is partitioned: p8, p9 cannot reach p5",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
