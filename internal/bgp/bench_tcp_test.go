package bgp

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/testpeer"
)

// BenchmarkReflectorTCP runs the same workload as BenchmarkReflector over
// real TCP on loopback, once with each reflector — intercloud's, FRR's
// bgpd and gobgpd — so the rates compare in one run. The PEs are
// intercloud speakers in every case. routes/s is routes reflected (PEs x
// routes) per second from the first origination until every PE holds
// every route.
func BenchmarkReflectorTCP(b *testing.B) {
	for _, size := range []struct{ pes, routes int }{{10, 1000}, {10, 10000}, {100, 1000}} {
		for _, rr := range []string{"intercloud", "frr", "gobgpd"} {
			b.Run(fmt.Sprintf("%s/%dPEx%d", rr, size.pes, size.routes), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					rrAddr, port := startReflector(b, rr, size.pes)
					b.StartTimer()
					runTCPReflector(b, rrAddr, port, size.pes, size.routes)
				}
			})
		}
	}
}

func peAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{127, 0, 1, byte(i + 1)}) }
func peID(i int) netip.Addr   { return netip.AddrFrom4([4]byte{10, 255, 1, byte(i + 1)}) }

// startReflector starts a reflector for pes clients at 127.0.1.1.. and
// returns its address and port.
func startReflector(b *testing.B, kind string, pes int) (netip.Addr, int) {
	switch kind {
	case "intercloud":
		s, err := New(Config{ASN: 65000, RouterID: addr("10.255.0.5"), Families: []Family{VPNv4}, ListenAddr: netip.MustParseAddrPort("127.0.0.5:0")})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
		for i := range pes {
			if err := s.AddPeer(PeerConfig{Addr: peAddr(i), ASN: 65000, RRClient: true, Passive: true}); err != nil {
				b.Fatal(err)
			}
		}
		return addr("127.0.0.5"), int(s.ListenAddr().Port())
	case "frr":
		var c strings.Builder
		c.WriteString("frr defaults traditional\nhostname rr\n!\nrouter bgp 65000\n bgp router-id 10.255.0.3\n no bgp default ipv4-unicast\n")
		for i := range pes {
			fmt.Fprintf(&c, " neighbor %v remote-as 65000\n neighbor %v passive\n", peAddr(i), peAddr(i))
		}
		c.WriteString(" address-family ipv4 vpn\n")
		for i := range pes {
			fmt.Fprintf(&c, "  neighbor %v activate\n  neighbor %v route-reflector-client\n", peAddr(i), peAddr(i))
		}
		c.WriteString(" exit-address-family\n!\n")
		f := startFRR(b, c.String(), "127.0.0.3")
		return addr("127.0.0.3"), f.port
	case "gobgpd":
		conf := testpeer.GobgpdConfig{AS: 65000, RouterID: "10.255.0.2", Listen: "127.0.0.2"}
		for i := range pes {
			conf.Neighbors = append(conf.Neighbors, testpeer.GobgpdNeighbor{Addr: peAddr(i).String(), AS: 65000, Passive: true,
				RRClient: true, Families: []string{"l3vpn-ipv4-unicast"}})
		}
		g := startGobgpdConf(b, "127.0.0.2", conf.TOML)
		return addr("127.0.0.2"), g.bgpPort
	}
	b.Fatalf("unknown reflector %q", kind)
	return netip.Addr{}, 0
}

func runTCPReflector(b *testing.B, rr netip.Addr, port, pes, routes int) {
	b.StopTimer()
	defer b.StartTimer() // b.Loop wants it running; runs after the Closes
	target := rt(&testing.T{}, "65000:1")
	sp := make([]*Speaker, pes)
	for i := range pes {
		s, err := New(Config{ASN: 65000, RouterID: peID(i), Families: []Family{VPNv4}})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if err := s.AddPeer(PeerConfig{Addr: rr, Port: uint16(port), ASN: 65000, LocalAddr: peAddr(i)}); err != nil {
			b.Fatal(err)
		}
		sp[i] = s
	}
	for _, s := range sp {
		waitFor(b, 30*time.Second, "PE sessions to the reflector", func() bool { return s.PeerState(rr) == Established })
	}
	b.StartTimer()
	start := time.Now()
	for i, s := range sp {
		var rd RD
		rd[2], rd[3], rd[7] = 0, byte(i+1), 1
		attrs := Attrs{NextHop: peID(i), ExtCommunities: PackExtCommunities([]ExtCommunity{target})}
		for r := range routes {
			k := RouteKey{RD: rd, Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(r >> 16), byte(r >> 8), byte(r)}), 32)}
			if err := s.Originate(VPNv4, k, uint32(16+r%1000), attrs); err != nil {
				b.Fatal(err)
			}
		}
	}
	want := pes * routes
	waitFor(b, 600*time.Second, "every PE to hold every route", func() bool {
		for _, s := range sp {
			s.mu.Lock()
			n := s.tables[VPNv4].dests.len()
			s.mu.Unlock()
			if n != want {
				return false
			}
		}
		return true
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(want)/elapsed.Seconds(), "routes/s")
}
