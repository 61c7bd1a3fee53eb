package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

// The kill -9 test: the real binary, writes from several clients through
// Keystone and Neutron, SIGKILL at a random moment, restart on the same
// state directory, and a look at everything that survived.

const (
	kill9Rounds  = 5
	kill9Writers = 4 // shared by the clouds
)

// kill9Clouds are the two Neutrons written to: two regions over one
// database.
var kill9Clouds = []string{"cloud1", "cloud2"}

// TestKill9UnderConcurrentWritesLosesNothingAcknowledgedAndLeavesNothingHalfMade
// kills the daemon with SIGKILL while clients create and delete networks,
// subnets, routers, router interfaces, ports and floating IPs, restarts it
// on the same state directory, and checks that every acknowledged create
// is there as it was answered, every acknowledged delete is gone, and
// nothing is half-made (a port without its network, a floating IP on a
// missing port, a duplicate address, ...), round after round.
func TestKill9UnderConcurrentWritesLosesNothingAcknowledgedAndLeavesNothingHalfMade(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the daemon")
	}
	bin := buildIntercloud(t)
	stateDir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	led := &ledger{objs: map[string]*record{}}
	publicIDs := map[string]string{}
	var cidrs atomic.Int64

	for round := 1; round <= kill9Rounds; round++ {
		d := startDaemon(t, bin, stateDir)
		demos := map[string]*gophercloud.ServiceClient{}
		for _, cl := range kill9Clouds {
			admin := d.client(t, cl, "--admin")
			if round == 1 {
				publicIDs[cl] = createPublicNetwork(t, admin)
			} else {
				led.check(t, fmt.Sprintf("%s after kill %d", cl, round-1), cl, snapshotCloud(t, admin))
			}
			demos[cl] = d.client(t, cl)
			// What the kills left, whole, can be deleted; it keeps the
			// project under Neutron's router quota (10) round after round.
			sweep(t, demos[cl], snapshotCloud(t, demos[cl]), led)
		}
		ctx, stopWriters := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range kill9Writers {
			wg.Add(1)
			cl := kill9Clouds[w%len(kill9Clouds)]
			wr := writer{cloud: cl, c: demos[cl], led: led, public: publicIDs[cl], cidrs: &cidrs,
				rng: rand.New(rand.NewPCG(seed, uint64(round*100+w)))}
			go func() {
				defer wg.Done()
				wr.run(ctx)
			}()
		}
		// Pull the plug under the writers after a random number of
		// acknowledged operations, with more in flight.
		before, _ := led.counts()
		target := before + 3 + rng.IntN(30)
		waitUntil(t, 30*time.Second, "writes acknowledged", func() (bool, string) {
			d.mustBeRunning(t)
			acked, _ := led.counts()
			led.mu.Lock()
			defer led.mu.Unlock()
			return acked >= target, fmt.Sprintf("%d of %d acknowledged; errors: %q", acked-before, target-before, led.errs)
		})
		d.kill(t)
		stopWriters()
		wg.Wait()
	}
	d := startDaemon(t, bin, stateDir)
	for _, cl := range kill9Clouds {
		led.check(t, fmt.Sprintf("%s after kill %d", cl, kill9Rounds), cl, snapshotCloud(t, d.client(t, cl, "--admin")))
	}
	acked, unanswered := led.counts()
	t.Logf("%d rounds: %d acknowledged operations, %d unanswered", kill9Rounds, acked, unanswered)
	if acked < 4*kill9Rounds {
		t.Errorf("only %d operations were acknowledged in %d rounds: the test proved little", acked, kill9Rounds)
	}
	d.kill(t)
}

// buildIntercloud builds the binary under test into a temporary directory.
func buildIntercloud(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "intercloud")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// daemon is one `intercloud up` process of the test.
type daemon struct {
	bin, api, stateDir string
	cmd                *exec.Cmd
	done               chan struct{}
}

// startDaemon runs the seed lab on a free loopback port and waits, bounded,
// until openrc answers (the OpenStack APIs are mounted).
func startDaemon(t *testing.T, bin, stateDir string) *daemon {
	t.Helper()
	_, addr := freeAPI(t)
	log, err := os.OpenFile(filepath.Join(stateDir, "kill9-up.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	d := &daemon{bin: bin, api: addr, stateDir: stateDir, done: make(chan struct{})}
	d.cmd = exec.Command(bin, "up", "--api="+addr, "--state-dir="+stateDir, "--bgp-transport=memory")
	d.cmd.Stdout, d.cmd.Stderr = log, log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		d.kill(t)
		if t.Failed() {
			t.Logf("the daemon's log ends:\n%s", d.logTail())
		}
	})
	waitUntil(t, 45*time.Second, "daemon serving OpenStack", func() (bool, string) {
		d.mustBeRunning(t)
		out, err := d.intercloud("openrc", "cloud1", "-o", "json")
		return err == nil, out
	})
	return d
}

// mustBeRunning fails the test with the daemon's log if it has exited.
func (d *daemon) mustBeRunning(t *testing.T) {
	t.Helper()
	select {
	case <-d.done:
		t.Fatalf("up exited (%v); its log ends:\n%s", d.cmd.ProcessState, d.logTail())
	default:
	}
}

// logTail is the end of the log every round's daemon appends to.
func (d *daemon) logTail() string {
	b, _ := os.ReadFile(filepath.Join(d.stateDir, "kill9-up.log"))
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

func (d *daemon) intercloud(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args = append(args, "--api="+d.api, "--state-dir="+d.stateDir)
	out, err := exec.CommandContext(ctx, d.bin, args...).CombinedOutput()
	return string(out), err
}

// kill sends SIGKILL and waits for the process to be gone.
func (d *daemon) kill(t *testing.T) {
	t.Helper()
	select {
	case <-d.done:
		return
	default:
	}
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Logf("kill: %v", err)
	}
	select {
	case <-d.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the daemon outlived SIGKILL")
	}
}

// client authenticates with the credentials `intercloud openrc CLOUD -o
// json` prints (extra flags: --admin) and returns a network client for
// CLOUD whose requests give up after 10 s.
func (d *daemon) client(t *testing.T, cloud string, extra ...string) *gophercloud.ServiceClient {
	t.Helper()
	out, err := d.intercloud(append([]string{"openrc", cloud, "-o", "json"}, extra...)...)
	if err != nil {
		t.Fatalf("openrc: %v\n%s", err, out)
	}
	var env map[string]string
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatalf("openrc -o json: %v\n%s", err, out)
	}
	opts := gophercloud.AuthOptions{
		IdentityEndpoint: env["OS_AUTH_URL"], Username: env["OS_USERNAME"], Password: env["OS_PASSWORD"],
		TenantID: env["OS_PROJECT_ID"], TenantName: env["OS_PROJECT_NAME"],
		DomainID: env["OS_USER_DOMAIN_ID"],
	}
	if opts.DomainID == "" {
		opts.DomainName = env["OS_USER_DOMAIN_NAME"]
	}
	if opts.TenantID != "" {
		opts.TenantName = ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	provider, err := openstack.NewClient(opts.IdentityEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	provider.HTTPClient = http.Client{Timeout: 10 * time.Second}
	if err := openstack.Authenticate(ctx, provider, opts); err != nil {
		t.Fatalf("authenticate %s: %v", opts.Username, err)
	}
	c, err := openstack.NewNetworkV2(provider, gophercloud.EndpointOpts{Region: env["OS_REGION_NAME"]})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func createPublicNetwork(t *testing.T, admin *gophercloud.ServiceClient) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	yes := true
	n, err := networks.Create(ctx, admin, external.CreateOptsExt{
		CreateOptsBuilder: networks.CreateOpts{Name: "public"}, External: &yes}).Extract()
	if err != nil {
		t.Fatalf("create the external network: %v", err)
	}
	no := false
	if _, err := subnets.Create(ctx, admin, subnets.CreateOpts{NetworkID: n.ID, IPVersion: 4, CIDR: "203.0.113.0/24",
		EnableDHCP: &no, AllocationPools: []subnets.AllocationPool{{Start: "203.0.113.10", End: "203.0.113.250"}}}).Extract(); err != nil {
		t.Fatalf("create the external subnet: %v", err)
	}
	return n.ID
}

// What the clients were told, by object.

type state int

const (
	present state = iota // created (or changed) and acknowledged, nothing tried since
	unknown              // a change or delete was sent and not answered
	gone                 // deleted and acknowledged
)

// record is one object the clients made: its kind, and its attributes as
// the last acknowledged answer gave them (only the keys compared).
type record struct {
	cloud string
	kind  string
	id    string
	attrs map[string]string
	state state
}

type ledger struct {
	mu         sync.Mutex
	objs       map[string]*record // by kind/id
	acked      int
	unanswered int
	errs       []string // the last errors, to tell why writers stopped
}

func (l *ledger) created(cloud, kind, id string, attrs map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.objs[kind+"/"+id] = &record{cloud: cloud, kind: kind, id: id, attrs: attrs}
	l.acked++
}

// sending marks an object whose change or delete is about to be sent: until
// the answer, it may be either way.
func (l *ledger) sending(kind, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.objs[kind+"/"+id]; r != nil {
		r.state = unknown
	}
}

func (l *ledger) answered(kind, id string, s state, attrs map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.objs[kind+"/"+id]; r != nil {
		r.state = s
		if attrs != nil {
			r.attrs = attrs
		}
	}
	l.acked++
}

func (l *ledger) failed(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unanswered++
	l.errs = append(l.errs, err.Error())
	if len(l.errs) > 6 {
		l.errs = l.errs[1:]
	}
}

func (l *ledger) counts() (acked, unanswered int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acked, l.unanswered
}

// writer builds chains — network, subnet, router with a gateway, router
// interface, VM port, floating IP on it — and tears some down again, each
// step after the previous one was answered, until the daemon dies.
type writer struct {
	cloud  string
	c      *gophercloud.ServiceClient
	led    *ledger
	public string
	cidrs  *atomic.Int64
	rng    *rand.Rand
}

func (w writer) run(ctx context.Context) {
	for ctx.Err() == nil {
		if !w.chain(ctx) {
			return
		}
	}
}

// chain returns false at the first request that got no 2xx.
func (w writer) chain(ctx context.Context) bool {
	ok := func(err error) bool {
		if err != nil {
			w.led.failed(err)
			return false
		}
		return true
	}
	n := w.cidrs.Add(1)
	cidr := fmt.Sprintf("10.%d.%d.0/24", 100+n/256, n%256)
	net, err := networks.Create(ctx, w.c, networks.CreateOpts{Name: fmt.Sprintf("k9-%d", n)}).Extract()
	if !ok(err) {
		return false
	}
	w.led.created(w.cloud, "network", net.ID, networkAttrs(*net))
	sn, err := subnets.Create(ctx, w.c, subnets.CreateOpts{NetworkID: net.ID, IPVersion: 4, CIDR: cidr}).Extract()
	if !ok(err) {
		return false
	}
	w.led.created(w.cloud, "subnet", sn.ID, subnetAttrs(*sn))
	rt, err := routers.Create(ctx, w.c, routers.CreateOpts{Name: fmt.Sprintf("k9-%d", n),
		GatewayInfo: &routers.GatewayInfo{NetworkID: w.public}}).Extract()
	if !ok(err) {
		return false
	}
	w.led.created(w.cloud, "router", rt.ID, routerAttrs(*rt))
	itf, err := routers.AddInterface(ctx, w.c, rt.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	if !ok(err) {
		return false
	}
	w.led.created(w.cloud, "port", itf.PortID, map[string]string{"network_id": net.ID, "device_id": rt.ID,
		"device_owner": "network:router_interface", "subnets": sn.ID})
	vm, err := ports.Create(ctx, w.c, ports.CreateOpts{NetworkID: net.ID, DeviceOwner: "compute:nova",
		DeviceID: fmt.Sprintf("vm-%d", n)}).Extract()
	if !ok(err) {
		return false
	}
	w.led.created(w.cloud, "port", vm.ID, portAttrs(*vm))
	fip, err := floatingips.Create(ctx, w.c, floatingips.CreateOpts{FloatingNetworkID: w.public, PortID: vm.ID}).Extract()
	if !ok(err) {
		return false
	}
	w.led.created(w.cloud, "floatingip", fip.ID, fipAttrs(*fip))
	if w.rng.IntN(2) == 0 {
		w.led.sending("floatingip", fip.ID)
		f, err := floatingips.Update(ctx, w.c, fip.ID, floatingips.UpdateOpts{PortID: new(string)}).Extract()
		if !ok(err) {
			return false
		}
		w.led.answered("floatingip", fip.ID, present, fipAttrs(*f))
	}
	if w.rng.IntN(4) == 0 {
		return true // keep this chain
	}
	// Tear down in the order Neutron accepts.
	steps := []struct {
		kind, id string
		del      func() error
	}{
		{"floatingip", fip.ID, func() error { return floatingips.Delete(ctx, w.c, fip.ID).ExtractErr() }},
		{"port", vm.ID, func() error { return ports.Delete(ctx, w.c, vm.ID).ExtractErr() }},
		{"port", itf.PortID, func() error {
			_, err := routers.RemoveInterface(ctx, w.c, rt.ID, routers.RemoveInterfaceOpts{SubnetID: sn.ID}).Extract()
			return err
		}},
		{"router", rt.ID, func() error { return routers.Delete(ctx, w.c, rt.ID).ExtractErr() }},
		{"subnet", sn.ID, func() error { return subnets.Delete(ctx, w.c, sn.ID).ExtractErr() }},
		{"network", net.ID, func() error { return networks.Delete(ctx, w.c, net.ID).ExtractErr() }},
	}
	for _, s := range steps {
		w.led.sending(s.kind, s.id)
		if !ok(s.del()) {
			return false
		}
		w.led.answered(s.kind, s.id, gone, nil)
	}
	return true
}

// sweep deletes, as the project's member, everything the project has in
// c, in the order Neutron accepts, and records the deletes: each must be
// answered 2xx, since what survived a kill must be whole.
func sweep(t *testing.T, c *gophercloud.ServiceClient, snap snapshot, led *ledger) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	del := func(kind, id string, err error) {
		if err != nil {
			t.Fatalf("sweeping what the kills left: delete %s %s: %v", kind, id, err)
		}
		led.answered(kind, id, gone, nil)
	}
	for id := range snap.fips {
		del("floatingip", id, floatingips.Delete(ctx, c, id).ExtractErr())
	}
	for id, p := range snap.ports {
		if p.DeviceOwner == "compute:nova" {
			del("port", id, ports.Delete(ctx, c, id).ExtractErr())
		}
	}
	for id, p := range snap.ports {
		if p.DeviceOwner == "network:router_interface" {
			_, err := routers.RemoveInterface(ctx, c, p.DeviceID, routers.RemoveInterfaceOpts{PortID: id}).Extract()
			del("port", id, err)
		}
	}
	for id := range snap.routers {
		del("router", id, routers.Delete(ctx, c, id).ExtractErr())
	}
	for id, sn := range snap.subnets {
		if strings.HasPrefix(snap.networks[sn.NetworkID].Name, "k9-") { // not the admin's external network
			del("subnet", id, subnets.Delete(ctx, c, id).ExtractErr())
		}
	}
	for id, n := range snap.networks {
		if strings.HasPrefix(n.Name, "k9-") {
			del("network", id, networks.Delete(ctx, c, id).ExtractErr())
		}
	}
}

// The attributes compared, as strings, from an answer or a listing.

func networkAttrs(n networks.Network) map[string]string {
	return map[string]string{"name": n.Name}
}

func subnetAttrs(s subnets.Subnet) map[string]string {
	return map[string]string{"network_id": s.NetworkID, "cidr": s.CIDR, "gateway_ip": s.GatewayIP}
}

func routerAttrs(r routers.Router) map[string]string {
	return map[string]string{"name": r.Name, "gateway": r.GatewayInfo.NetworkID}
}

func portAttrs(p ports.Port) map[string]string {
	var ips, sns []string
	for _, ip := range p.FixedIPs {
		ips = append(ips, ip.IPAddress)
		sns = append(sns, ip.SubnetID)
	}
	sort.Strings(ips)
	sort.Strings(sns)
	return map[string]string{"network_id": p.NetworkID, "mac": p.MACAddress, "ips": strings.Join(ips, ","),
		"subnets": strings.Join(sns, ","), "device_id": p.DeviceID, "device_owner": p.DeviceOwner}
}

func fipAttrs(f floatingips.FloatingIP) map[string]string {
	return map[string]string{"address": f.FloatingIP, "network": f.FloatingNetworkID, "port_id": f.PortID, "fixed_ip": f.FixedIP}
}

// snapshot is everything a cloud's Neutron lists to the client.
type snapshot struct {
	networks map[string]networks.Network
	subnets  map[string]subnets.Subnet
	ports    map[string]ports.Port
	routers  map[string]routers.Router
	fips     map[string]floatingips.FloatingIP
}

func snapshotCloud(t *testing.T, admin *gophercloud.ServiceClient) snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := snapshot{networks: map[string]networks.Network{}, subnets: map[string]subnets.Subnet{},
		ports: map[string]ports.Port{}, routers: map[string]routers.Router{}, fips: map[string]floatingips.FloatingIP{}}
	list := func(what string, pager func() (any, error)) any {
		v, err := pager()
		if err != nil {
			t.Fatalf("list %s after restart: %v", what, err)
		}
		return v
	}
	for _, n := range list("networks", func() (any, error) {
		p, err := networks.List(admin, nil).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		return networks.ExtractNetworks(p)
	}).([]networks.Network) {
		c.networks[n.ID] = n
	}
	for _, s := range list("subnets", func() (any, error) {
		p, err := subnets.List(admin, nil).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		return subnets.ExtractSubnets(p)
	}).([]subnets.Subnet) {
		c.subnets[s.ID] = s
	}
	for _, p := range list("ports", func() (any, error) {
		p, err := ports.List(admin, nil).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		return ports.ExtractPorts(p)
	}).([]ports.Port) {
		c.ports[p.ID] = p
	}
	for _, r := range list("routers", func() (any, error) {
		p, err := routers.List(admin, routers.ListOpts{}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		return routers.ExtractRouters(p)
	}).([]routers.Router) {
		c.routers[r.ID] = r
	}
	for _, f := range list("floating IPs", func() (any, error) {
		p, err := floatingips.List(admin, floatingips.ListOpts{}).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		return floatingips.ExtractFloatingIPs(p)
	}).([]floatingips.FloatingIP) {
		c.fips[f.ID] = f
	}
	return c
}

// attrs returns the listed object's attributes, and whether it is listed.
func (c snapshot) attrs(kind, id string) (map[string]string, bool) {
	switch kind {
	case "network":
		n, ok := c.networks[id]
		return networkAttrs(n), ok
	case "subnet":
		s, ok := c.subnets[id]
		return subnetAttrs(s), ok
	case "router":
		r, ok := c.routers[id]
		return routerAttrs(r), ok
	case "port":
		p, ok := c.ports[id]
		return portAttrs(p), ok
	case "floatingip":
		f, ok := c.fips[id]
		return fipAttrs(f), ok
	}
	panic("unknown kind " + kind)
}

// check compares the ledger with what survived, then checks that what
// survived is whole, acknowledged or not.
func (l *ledger) check(t *testing.T, when, cloud string, c snapshot) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var kept, deleted int
	defer func() { t.Logf("%s: %d acknowledged objects there, %d acknowledged deletes gone", when, kept, deleted) }()
	for _, r := range l.objs {
		got, listed := c.attrs(r.kind, r.id)
		if r.cloud != cloud {
			if listed {
				t.Errorf("%s: %s's %s %s is listed here too", when, r.cloud, r.kind, r.id)
			}
			continue
		}
		switch r.state {
		case present:
			kept++
		case gone:
			deleted++
		}
		switch {
		case r.state == present && !listed:
			t.Errorf("%s: acknowledged %s %s is lost (%v)", when, r.kind, r.id, r.attrs)
		case r.state == present:
			for k, v := range r.attrs {
				if got[k] != v {
					t.Errorf("%s: %s %s has %s %q, acknowledged as %q", when, r.kind, r.id, k, got[k], v)
				}
			}
		case r.state == gone && listed:
			t.Errorf("%s: %s %s was deleted (acknowledged) and is back", when, r.kind, r.id)
		}
	}
	for _, problem := range c.halfMade() {
		t.Errorf("%s: %s", when, problem)
	}
}

// halfMade lists what is not whole: references to missing objects, a
// subnet list that disagrees with the subnets, addresses outside their
// subnet or used twice, MACs used twice.
func (c snapshot) halfMade() []string {
	var out []string
	bad := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	for id, s := range c.subnets {
		n, ok := c.networks[s.NetworkID]
		if !ok {
			bad("subnet %s is on missing network %s", id, s.NetworkID)
		} else if !slices.Contains(n.Subnets, id) {
			bad("network %s does not list its subnet %s (lists %v)", n.ID, id, n.Subnets)
		}
	}
	for id, n := range c.networks {
		for _, sid := range n.Subnets {
			if _, ok := c.subnets[sid]; !ok {
				bad("network %s lists missing subnet %s", id, sid)
			}
		}
	}
	ipOwner := map[string]string{} // network/ip -> port
	macOwner := map[string]string{}
	for id, p := range c.ports {
		if _, ok := c.networks[p.NetworkID]; !ok {
			bad("port %s (%s) is on missing network %s", id, p.DeviceOwner, p.NetworkID)
		}
		if other, dup := macOwner[p.MACAddress]; dup {
			bad("ports %s and %s share MAC %s", id, other, p.MACAddress)
		}
		macOwner[p.MACAddress] = id
		for _, ip := range p.FixedIPs {
			s, ok := c.subnets[ip.SubnetID]
			switch {
			case !ok:
				bad("port %s has %s on missing subnet %s", id, ip.IPAddress, ip.SubnetID)
			case s.NetworkID != p.NetworkID:
				bad("port %s has an address on subnet %s of another network", id, ip.SubnetID)
			case !inCIDR(ip.IPAddress, s.CIDR):
				bad("port %s has %s outside its subnet %s", id, ip.IPAddress, s.CIDR)
			}
			key := p.NetworkID + "/" + ip.IPAddress
			if other, dup := ipOwner[key]; dup {
				bad("ports %s and %s share %s on network %s", id, other, ip.IPAddress, p.NetworkID)
			}
			ipOwner[key] = id
		}
		switch p.DeviceOwner {
		case "network:router_interface", "network:router_gateway":
			if _, ok := c.routers[p.DeviceID]; !ok {
				bad("%s port %s belongs to missing router %s", p.DeviceOwner, id, p.DeviceID)
			}
		case "network:floatingip":
			if _, ok := c.fips[p.DeviceID]; !ok {
				bad("floating IP port %s belongs to missing floating IP %s", id, p.DeviceID)
			}
		}
	}
	for id, r := range c.routers {
		if gw := r.GatewayInfo.NetworkID; gw != "" {
			if _, ok := c.networks[gw]; !ok {
				bad("router %s has its gateway on missing network %s", id, gw)
			}
			if !c.hasPort(func(p ports.Port) bool { return p.DeviceOwner == "network:router_gateway" && p.DeviceID == id }) {
				bad("router %s has a gateway and no gateway port", id)
			}
		}
	}
	for id, f := range c.fips {
		if _, ok := c.networks[f.FloatingNetworkID]; !ok {
			bad("floating IP %s is on missing network %s", id, f.FloatingNetworkID)
		}
		if !c.hasPort(func(p ports.Port) bool {
			return p.DeviceOwner == "network:floatingip" && p.DeviceID == id && len(p.FixedIPs) == 1 && p.FixedIPs[0].IPAddress == f.FloatingIP
		}) {
			bad("floating IP %s (%s) has no port holding its address", id, f.FloatingIP)
		}
		if f.PortID == "" {
			if f.FixedIP != "" {
				bad("floating IP %s has fixed IP %s and no port", id, f.FixedIP)
			}
			continue
		}
		p, ok := c.ports[f.PortID]
		if !ok {
			bad("floating IP %s points at missing port %s", id, f.PortID)
		} else if !slices.ContainsFunc(p.FixedIPs, func(ip ports.IP) bool { return ip.IPAddress == f.FixedIP }) {
			bad("floating IP %s maps to %s, not an address of port %s", id, f.FixedIP, f.PortID)
		}
	}
	return out
}

func (c snapshot) hasPort(match func(ports.Port) bool) bool {
	for _, p := range c.ports {
		if match(p) {
			return true
		}
	}
	return false
}

func inCIDR(ip, cidr string) bool {
	a, err1 := netip.ParseAddr(ip)
	p, err2 := netip.ParsePrefix(cidr)
	return err1 == nil && err2 == nil && p.Contains(a)
}
