package gnmi

import (
	"context"
	"github.com/intercloud/intercloud/internal/testpeer"
	"net"
	"net/netip"
	"testing"
	"time"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// BenchmarkGetAFT100k is a Get of a VRF's whole AFT holding 100,000
// routes, as JSON_IETF over loopback gRPC: pe1's VRF of the seed lab
// with 100,000 /24s injected as one protocol's set (as the router's
// BenchmarkRIBReplace100k does), each through the VRF's CE.
func BenchmarkGetAFT100k(b *testing.B) {
	const routes = 100_000
	m, err := topology.LoadSeed()
	if err != nil {
		b.Fatal(err)
	}
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l, err := lab.New(m, lab.Options{Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	l.Start()
	if c, took, ok := l.WaitReady(5*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		b.Fatalf("seed lab not ready after %v: %+v", took, c)
	}
	vrf := injectVRFRoutes(b, l, routes)

	s := New(l, testToken)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Stop()
	cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30)))
	if err != nil {
		b.Fatal(err)
	}
	defer cc.Close()
	c := gpb.NewGNMIClient(cc)
	ctx := authed(context.Background())
	req := &gpb.GetRequest{Prefix: &gpb.Path{Target: "pe1"}, Encoding: gpb.Encoding_JSON_IETF,
		Path: []*gpb.Path{{Elem: []*gpb.PathElem{{Name: "network-instances"}, {Name: "network-instance", Key: map[string]string{"name": vrf}}, {Name: "afts"}}}}}
	b.ReportAllocs()
	var size int
	cpu := testpeer.ProcessCPU()
	for b.Loop() {
		resp, err := c.Get(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		size = len(resp.Notification[0].Update[0].Val.GetJsonIetfVal())
	}
	b.ReportMetric(float64(testpeer.ProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(size)/1e6, "MB/answer")
	b.ReportMetric(float64(routes)*float64(b.N)/b.Elapsed().Seconds(), "routes/s")
}

// injectVRFRoutes puts n /24s from 100.0.0.0 (clear of the lab's 10/8)
// into pe1's first VRF, as one protocol's set (as the router's
// BenchmarkRIBReplace100k does), each through the VRF's CE; it returns
// the VRF's name.
func injectVRFRoutes(tb testing.TB, l *lab.Lab, n int) string {
	tb.Helper()
	pe1, _ := l.Node("pe1")
	data, _, err := l.Show("pe1", "vrf", "")
	if err != nil {
		tb.Fatal(err)
	}
	vrf := data.([]lab.VRFInfo)[0].Name
	var nh router.Nexthop
	for _, row := range pe1.Router.InterfaceTable() {
		if row.VRF == vrf {
			ce := row.Addr.Masked().Addr()
			if ce == row.Addr.Addr() {
				ce = ce.Next()
			}
			nh = router.Nexthop{Addr: ce, Iface: row.Name}
		}
	}
	rs := make([]router.Route, n)
	for i := range rs {
		a := [4]byte{byte(100 + i>>16), byte(i >> 8), byte(i), 0}
		rs[i] = router.Route{Prefix: netip.PrefixFrom(netip.AddrFrom4(a), 24), Metric: 1, Nexthops: []router.Nexthop{nh}}
	}
	pe1.Router.Do(func() { pe1.Router.RIB().ReplaceRoutes(router.ProtoOSPF, vrf, rs) })
	if got := len(pe1.Router.FIBTable(vrf).Routes); got < n {
		tb.Fatalf("the VRF's FIB has %d routes, want at least %d", got, n)
	}
	return vrf
}
