package router

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/packet"
)

// TraceOptions tune a traceroute; zero fields take the defaults in
// brackets.
type TraceOptions struct {
	MaxHops int           // [30]
	Probes  int           // per hop [3]
	Timeout time.Duration // wait for each probe [2s]
	Port    uint16        // destination port of the first probe [33434]
	Size    int           // UDP payload bytes [32, a 60-byte packet]
	VRF     string        // routing table ["" the default]
	Src     netip.Addr    // source address [the outgoing interface's]
}

// The most a traceroute may ask for; larger values are clamped, so that
// no caller can make a session allocate without bound. A TTL is 8 bits.
const (
	MaxTraceHops   = 255
	MaxTraceProbes = 10
	// MaxTraceSize fills an IPv4 packet: 65535 less the IP and UDP headers.
	MaxTraceSize = 65_535 - packet.IPv4HeaderLen - packet.UDPHeaderLen
)

func (o *TraceOptions) defaults() {
	if o.MaxHops <= 0 {
		o.MaxHops = 30
	}
	if o.Probes <= 0 {
		o.Probes = 3
	}
	o.MaxHops = min(o.MaxHops, MaxTraceHops)
	o.Probes = min(o.Probes, MaxTraceProbes)
	o.Size = min(o.Size, MaxTraceSize)
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Port == 0 {
		o.Port = 33434
	}
	if o.Size <= 0 {
		o.Size = 32
	}
}

// MPLSLabel is a label stack entry quoted in an ICMP extension (RFC 4950).
type MPLSLabel struct {
	Label uint32 `json:"label"`
	CoS   uint8  `json:"cos"` // traffic class, formerly EXP
	S     bool   `json:"s"`   // bottom of stack
	TTL   uint8  `json:"ttl"`
}

// String formats the entry as traceroute on routers does:
// "MPLS Label=16002 CoS=0 TTL=1 S=1".
func (l MPLSLabel) String() string {
	s := 0
	if l.S {
		s = 1
	}
	return fmt.Sprintf("MPLS Label=%d CoS=%d TTL=%d S=%d", l.Label, l.CoS, l.TTL, s)
}

func mplsLabels(es []packet.LabelEntry) []MPLSLabel {
	if len(es) == 0 {
		return nil
	}
	out := make([]MPLSLabel, len(es))
	for i, e := range es {
		out[i] = MPLSLabel{Label: uint32(e.Label()), CoS: e.TC(), S: e.Bottom(), TTL: e.TTL()}
	}
	return out
}

// TraceProbe is one probe's answer.
type TraceProbe struct {
	From   netip.Addr    `json:"from,omitzero"`
	RTT    time.Duration `json:"rtt_ns"`
	Lost   bool          `json:"lost,omitempty"`
	Labels []MPLSLabel   `json:"labels,omitempty"`
	// Via is the incoming interface the hop named (RFC 5837): at an IP
	// tunnel's egress, the tunnel ("mpls-in-udp 10.255.0.1 > 10.255.0.3").
	Via string `json:"via,omitempty"`
	// Flag marks an unreachable other than the port's, as traceroute
	// prints it: "!N", "!H", "!P", "!F", "!X".
	Flag string `json:"flag,omitempty"`
}

// TraceHop is the answers to the probes sent with one TTL.
type TraceHop struct {
	TTL    int          `json:"ttl"`
	Probes []TraceProbe `json:"probes"`
}

// TraceResult is a finished (or cancelled) traceroute.
type TraceResult struct {
	Dst     netip.Addr `json:"dst"`
	Src     netip.Addr `json:"src"`
	MaxHops int        `json:"max_hops"`
	Size    int        `json:"size"`
	Hops    []TraceHop `json:"hops"`
	Reached bool       `json:"reached"`
}

// TraceSession is a traceroute under way: UDP probes to increasing ports
// with increasing TTLs, one hop at a time, on the router's clock.
type TraceSession struct {
	r     *Router
	opts  TraceOptions
	vrf   int
	sport uint16
	stop  func()
	done  chan struct{}

	mu       sync.Mutex
	res      TraceResult
	ttl      int
	sentAt   []time.Time
	settled  []bool
	open     int
	timers   []clock.Timer
	finished bool
}

// StartTraceroute sends the first hop's probes to dst now and returns at
// once.
func (r *Router) StartTraceroute(dst netip.Addr, opts TraceOptions) (*TraceSession, error) {
	opts.defaults()
	vrf, src, err := r.appEnds("traceroute", opts.VRF, dst, opts.Src)
	if err != nil {
		return nil, err
	}
	s := &TraceSession{
		r:     r,
		opts:  opts,
		vrf:   vrf,
		sport: 32768 + uint16(r.appID.Add(1)%16384),
		done:  make(chan struct{}),
		res:   TraceResult{Dst: dst, Src: src, MaxHops: opts.MaxHops, Size: opts.Size + packet.UDPHeaderLen + packet.IPv4HeaderLen},
	}
	s.stop = r.handleICMP(icmpKey{udp: true, id: s.sport}, s.receive)
	s.sendHop(1)
	return s, nil
}

// Traceroute traces the path to dst and waits for the result or for ctx
// to end.
func (r *Router) Traceroute(ctx context.Context, dst netip.Addr, opts TraceOptions) (TraceResult, error) {
	s, err := r.StartTraceroute(dst, opts)
	if err != nil {
		return TraceResult{}, err
	}
	return wait(ctx, s)
}

// Done is closed when the destination answered or MaxHops were tried.
func (s *TraceSession) Done() <-chan struct{} { return s.done }

// Result returns the hops so far (all of them once Done is closed).
func (s *TraceSession) Result() TraceResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := s.res
	res.Hops = make([]TraceHop, len(s.res.Hops))
	for i, h := range s.res.Hops {
		res.Hops[i] = TraceHop{TTL: h.TTL, Probes: slices.Clone(h.Probes)}
	}
	return res
}

// Cancel stops the traceroute.
func (s *TraceSession) Cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finish()
}

// sendHop sends the probes with TTL ttl.
func (s *TraceSession) sendHop(ttl int) {
	n := s.opts.Probes
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	s.ttl = ttl
	s.res.Hops = append(s.res.Hops, TraceHop{TTL: ttl, Probes: make([]TraceProbe, n)})
	s.sentAt = make([]time.Time, n)
	s.settled = make([]bool, n)
	s.open = n
	now := s.r.clk.Now()
	for p := range n {
		s.sentAt[p] = now
		s.timers = append(s.timers, s.r.clk.AfterFunc(s.opts.Timeout, func() { s.expire(ttl, p) }))
	}
	s.mu.Unlock()
	payload := make([]byte, s.opts.Size)
	for p := range n {
		dport := s.opts.Port + uint16((ttl-1)*n+p)
		src := netip.AddrPortFrom(s.res.Src, s.sport)
		err := s.r.sendUDP(s.opts.VRF, src, netip.AddrPortFrom(s.res.Dst, dport), uint8(ttl), payload)
		if err != nil {
			s.settleOutside(ttl, p, TraceProbe{Flag: "!N"})
		}
	}
}

func (s *TraceSession) receive(ev icmpEvent) {
	n := s.opts.Probes
	idx := int(ev.port) - int(s.opts.Port)
	if idx < 0 {
		return
	}
	ttl, p := idx/n+1, idx%n
	pr := TraceProbe{From: ev.from, Labels: mplsLabels(ev.msg.Labels)}
	if ifc := ev.msg.Interface; ifc != nil {
		pr.Via = ifc.Name
	}
	if ev.msg.Type == packet.ICMPDestinationUnreachable {
		pr.Flag = unreachFlag(ev.msg.Code)
	}
	s.mu.Lock()
	if ttl == s.ttl && p < len(s.sentAt) {
		pr.RTT = ev.at.Sub(s.sentAt[p])
	}
	reached := ev.msg.Type == packet.ICMPDestinationUnreachable
	next := s.settle(ttl, p, pr, reached)
	s.mu.Unlock()
	if next > 0 {
		s.sendHop(next)
	}
}

func (s *TraceSession) expire(ttl, p int) {
	s.settleOutside(ttl, p, TraceProbe{Lost: true})
}

func (s *TraceSession) settleOutside(ttl, p int, pr TraceProbe) {
	s.mu.Lock()
	next := s.settle(ttl, p, pr, pr.Flag != "")
	s.mu.Unlock()
	if next > 0 {
		s.sendHop(next)
	}
}

// settle records probe p of hop ttl and returns the next hop to probe, 0
// if none (yet); s.mu is held.
func (s *TraceSession) settle(ttl, p int, pr TraceProbe, reached bool) int {
	if s.finished || ttl != s.ttl || p >= len(s.settled) || s.settled[p] {
		return 0
	}
	s.settled[p] = true
	s.open--
	s.res.Hops[len(s.res.Hops)-1].Probes[p] = pr
	if reached {
		s.res.Reached = true
	}
	if s.open > 0 {
		return 0
	}
	if s.res.Reached || ttl >= s.opts.MaxHops {
		s.finish()
		return 0
	}
	return ttl + 1
}

// finish stops the session; s.mu is held.
func (s *TraceSession) finish() {
	if s.finished {
		return
	}
	s.finished = true
	for _, t := range s.timers {
		t.Stop()
	}
	s.stop()
	if len(s.res.Hops) > 0 {
		h := s.res.Hops[len(s.res.Hops)-1]
		for p := range h.Probes {
			if p < len(s.settled) && !s.settled[p] {
				h.Probes[p] = TraceProbe{Lost: true}
			}
		}
	}
	close(s.done)
}

// unreachFlag is traceroute's mark for an unreachable; the port's is the
// destination answering, which has none.
func unreachFlag(code uint8) string {
	switch code {
	case packet.ICMPCodePortUnreachable:
		return ""
	case packet.ICMPCodeNetUnreachable:
		return "!N"
	case packet.ICMPCodeHostUnreachable:
		return "!H"
	case packet.ICMPCodeProtocolUnreachable:
		return "!P"
	case packet.ICMPCodeFragmentationNeeded:
		return "!F"
	case packet.ICMPCodeAdminProhibited:
		return "!X"
	}
	return fmt.Sprintf("!<%d>", code)
}

// String prints the result as traceroute does, with the label stack an
// LSR quoted under its hop.
func (t TraceResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "traceroute to %v (%v), %d hops max, %d byte packets\n", t.Dst, t.Dst, t.MaxHops, t.Size)
	for _, h := range t.Hops {
		fmt.Fprintf(&b, "%2d ", h.TTL)
		var last netip.Addr
		var labels []MPLSLabel
		var via string
		for _, p := range h.Probes {
			if p.Lost {
				b.WriteString(" *")
				continue
			}
			if p.From != last {
				fmt.Fprintf(&b, " %v", p.From)
				last = p.From
			}
			fmt.Fprintf(&b, "  %s ms", ms(p.RTT))
			if p.Flag != "" {
				b.WriteString(" " + p.Flag)
			}
			if labels == nil {
				labels = p.Labels
			}
			if via == "" {
				via = p.Via
			}
		}
		b.WriteByte('\n')
		for _, l := range labels {
			fmt.Fprintf(&b, "     %v\n", l)
		}
		if via != "" {
			fmt.Fprintf(&b, "     via %s\n", via)
		}
	}
	return b.String()
}
