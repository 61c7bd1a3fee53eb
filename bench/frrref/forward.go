package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// payload is the UDP payload of every generated packet: 18 bytes make a
// 46-byte IPv4 packet, a 60-byte Ethernet frame (64 with its FCS), the
// size BenchmarkLSPForward forwards.
const payload = 18

// batch is how many packets the generator hands over at once: one
// sendmmsg to the kernel, one burst to intercloud's ingress port.
const batch = 64

type fwdRun struct {
	Name       string  `json:"name"`
	Sent       int     `json:"sent"`
	Received   int     `json:"received"`
	Seconds    float64 `json:"seconds"`
	CPU        float64 `json:"cpu_s"`
	PPS        float64 `json:"pps"`
	PPSPerCore float64 `json:"pps_per_core"`
}

type fwdResult struct {
	Size       int    `json:"ip_bytes"`
	Kernel1    fwdRun `json:"kernel_direct"`
	Kernel4    fwdRun `json:"kernel_4_routers"`
	Intercloud fwdRun `json:"intercloud_lsp"`
}

func measureForwarding(d time.Duration) (fwdResult, error) {
	res := fwdResult{Size: 20 + 8 + payload}
	var err error
	if res.Kernel1, err = kernelChain("kernel: generator and sink namespaces, one veth, no router", 0, d); err != nil {
		return res, err
	}
	if res.Kernel4, err = kernelChain("kernel: four router namespaces forwarding (ip_forward), five veths", 4, d); err != nil {
		return res, err
	}
	out, ru, err := runChild("", "forward-intercloud", d.String())
	if err != nil {
		return res, err
	}
	if err := json.Unmarshal(out, &res.Intercloud); err != nil {
		return res, fmt.Errorf("the child's result %q: %v", out, err)
	}
	_ = ru // the child measures its own sending loop, not its bring-up
	logf("forwarding: %+v", res)
	return res, nil
}

// kernelChain sends UDP from a generator namespace through routers
// namespaces forwarding IPv4 to a sink namespace, for d, and counts what
// arrives. CPU is the generator's and sink's (the kernel forwards in
// softirq, mostly on the sending task's time) plus ksoftirqd's.
func kernelChain(name string, routers int, d time.Duration) (fwdRun, error) {
	r := fwdRun{Name: name}
	ns := []string{prefix + "-fwd-src"}
	for i := 1; i <= routers; i++ {
		ns = append(ns, fmt.Sprintf("%s-fwd-r%d", prefix, i))
	}
	ns = append(ns, prefix+"-fwd-dst")
	undo := func() {
		for _, n := range ns {
			_ = exec.Command("ip", "netns", "del", n).Run()
		}
	}
	done := cleanup.add(undo)
	defer func() { undo(); done() }()
	sh := func(args ...string) error {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	for _, n := range ns {
		if err := sh("ip", "netns", "add", n); err != nil {
			return r, err
		}
		if err := sh("ip", "-n", n, "link", "set", "lo", "up"); err != nil {
			return r, err
		}
	}
	// Link k joins ns[k] (10.199.k.1, "l") and ns[k+1] (10.199.k.2, "r").
	last := len(ns) - 2
	for k := 0; k <= last; k++ {
		l, rt := fmt.Sprintf("l%d", k), fmt.Sprintf("r%d", k)
		if err := sh("ip", "link", "add", l, "netns", ns[k], "type", "veth", "peer", "name", rt, "netns", ns[k+1]); err != nil {
			return r, err
		}
		for _, e := range []struct{ ns, dev, addr string }{{ns[k], l, fmt.Sprintf("10.199.%d.1/30", k)}, {ns[k+1], rt, fmt.Sprintf("10.199.%d.2/30", k)}} {
			if err := sh("ip", "-n", e.ns, "addr", "add", e.addr, "dev", e.dev); err != nil {
				return r, err
			}
			if err := sh("ip", "-n", e.ns, "link", "set", e.dev, "up"); err != nil {
				return r, err
			}
		}
	}
	if err := sh("ip", "-n", ns[0], "route", "add", "default", "via", "10.199.0.2"); err != nil {
		return r, err
	}
	for k := 1; k <= last; k++ {
		if err := sh("ip", "netns", "exec", ns[k], "sysctl", "-qw", "net.ipv4.ip_forward=1"); err != nil {
			return r, err
		}
		if k < last {
			if err := sh("ip", "-n", ns[k], "route", "add", fmt.Sprintf("10.199.%d.0/30", last), "via", fmt.Sprintf("10.199.%d.2", k)); err != nil {
				return r, err
			}
		}
	}
	dst := fmt.Sprintf("10.199.%d.2:9", last)

	sinkOut := make(chan []byte, 1)
	sinkRU := make(chan *syscall.Rusage, 1)
	sinkErr := make(chan error, 1)
	ready := filepath.Join(os.TempDir(), fmt.Sprintf("icref-sink-%d", os.Getpid()))
	os.Remove(ready)
	go func() {
		out, ru, err := runChild(ns[len(ns)-1], "sink", ":9", ready, (d + 30*time.Second).String())
		sinkOut <- out
		sinkRU <- ru
		sinkErr <- err
	}()
	for i := 0; ; i++ {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if i > 500 {
			return r, fmt.Errorf("the sink never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	defer os.Remove(ready)
	soft0 := ksoftirqdCPU()
	out, genRU, err := runChild(ns[0], "gen", dst, d.String())
	if err != nil {
		return r, err
	}
	var g struct {
		Sent    int     `json:"sent"`
		Seconds float64 `json:"seconds"`
	}
	if err := json.Unmarshal(out, &g); err != nil {
		return r, fmt.Errorf("the generator's result %q: %v", out, err)
	}
	sout, sru, serr := <-sinkOut, <-sinkRU, <-sinkErr
	if serr != nil {
		return r, serr
	}
	soft := ksoftirqdCPU() - soft0
	var s struct {
		Received int `json:"received"`
	}
	if err := json.Unmarshal(sout, &s); err != nil {
		return r, fmt.Errorf("the sink's result %q: %v", sout, err)
	}
	r.Sent, r.Received, r.Seconds = g.Sent, s.Received, g.Seconds
	r.CPU = cpuOf(genRU) + cpuOf(sru) + soft
	r.PPS = float64(r.Received) / r.Seconds
	r.PPSPerCore = float64(r.Received) / r.CPU
	return r, nil
}

// ksoftirqdCPU is the CPU time of the kernel's softirq threads so far.
func ksoftirqdCPU() float64 {
	ents, _ := os.ReadDir("/proc")
	var total float64
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil || !strings.HasPrefix(string(comm), "ksoftirqd/") {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		_, after, _ := strings.Cut(string(stat), ") ")
		f := strings.Fields(after)
		if len(f) > 12 {
			ut, _ := strconv.ParseFloat(f[11], 64)
			st, _ := strconv.ParseFloat(f[12], 64)
			total += (ut + st) / 100
		}
	}
	return total
}

// childGen sends payload-byte UDP datagrams to addr for a duration, in
// batches of sendmmsg, and prints how many it sent.
func childGen(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("want ADDR DURATION")
	}
	d, err := time.ParseDuration(args[1])
	if err != nil {
		return err
	}
	raddr, err := net.ResolveUDPAddr("udp4", args[0])
	if err != nil {
		return err
	}
	c, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetWriteBuffer(4 << 20)
	pc := ipv4.NewPacketConn(c)
	msgs := make([]ipv4.Message, batch)
	buf := make([]byte, payload)
	for i := range msgs {
		msgs[i] = ipv4.Message{Buffers: [][]byte{buf}, Addr: raddr}
	}
	sent := 0
	start := time.Now()
	for time.Since(start) < d {
		n, err := pc.WriteBatch(msgs, 0)
		if err != nil && n == 0 {
			// A full queue: the kernel drops rather than blocks on veth.
			continue
		}
		sent += n
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"sent": sent, "seconds": time.Since(start).Seconds()})
}

// childSink counts UDP datagrams on addr until none came for half a
// second after the first, or limit passes, and prints the count. It
// creates the file ready once it listens.
func childSink(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("want ADDR READYFILE LIMIT")
	}
	limit, err := time.ParseDuration(args[2])
	if err != nil {
		return err
	}
	laddr, err := net.ResolveUDPAddr("udp4", args[0])
	if err != nil {
		return err
	}
	c, err := net.ListenUDP("udp4", laddr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetReadBuffer(8 << 20)
	if err := os.WriteFile(args[1], nil, 0o644); err != nil {
		return err
	}
	pc := ipv4.NewPacketConn(c)
	msgs := make([]ipv4.Message, batch)
	for i := range msgs {
		msgs[i] = ipv4.Message{Buffers: [][]byte{make([]byte, 2048)}}
	}
	received := 0
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		wait := 500 * time.Millisecond
		if received == 0 {
			wait = time.Until(end)
		}
		_ = c.SetReadDeadline(time.Now().Add(wait))
		n, err := pc.ReadBatch(msgs, 0)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				break
			}
			return err
		}
		received += n
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]int{"received": received})
}

// fwdLab is a VPN across a 4-router LSP: ce1 - pe1 - p1 - p2 - pe2 - ce2.
// pe1 pushes the VPN and LDP labels, p1 swaps, p2 pops (PHP), pe2 pops
// the VPN label and routes in the VRF.
const fwdLab = `name: fwd
defaults: {asn: 65000, label_mode: ldp}
nodes:
  p1: {role: p, rr: true}
  p2: {role: p}
  pe1: {role: pe}
  pe2: {role: pe}
  ce1: {role: ce}
  ce2: {role: ce}
links:
  - {a: pe1, b: p1, latency: 0ms}
  - {a: p1, b: p2, latency: 0ms}
  - {a: p2, b: pe2, latency: 0ms}
  - {a: ce1, b: pe1, latency: 0ms}
  - {a: ce2, b: pe2, latency: 0ms}
vpns:
  tenant: {sites: [ce1, ce2]}
`

// childForwardIntercloud brings fwdLab up, then for a duration sends
// batches of the same 46-byte UDP packet into pe1 as ce1 would, counts
// what pe2 delivers on ce2's port, and prints packets and CPU time.
func childForwardIntercloud(args []string) error {
	d, err := time.ParseDuration(args[0])
	if err != nil {
		return err
	}
	res, err := topology.Load("fwd.yaml", []byte(fwdLab))
	if err != nil {
		return err
	}
	m := res.Model
	clk := clock.NewVirtual(time.Now())
	l, err := lab.New(m, lab.Options{Clock: clk, BGPTransport: "memory"})
	if err != nil {
		return err
	}
	defer l.Close()
	l.Start()
	if c, took, ok := l.WaitReady(time.Minute, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		return fmt.Errorf("lab not ready after %v: %+v", took, c)
	}
	in, out := m.Links[3], m.Links[4] // ce1-pe1, ce2-pe2: A is the CE
	ingress, _ := l.LinkPorts(in.ID)
	egress, _ := l.LinkPorts(out.ID)
	received := 0
	egress.SetHandler(func(f *packet.Frame) { received++; f.Release() })

	ce1 := m.Node("ce1")
	var src netip.Addr
	var ceIf, peIf string
	for _, i := range ce1.Interfaces {
		if i.LinkID == in.ID {
			src, ceIf = i.Addr.Addr(), i.Name
		}
	}
	for _, i := range m.Node("pe1").Interfaces {
		if i.LinkID == in.ID {
			peIf = i.Name
		}
	}
	dst := m.Node("ce2").Loopback.Addr()
	f := packet.FrameFrom(make([]byte, payload))
	if err := packet.PushUDP(f, 1000, 9, src, dst, true); err != nil {
		return err
	}
	if err := packet.PushIPv4(f, packet.IPv4{TTL: 64, Protocol: packet.ProtocolUDP, Src: src, Dst: dst}); err != nil {
		return err
	}
	if err := packet.PushEthernet(f, packet.Ethernet{Dst: router.InterfaceMAC("pe1", peIf), Src: router.InterfaceMAC("ce1", ceIf), Type: packet.EtherTypeIPv4}); err != nil {
		return err
	}
	tmpl := append([]byte(nil), f.Bytes()...)
	pool := packet.NewFramePool(packet.DefaultHeadroom, 4*batch)
	burst := func() {
		for range batch {
			g := pool.Get()
			_ = g.SetBytes(tmpl)
			ingress.Send(g)
		}
		clk.Advance(0)
	}
	burst() // warm up the pool and the links' rings
	if received != batch {
		return fmt.Errorf("the LSP delivered %d of %d warm-up packets to ce2's port", received, batch)
	}
	received = 0
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start, sent := time.Now(), 0
	for time.Since(start) < d {
		burst()
		sent += batch
	}
	secs := time.Since(start).Seconds()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := cpuOf(&ru1) - cpuOf(&ru0)
	r := fwdRun{Name: "intercloud: pe1 - p1 - p2 - pe2 (VPN and LDP labels), generator and sink in-process", Sent: sent, Received: received,
		Seconds: secs, CPU: cpu, PPS: float64(received) / secs, PPSPerCore: float64(received) / cpu}
	return json.NewEncoder(os.Stdout).Encode(r)
}
