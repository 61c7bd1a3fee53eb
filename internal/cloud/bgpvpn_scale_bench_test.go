package cloud

import (
	"fmt"
	"github.com/intercloud/intercloud/internal/testpeer"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// scaleLab is issue 9's benchmark topology: a small core with two route
// reflectors and one cloud joining by bgpvpn with 100 compute nodes.
const scaleLab = `
name: bgpvpn-scale
defaults: {asn: 65000, label_mode: ldp, initial_networks: false}
nodes:
  p1: {role: p, rr: true}
  p2: {role: p, rr: true}
  pe1: {role: pe}
links:
  - {a: pe1, b: p1}
  - {a: pe1, b: p2}
  - {a: p1, b: p2}
clouds:
  dc: {attach: pe1, join: bgpvpn, computes: 100}
`

// scaleTenants x scalePortsPerTenant ports: 10,000 VM ports with a VPN
// attachment. Tenant i's ports sit on scaleSpread computes (i, i+1, ...
// mod 100), so each compute is a PE of scaleSpread BGPVPNs and each VRF
// imports its BGPVPN's 100 routes: 10,000 VPNv4 routes at the
// reflectors, 100,000 VRF routes over the computes.
const (
	scaleTenants        = 100
	scalePortsPerTenant = 100
	scaleSpread         = 10
)

// scaleBGPVPNs is the cloud's BGPVPNs as internal/cloud hands them to
// the lab: tenant i's route target 65000:(1000+i), its ports at
// 10.(i/250).(i%250).x... — overlapping nothing — bound to computes.
func scaleBGPVPNs(m *topology.Model, tenants int) []lab.CloudBGPVPN {
	computes := m.Clouds[0].Computes
	var out []lab.CloudBGPVPN
	for i := range tenants {
		rt := fmt.Sprintf("65000:%d", 1000+i)
		v := lab.CloudBGPVPN{ID: fmt.Sprintf("bgpvpn-%03d-0000-0000-0000-000000000000", i), Name: fmt.Sprintf("t%03d", i),
			Import: []string{rt}, Export: []string{rt}}
		for j := range scalePortsPerTenant {
			addr := netip.AddrFrom4([4]byte{10, byte(i), byte(j / 250), byte(j%250 + 1)})
			host := computes[(i+j%scaleSpread)%len(computes)].Name
			v.Ports = append(v.Ports, lab.CloudVM{Addr: addr, Port: fmt.Sprintf("port-%d-%d", i, j), Host: host})
		}
		out = append(out, v)
	}
	return out
}

// BenchmarkTenThousandPortsOnAHundredComputes (issue 9's benchmark): from
// the lab applying a cloud state with 10,000 VM ports in 100 BGPVPNs over
// 100 compute nodes (what internal/cloud's controller hands Lab.ApplyCloud
// after Neutron's snapshot; Neutron's own API time is not in it) to every
// attachment VRF holding every route of its BGPVPN: the computes' VRFs
// and sessions coming up, 10,000 routes through the two reflectors with
// RT constraint, each compute importing its VRFs' routes. ns/op is wall
// time, cpu-ms/op the process's CPU time meanwhile (what a loaded
// machine's wall time hides), lab-ms/op lab time (the virtual clock,
// advanced 10 ms at a time while waiting); B/attachment is the live heap it adds (after GC,
// applied minus before) per port. Each iteration removes the state again
// untimed.
//
// The sub-benchmarks apply 25 and 100 BGPVPNs (2,500 and 10,000 ports)
// on the same 100 computes: per-port figures that grow with the count
// would show superlinear work.
func BenchmarkTenThousandPortsOnAHundredComputes(b *testing.B) {
	for _, tenants := range []int{scaleTenants / 4, scaleTenants} {
		b.Run(fmt.Sprintf("ports=%d", tenants*scalePortsPerTenant), func(b *testing.B) { benchmarkScale(b, tenants) })
	}
}

func benchmarkScale(b *testing.B, tenants int) {
	res, err := topology.Load("bgpvpn-scale.yaml", []byte(scaleLab))
	if err != nil {
		b.Fatal(err)
	}
	m := res.Model
	clk := clock.NewVirtual(epoch)
	l, err := lab.New(m, lab.Options{Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	l.Start()
	if c, took, ok := l.WaitReady(60*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		b.Fatalf("lab not ready after %v: %+v", took, c)
	}
	vpns := scaleBGPVPNs(m, tenants)
	// want is, per compute, its VRFs; every one must end with 100 routes.
	want := map[string][]string{}
	for i := range tenants {
		for k := range scaleSpread {
			cn := m.Clouds[0].Computes[(i+k)%len(m.Clouds[0].Computes)].Name
			want[cn] = append(want[cn], fmt.Sprintf("t%03d", i))
		}
	}
	converged := func() bool {
		for cn, vrfs := range want {
			n, _ := l.Node(cn)
			for _, vrf := range vrfs {
				if len(n.Router.RouteTable(vrf).Routes) < scalePortsPerTenant {
					return false
				}
			}
		}
		return true
	}
	empty := func() bool {
		for cn := range want {
			if len(l.Attachments(cn)) > 0 {
				return false
			}
		}
		return true
	}
	wait := func(what string, cond func() bool) {
		deadline := time.Now().Add(10 * time.Minute)
		for step := 0; !cond(); step++ {
			if time.Now().After(deadline) {
				b.Fatalf("%s: not after 10 minutes", what)
			}
			// Checking 1,000 VRFs costs more than a lab millisecond's
			// work: check every 10.
			for range 10 {
				clk.Advance(time.Millisecond)
			}
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var labTime, cpu time.Duration
	var grown uint64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		h0 := heap()
		b.StartTimer()
		t0, c0 := clk.Now(), testpeer.ProcessCPU()
		if err := l.ApplyCloud("dc", lab.CloudConfig{BGPVPNs: vpns}); err != nil {
			b.Fatal(err)
		}
		wait("every VRF with its 100 routes", converged)
		labTime += clk.Now().Sub(t0)
		cpu += testpeer.ProcessCPU() - c0
		b.StopTimer()
		if h := heap(); h > h0 {
			grown += h - h0
		}
		if err := l.ApplyCloud("dc", lab.CloudConfig{}); err != nil {
			b.Fatal(err)
		}
		wait("no attachment left", empty)
		b.StartTimer()
	}
	b.ReportMetric(float64(labTime.Microseconds())/1000/float64(b.N), "lab-ms/op")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(grown)/float64(b.N)/float64(tenants*scalePortsPerTenant), "B/attachment")
}
