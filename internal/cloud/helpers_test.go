package cloud

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgp/peers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgp/speakers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/addressscopes"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/provider"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/subnetpools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/cloudapi"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/testpeer"
	"github.com/intercloud/intercloud/internal/topology"
)

var epoch = time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)

// env is a lab on a virtual clock with its clouds' Keystone and Neutrons
// served on loopback, joined by a Controller, as `intercloud up` runs them.
type env struct {
	t      testing.TB
	m      *topology.Model
	lab    *lab.Lab
	clk    *clock.Virtual
	clouds *cloudapi.Clouds
	srv    *httptest.Server
	wall   time.Duration // wall time slept per millisecond of lab time (TCP)
}

// loadModel reads an example lab ("" is the seed).
func loadModel(t testing.TB, file string) *topology.Model {
	t.Helper()
	if file == "" {
		m, err := topology.LoadSeed()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	res, err := topology.LoadFile(filepath.Join("..", "..", "examples", file))
	if err != nil {
		t.Fatal(err)
	}
	return res.Model
}

// start brings the lab up and the APIs on the store in dir, and applies
// what the store holds (a restart when dir was used before).
func start(t testing.TB, m *topology.Model, dir string) *env {
	return startWith(t, m, dir, lab.Options{})
}

// startWith is start with lab options; with BGPTransport "tcp" (the
// daemon's) lab time runs at most four times faster than the wall, so
// that timers do not outrun messages on real sockets.
func startWith(t testing.TB, m *topology.Model, dir string, opts lab.Options) *env {
	t.Helper()
	clk := clock.NewVirtual(epoch)
	opts.Clock = clk
	l, err := lab.New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	var wall time.Duration
	if opts.BGPTransport == "tcp" {
		wall = 250 * time.Microsecond // per millisecond of lab time
	}
	advance := func(d time.Duration) {
		clk.Advance(d)
		time.Sleep(wall * time.Duration(d/time.Millisecond))
	}
	l.Start()
	if c, took, ok := l.WaitReady(20*time.Second, 10*time.Millisecond, advance); !ok {
		l.Close()
		t.Fatalf("lab not ready after %v: %+v", took, c)
	}
	ctrl := NewController(l, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clouds, err := cloudapi.Open(ctx, dir, m, "http://"+ln.Addr().String(), cloudapi.Options{OnChange: ctrl.Changed})
	if err != nil {
		ln.Close()
		l.Close()
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if err := clouds.Mount(muxMounter{mux}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	e := &env{t: t, m: m, lab: l, clk: clk, clouds: clouds, srv: srv, wall: wall}
	t.Cleanup(e.stop)
	for _, c := range m.Clouds {
		ctrl.Add(c.Name, clouds.Neutron(c.Name))
	}
	if err := ctrl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// stop stops serving, closes the store and the lab (twice is harmless).
func (e *env) stop() {
	if e.srv == nil {
		return
	}
	e.srv.Close()
	e.clouds.Close()
	e.lab.Close()
	e.srv = nil
}

type muxMounter struct{ *http.ServeMux }

func (m muxMounter) Handle(pattern string, h http.Handler) error {
	m.ServeMux.Handle(pattern, h)
	return nil
}

// client is a gophercloud network client of region for user in project,
// authenticated against the lab's Keystone as a user would be.
func (e *env) client(user, project, region string) *gophercloud.ServiceClient {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: e.clouds.AuthURL(), Username: user, Password: keystone.DefaultPassword,
		DomainName: "Default", TenantName: project,
	})
	if err != nil {
		e.t.Fatalf("authenticate %s/%s: %v", user, project, err)
	}
	c, err := openstack.NewNetworkV2(p, gophercloud.EndpointOpts{Region: region})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) admin(cloud string) *gophercloud.ServiceClient {
	return e.client(keystone.AdminUser, keystone.AdminProject, cloud)
}
func (e *env) demo(cloud string) *gophercloud.ServiceClient {
	return e.client(keystone.DemoName(cloud), keystone.DemoName(cloud), cloud)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// cloud is the model's cloud called name.
func (e *env) cloud(name string) *topology.Cloud {
	for _, c := range e.m.Clouds {
		if c.Name == name {
			return c
		}
	}
	e.t.Fatalf("no cloud %s", name)
	return nil
}

// block24 is the /24 of c's allocated prefix whose third octet is third.
func block24(c *topology.Cloud, third byte) netip.Prefix {
	b := c.Prefix.Addr().As4()
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{b[0], b[1], third, 0}), 24)
}

// publicNetwork creates, as the admin adm, a flat external (provider)
// network called name.
func publicNetwork(t testing.TB, ctx context.Context, adm *gophercloud.ServiceClient, name string) *networks.Network {
	t.Helper()
	n, err := networks.Create(ctx, adm, external.CreateOptsExt{
		CreateOptsBuilder: provider.CreateOptsExt{
			CreateOptsBuilder: networks.CreateOpts{Name: name},
			Segments:          []provider.Segment{{NetworkType: "flat", PhysicalNetwork: "physnet1"}},
		},
		External: ptr(true),
	}).Extract()
	must(t, err)
	return n
}

// tenantCloud is what setupCloud made in one cloud.
type tenantCloud struct {
	name      string
	adm, demo *gophercloud.ServiceClient
	poolScope string // address scope id
	public    string // external network id
	tenant    netip.Prefix
	network   string // the tenant network's id
	vm        netip.Addr
	vmPort    string
	gateway   netip.Addr
	speaker   string
	peer      string
	routerID  string
}

// setupCloud does what a cloud admin and a tenant do for neutron-dynamic-
// routing (its admin guide): an address scope with a pool for the
// external network and a shared tenant pool, both inside the cloud's
// allocated prefix; the external network and its subnet; a tenant
// network and subnet from the pool; a router with the external gateway
// and an interface on the subnet; a VM's port, its default group opened
// to ICMP and UDP. No BGP yet (addBGP).
func (e *env) setupCloud(name string) *tenantCloud {
	t := e.t
	t.Helper()
	ctx := ctxT(t)
	c := e.cloud(name)
	tc := &tenantCloud{name: name, adm: e.admin(name), demo: e.demo(name)}
	extCIDR := block24(c, 0)
	tenantPool := netip.PrefixFrom(block24(c, 128).Addr(), 17)

	scope, err := addressscopes.Create(ctx, tc.adm, addressscopes.CreateOpts{Name: "wan", IPVersion: 4, Shared: true}).Extract()
	must(t, err)
	tc.poolScope = scope.ID
	pubPool, err := subnetpools.Create(ctx, tc.adm, subnetpools.CreateOpts{Name: "public", Prefixes: []string{extCIDR.String()}, DefaultPrefixLen: 24, AddressScopeID: scope.ID}).Extract()
	must(t, err)
	tPool, err := subnetpools.Create(ctx, tc.adm, subnetpools.CreateOpts{Name: "tenant", Prefixes: []string{tenantPool.String()},
		DefaultPrefixLen: 24, AddressScopeID: scope.ID, Shared: true}).Extract()
	must(t, err)
	pub := publicNetwork(t, ctx, tc.adm, "public")
	tc.public = pub.ID
	_, err = subnets.Create(ctx, tc.adm, subnets.CreateOpts{NetworkID: pub.ID, IPVersion: 4, SubnetPoolID: pubPool.ID, EnableDHCP: ptr(false)}).Extract()
	must(t, err)

	// Not "private": the cloud's initial networks have one.
	priv, err := networks.Create(ctx, tc.demo, networks.CreateOpts{Name: "tenant"}).Extract()
	must(t, err)
	tc.network = priv.ID
	sn, err := subnets.Create(ctx, tc.demo, subnets.CreateOpts{NetworkID: priv.ID, IPVersion: 4, SubnetPoolID: tPool.ID}).Extract()
	must(t, err)
	tc.tenant = netip.MustParsePrefix(sn.CIDR)
	rt, err := routers.Create(ctx, tc.demo, routers.CreateOpts{Name: "r1", GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID}}).Extract()
	must(t, err)
	tc.routerID = rt.ID
	tc.gateway = netip.MustParseAddr(rt.GatewayInfo.ExternalFixedIPs[0].IPAddress)
	_, err = routers.AddInterface(ctx, tc.demo, rt.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	must(t, err)
	vm, err := ports.Create(ctx, tc.demo, ports.CreateOpts{NetworkID: priv.ID, DeviceID: "vm-1", DeviceOwner: "compute:nova"}).Extract()
	must(t, err)
	tc.vm, tc.vmPort = netip.MustParseAddr(vm.FixedIPs[0].IPAddress), vm.ID
	openDefaultGroup(t, ctx, tc.demo)
	return tc
}

// addBGP creates the speaker (local_as), a peer at the attach node's
// address on the uplink in its AS, and adds the external network.
func (e *env) addBGP(tc *tenantCloud, localAS uint32) {
	t := e.t
	t.Helper()
	ctx := ctxT(t)
	s := e.sessionOf(tc.name)
	sp, err := speakers.Create(ctx, tc.adm, speakers.CreateOpts{Name: "dr-" + tc.name, IPVersion: 4, LocalAS: itoa(localAS),
		AdvertiseTenantNetworks: true, AdvertiseFloatingIPHostRoutes: true}).Extract()
	must(t, err)
	tc.speaker = sp.ID
	p, err := peers.Create(ctx, tc.adm, peers.CreateOpts{Name: s.A, AuthType: "none", RemoteAS: int(s.AASN), PeerIP: s.AAddr.String()}).Extract()
	must(t, err)
	tc.peer = p.ID
	must(t, speakers.AddBGPPeer(ctx, tc.adm, sp.ID, speakers.AddBGPPeerOpts{BGPPeerID: p.ID}).Err)
	must(t, speakers.AddGatewayNetwork(ctx, tc.adm, sp.ID, speakers.AddGatewayNetworkOpts{NetworkID: tc.public}).Err)
}

// sessionOf is the model's ebgp-cloud session of a cloud.
func (e *env) sessionOf(cloud string) topology.Session {
	for _, s := range e.m.Sessions {
		if s.Kind == topology.SessionCloudCE && s.B == cloud {
			return s
		}
	}
	e.t.Fatalf("no ebgp-cloud session for %s", cloud)
	return topology.Session{}
}

func (e *env) cloudASN(cloud string) uint32 {
	for _, c := range e.m.Clouds {
		if c.Name == cloud {
			return c.ASN
		}
	}
	return 0
}

// until advances the virtual clock in 1 ms steps until cond holds, for at
// most limit of lab time.
func (e *env) until(what string, limit time.Duration, cond func() bool) time.Duration {
	e.t.Helper()
	for waited := time.Duration(0); waited <= limit; waited += time.Millisecond {
		if cond() {
			return waited
		}
		e.clk.Advance(time.Millisecond)
		time.Sleep(e.wall)
	}
	e.t.Fatalf("%s: not after %v of lab time", what, limit)
	return 0
}

// has reports whether node routes p in vrf.
func (e *env) has(node, vrf string, p netip.Prefix) bool {
	n, ok := e.lab.Node(node)
	if !ok {
		e.t.Fatalf("no node %s", node)
	}
	_, ok = n.Router.RIB().Best(vrf, p)
	return ok
}

// ping pings dst from src (addresses or node names) on the lab clock.
func (e *env) ping(src, dst string, count int) router.PingResult {
	e.t.Helper()
	s, err := e.lab.StartPing(src, dst, router.PingOptions{Count: count, Interval: 100 * time.Millisecond})
	if err != nil {
		e.t.Fatal(err)
	}
	e.waitDone(s.Done())
	return s.Result()
}

func (e *env) trace(src, dst string) router.TraceResult {
	e.t.Helper()
	s, err := e.lab.StartTrace(src, dst, router.TraceOptions{Probes: 1, MaxHops: 12})
	if err != nil {
		e.t.Fatal(err)
	}
	e.waitDone(s.Done())
	return s.Result()
}

func (e *env) waitDone(done <-chan struct{}) {
	e.t.Helper()
	e.until("done", time.Minute, func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func itoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// captureOn starts capturing link a-b into w and returns once the capture's
// tap is on the link, which lab.Capture does not announce: 1400-byte pings
// from a to b's address on the link cross it until the capture's 4 KiB
// buffer spills into w. stop ends the capture and returns its error.
func (e *env) captureOn(ctx context.Context, a, b string, w io.Writer) (stop func() error) {
	e.t.Helper()
	var to netip.Addr
	for _, l := range e.m.Links {
		switch {
		case l.A.Node == a && l.B.Node == b:
			to = l.B.Addr
		case l.A.Node == b && l.B.Node == a:
			to = l.A.Addr
		}
	}
	if !to.IsValid() {
		e.t.Fatalf("no link %s-%s", a, b)
	}
	written := &countingWriter{w: w}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := e.lab.Capture(ctx, a, b, written, 0, 0)
		done <- err
	}()
	testpeer.WaitFor(e.t, 30*time.Second, "the capture of "+a+"-"+b+" to see a sentinel ping", func() bool {
		s, err := e.lab.StartPing(a, to.String(), router.PingOptions{Count: 1, Size: 1400})
		if err != nil {
			e.t.Fatal(err)
		}
		e.waitDone(s.Done())
		return written.n.Load() > 0
	})
	return func() error {
		cancel()
		if err := <-done; err != nil && err != context.Canceled {
			return err
		}
		return nil
	}
}

// countingWriter counts the bytes that reach w.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}
