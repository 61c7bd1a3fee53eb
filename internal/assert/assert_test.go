package assert

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// serve runs m as `intercloud up` does (in-memory BGP), behind the lab
// API on a free loopback port, and stops both at the end.
func serve(t *testing.T, m *topology.Model) *api.Client {
	t.Helper()
	l, err := lab.New(m, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewServer(l, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	l.Start()
	return api.NewClient(ln.Addr().String(), srv.Token())
}

// TestEveryExampleCarriesChecksAndPassesThem is what CI runs for
// `intercloud validate --live`: each example's validate: block, against
// the example running. Examples that peer with real daemons are left to
// the tests that start those daemons.
func TestEveryExampleCarriesChecksAndPassesThem(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	for _, f := range files {
		res, err := topology.LoadFile(f)
		if err != nil {
			continue // broken.yaml is broken on purpose
		}
		m := res.Model
		t.Run(filepath.Base(f), func(t *testing.T) {
			if len(m.Externals) > 0 {
				t.Skip("peers with real BGP daemons")
			}
			if len(m.Checks) == 0 {
				t.Fatal("the example has no validate: block")
			}
			c := serve(t, m)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rs := Run(ctx, c, m.Checks, 30*time.Second)
			for _, r := range rs {
				if !r.Pass {
					t.Errorf("%s: %s: FAIL: %s", f, r.Name, r.Detail)
				}
			}
		})
	}
}

func TestAFailingCheckFailsWithWhyAndANotRunningLabRunsNone(t *testing.T) {
	res, err := topology.Load("t.yaml", []byte(`links: [ce1-pe1, pe1-p1, p1-pe2, pe2-ce2]
validate:
  - ping: ce1 ce2
    fails: true
  - trace: ce1 ce2
    via: pe1
`))
	if err != nil {
		t.Fatal(err)
	}
	c := serve(t, res.Model)
	rs := Run(context.Background(), c, res.Model.Checks, 2*time.Second)
	if p, f, n := Summary(rs); p != 1 || f != 1 || n != 0 {
		t.Errorf("passed %d failed %d not run %d: %+v", p, f, n, rs)
	}
	if rs[0].Pass || rs[0].Detail != "3 of 3 replies" {
		t.Errorf("isolation check on a reachable pair: %+v", rs[0])
	}

	gone := api.NewClient("127.0.0.1:1", "x")
	if _, _, n := Summary(Run(context.Background(), gone, res.Model.Checks, time.Second)); n != 2 {
		t.Errorf("%d checks not run against no lab, want 2", n)
	}
}

// TestAdvertisesPassesWithinThePoolAndNamesWhatIsNot: a floating-ip
// cloud whose uplink carries a subnet outside its prefix fails the check
// with that subnet named; with only its own subnets it passes, and
// exactly: names the extra and the missing.
func TestAdvertisesPassesWithinThePoolAndNamesWhatIsNot(t *testing.T) {
	res, err := topology.Load("t.yaml", []byte(`links: [ce1-pe1, pe1-p1, p1-pe2, pe2-ce2]
vpns: {tenant: {sites: [ce1, ce2]}}
clouds:
  c1: {attach: ce1, join: floating-ip, vpn: tenant, prefix: 100.70.0.0/16, initial_networks: false}
validate:
  - advertises: c1
  - advertises: c1
    exactly: [100.70.0.0/24, 100.70.9.0/24]
`))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	l, err := lab.New(m, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewServer(l, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	l.Start()
	c := api.NewClient(ln.Addr().String(), srv.Token())

	apply := func(uplink ...string) {
		t.Helper()
		var ps []netip.Prefix
		for _, s := range uplink {
			ps = append(ps, netip.MustParsePrefix(s))
		}
		if err := l.ApplyCloud("c1", lab.CloudConfig{Uplink: ps}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(wantPass [2]bool, wantDetail [2]string) {
		t.Helper()
		rs := Run(context.Background(), c, m.Checks, 0)
		for i, r := range rs {
			if r.Pass != wantPass[i] || r.Detail != wantDetail[i] {
				t.Errorf("%s: pass %v %q, want %v %q", r.Name, r.Pass, r.Detail, wantPass[i], wantDetail[i])
			}
		}
	}

	check([2]bool{true, false}, [2]string{"announces nothing", "missing: 100.70.0.0/24 100.70.9.0/24"})
	apply("100.70.0.0/24", "100.70.9.0/24")
	check([2]bool{true, true}, [2]string{"announces 100.70.0.0/24 100.70.9.0/24", "announces 100.70.0.0/24 100.70.9.0/24"})
	apply("100.70.0.0/24", "100.70.5.0/24", "192.0.2.0/24")
	check([2]bool{false, false}, [2]string{"outside 100.70.0.0/16: 192.0.2.0/24",
		"outside 100.70.0.0/16: 192.0.2.0/24; extra: 100.70.5.0/24; missing: 100.70.9.0/24"})
	if got := m.Checks[0].String(); got != "cloud c1 advertises only its prefix 100.70.0.0/16" {
		t.Errorf("name %q", got)
	}
}
