package router

import (
	"cmp"
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

// PingOptions tune a ping; zero fields take the defaults in brackets.
type PingOptions struct {
	Count    int           // echo requests to send [5]
	Interval time.Duration // between requests [1s]
	Timeout  time.Duration // wait for each reply [2s]
	TTL      uint8         // [64]
	Size     int           // ICMP data bytes [56]
	VRF      string        // routing table ["" the default]
	Src      netip.Addr    // source address [the outgoing interface's]
}

// The most a ping may ask for. Larger values are clamped, so that no
// caller can make a session allocate without bound (the lab API refuses
// them with a 400 before they get here).
const (
	MaxPingCount = 10_000
	// MaxPingSize fills an IPv4 packet: 65535 less the IP and ICMP headers.
	MaxPingSize = 65_535 - packet.IPv4HeaderLen - packet.ICMPHeaderLen
)

func (o *PingOptions) defaults() {
	if o.Count <= 0 {
		o.Count = 5
	}
	o.Count = min(o.Count, MaxPingCount)
	o.Size = min(o.Size, MaxPingSize)
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.TTL == 0 {
		o.TTL = 64
	}
	if o.Size <= 0 {
		o.Size = 56
	}
}

// PingReply is what became of one echo request.
type PingReply struct {
	Seq  int           `json:"seq"`
	From netip.Addr    `json:"from,omitzero"`
	RTT  time.Duration `json:"rtt_ns"`
	TTL  uint8         `json:"ttl,omitempty"`
	Size int           `json:"bytes,omitempty"`
	// Error is set when an ICMP error came back instead of a reply, e.g.
	// "Time to live exceeded"; Lost when nothing came back in time.
	Error  string      `json:"error,omitempty"`
	Labels []MPLSLabel `json:"labels,omitempty"` // of a time exceeded from inside an LSP
	Lost   bool        `json:"lost,omitempty"`
}

// PingResult is a finished (or cancelled) ping.
type PingResult struct {
	Dst      netip.Addr    `json:"dst"`
	Src      netip.Addr    `json:"src"`
	Size     int           `json:"size"`
	Sent     int           `json:"sent"`
	Received int           `json:"received"`
	Replies  []PingReply   `json:"replies"`
	MinRTT   time.Duration `json:"min_rtt_ns"`
	AvgRTT   time.Duration `json:"avg_rtt_ns"`
	MaxRTT   time.Duration `json:"max_rtt_ns"`
}

// PingSession is a ping under way. Its requests go out on the router's
// clock, so on a virtual clock it advances only as the clock does.
type PingSession struct {
	r    *Router
	opts PingOptions
	vrf  int
	id   uint16
	stop func()
	done chan struct{}

	mu       sync.Mutex
	res      PingResult
	sentAt   []time.Time
	settled  []bool
	open     int // requests sent and neither answered nor timed out
	timers   []clock.Timer
	finished bool
}

// StartPing sends the first echo request to dst now and the others at
// the interval, on the router's clock, and returns at once.
func (r *Router) StartPing(dst netip.Addr, opts PingOptions) (*PingSession, error) {
	opts.defaults()
	vrf, src, err := r.appEnds("ping", opts.VRF, dst, opts.Src)
	if err != nil {
		return nil, err
	}
	s := &PingSession{
		r:       r,
		opts:    opts,
		vrf:     vrf,
		id:      uint16(r.appID.Add(1)),
		done:    make(chan struct{}),
		sentAt:  make([]time.Time, opts.Count),
		settled: make([]bool, opts.Count),
		res:     PingResult{Dst: dst, Src: src, Size: opts.Size},
	}
	s.stop = r.handleICMP(icmpKey{id: s.id}, s.receive)
	s.send(0)
	return s, nil
}

// appEnds checks what a ping or traceroute is asked to do and picks its
// source address (the outgoing interface's, or the loopback with prefix
// suppression) when none is given.
func (r *Router) appEnds(what, vrfName string, dst, src netip.Addr) (int, netip.Addr, error) {
	vrf, ok := r.rib.lookupVRF(vrfName)
	if !ok {
		return 0, netip.Addr{}, fmt.Errorf("router %s: no vrf %q", r.name, vrfName)
	}
	if !dst.Is4() {
		return 0, netip.Addr{}, fmt.Errorf("router %s: %s %v: need an IPv4 address", r.name, what, dst)
	}
	if src.IsValid() {
		return vrf, src, nil
	}
	src, err := r.source(vrf, dst)
	if err == nil && vrf == 0 && src != dst && r.node != nil && r.node.Role.IsCore() && r.node.PrefixSuppression && r.loopback.IsValid() {
		// A router hiding its transit subnets (RFC 6860) pings and
		// traces from its loopback: its interface addresses are routed
		// on their own link only, so answers to them would not return.
		src = r.loopback.Addr()
	}
	return vrf, src, err
}

// Ping pings dst and waits for the result or for ctx to end.
func (r *Router) Ping(ctx context.Context, dst netip.Addr, opts PingOptions) (PingResult, error) {
	s, err := r.StartPing(dst, opts)
	if err != nil {
		return PingResult{}, err
	}
	return wait(ctx, s)
}

// session is a running ping or traceroute.
type session[T any] interface {
	Done() <-chan struct{}
	Result() T
	Cancel()
}

// wait waits for s to finish or ctx to end (cancelling s), and returns
// what s has so far.
func wait[T any](ctx context.Context, s session[T]) (T, error) {
	select {
	case <-s.Done():
		return s.Result(), nil
	case <-ctx.Done():
		s.Cancel()
		return s.Result(), ctx.Err()
	}
}

// Done is closed when every request has been answered or has timed out.
func (s *PingSession) Done() <-chan struct{} { return s.done }

// Result returns the replies so far (all of them once Done is closed).
func (s *PingSession) Result() PingResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := s.res
	res.Replies = slices.Clone(s.res.Replies)
	slices.SortFunc(res.Replies, func(a, b PingReply) int { return cmp.Compare(a.Seq, b.Seq) })
	return res
}

// Cancel stops the ping; requests not yet answered count as lost.
func (s *PingSession) Cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finish()
}

// send sends request i (sequence number i+1) and schedules the next one.
func (s *PingSession) send(i int) {
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	clk := s.r.clk
	s.sentAt[i] = clk.Now()
	s.res.Sent++
	s.open++
	s.timers = append(s.timers, clk.AfterFunc(s.opts.Timeout, func() { s.expire(i) }))
	if i+1 < s.opts.Count {
		s.timers = append(s.timers, clk.AfterFunc(s.opts.Interval, func() { s.send(i + 1) }))
	}
	s.mu.Unlock()
	// Outside the lock: a ping to the router's own address is answered
	// synchronously.
	body, err := packet.ICMP{Type: packet.ICMPEchoRequest, ID: s.id, Seq: uint16(i + 1), Data: pingData(s.opts.Size)}.Marshal()
	if err == nil {
		err = s.r.originateIP(s.vrf, s.res.Src, s.res.Dst, packet.ProtocolICMP, s.opts.TTL, body)
	}
	if err != nil {
		s.mu.Lock()
		s.settle(i, PingReply{Seq: i + 1, Error: err.Error()})
		s.mu.Unlock()
	}
}

// pingData is the echo payload: bytes counting up, as ping's pattern.
func pingData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func (s *PingSession) receive(ev icmpEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := int(ev.seq) - 1
	if i < 0 || i >= len(s.sentAt) || s.sentAt[i].IsZero() || s.settled[i] {
		return
	}
	rep := PingReply{Seq: i + 1, From: ev.from, RTT: ev.at.Sub(s.sentAt[i]), TTL: ev.ttl}
	if ev.msg.Type == packet.ICMPEchoReply {
		rep.Size = ev.size
		s.res.Received++
	} else {
		rep.Error = icmpErrorText(ev.msg.Type, ev.msg.Code)
		rep.Labels = mplsLabels(ev.msg.Labels)
	}
	s.settle(i, rep)
}

func (s *PingSession) expire(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.settled[i] {
		s.settle(i, PingReply{Seq: i + 1, Lost: true})
	}
}

// settle records what became of request i; s.mu is held.
func (s *PingSession) settle(i int, rep PingReply) {
	if s.finished || s.settled[i] {
		return
	}
	s.settled[i] = true
	s.open--
	s.res.Replies = append(s.res.Replies, rep)
	if s.open == 0 && s.res.Sent == s.opts.Count {
		s.finish()
	}
}

// finish stops the session; s.mu is held.
func (s *PingSession) finish() {
	if s.finished {
		return
	}
	s.finished = true
	for _, t := range s.timers {
		t.Stop()
	}
	s.stop()
	for i := range s.settled {
		if !s.sentAt[i].IsZero() && !s.settled[i] {
			s.settled[i] = true
			s.res.Replies = append(s.res.Replies, PingReply{Seq: i + 1, Lost: true})
		}
	}
	var sum time.Duration
	n := 0
	for _, rep := range s.res.Replies {
		if rep.Lost || rep.Error != "" {
			continue
		}
		if n == 0 || rep.RTT < s.res.MinRTT {
			s.res.MinRTT = rep.RTT
		}
		s.res.MaxRTT = max(s.res.MaxRTT, rep.RTT)
		sum += rep.RTT
		n++
	}
	if n > 0 {
		s.res.AvgRTT = sum / time.Duration(n)
	}
	close(s.done)
}

// icmpErrorText names an ICMP error the way ping prints it.
func icmpErrorText(t packet.ICMPType, code uint8) string {
	if t == packet.ICMPTimeExceeded {
		return "Time to live exceeded"
	}
	switch code {
	case packet.ICMPCodeNetUnreachable:
		return "Destination Net Unreachable"
	case packet.ICMPCodeHostUnreachable:
		return "Destination Host Unreachable"
	case packet.ICMPCodeProtocolUnreachable:
		return "Destination Protocol Unreachable"
	case packet.ICMPCodePortUnreachable:
		return "Destination Port Unreachable"
	case packet.ICMPCodeFragmentationNeeded:
		return "Frag needed and DF set"
	}
	return fmt.Sprintf("Destination unreachable, code %d", code)
}

// String prints the result as Linux ping does.
func (p PingResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "PING %v (%v) from %v: %d(%d) bytes of data.\n", p.Dst, p.Dst, p.Src, p.Size, p.Size+packet.ICMPHeaderLen+packet.IPv4HeaderLen)
	for _, r := range p.Replies {
		switch {
		case r.Lost:
			fmt.Fprintf(&b, "no answer yet for icmp_seq=%d\n", r.Seq)
		case r.Error != "":
			fmt.Fprintf(&b, "From %v icmp_seq=%d %s\n", r.From, r.Seq, r.Error)
		default:
			fmt.Fprintf(&b, "%d bytes from %v: icmp_seq=%d ttl=%d time=%s ms\n", r.Size+packet.ICMPHeaderLen, r.From, r.Seq, r.TTL, ms(r.RTT))
		}
	}
	loss := 0.0
	if p.Sent > 0 {
		loss = 100 * float64(p.Sent-p.Received) / float64(p.Sent)
	}
	fmt.Fprintf(&b, "\n--- %v ping statistics ---\n", p.Dst)
	fmt.Fprintf(&b, "%d packets transmitted, %d received, %g%% packet loss\n", p.Sent, p.Received, loss)
	if p.Received > 0 {
		fmt.Fprintf(&b, "rtt min/avg/max = %s/%s/%s ms\n", ms(p.MinRTT), ms(p.AvgRTT), ms(p.MaxRTT))
	}
	return b.String()
}

// ms formats a duration in milliseconds with three decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond))
}
