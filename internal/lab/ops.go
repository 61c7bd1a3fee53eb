package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// ErrNoLink and ErrNoInterface are returned, like ErrNoNode, for what
// the lab does not have (the API answers 404).
var (
	ErrNoLink      = errors.New("no such link")
	ErrNoInterface = errors.New("no such interface")
)

// missing is an error that reads as its message and matches kind
// (ErrNoNode, ErrNoLink, ErrNoInterface) with errors.Is.
type missing struct {
	kind error
	msg  string
}

func (e *missing) Error() string { return e.msg }
func (e *missing) Unwrap() error { return e.kind }

func notFound(kind error, format string, args ...any) error {
	return &missing{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Resolve reads a ping or trace end: a node name (its loopback), a node's
// interface ("pe1:eth2", that interface's address) or an address (and the
// node that owns it, if any).
func (l *Lab) Resolve(s string) (node string, addr netip.Addr, err error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return l.NameOf(a), a, nil
	}
	name, ifname, hasIf := strings.Cut(s, ":")
	n, ok := l.nodes[name]
	if !ok {
		return "", netip.Addr{}, notFound(ErrNoNode, "no node or address %q", s)
	}
	if !hasIf {
		return name, n.Model.Loopback.Addr(), nil
	}
	ifc := ifaceNamed(n.Model, ifname)
	if ifc == nil {
		return "", netip.Addr{}, notFound(ErrNoInterface, "node %s has no interface %q", name, ifname)
	}
	return name, ifc.Addr.Addr(), nil
}

// source resolves the node a ping or trace starts from; an address must
// belong to a node, and is then used as the source address.
func (l *Lab) source(s string) (*Node, netip.Addr, error) {
	name, addr, err := l.Resolve(s)
	if err != nil {
		return nil, netip.Addr{}, err
	}
	if name == "" {
		if os := l.owners(addr); len(os) > 1 {
			return nil, netip.Addr{}, fmt.Errorf("address %s is used in several address spaces (%s): name the node or NODE:INTERFACE instead", addr, ownerList(os))
		}
		return nil, netip.Addr{}, notFound(ErrNoNode, "no node has address %s", addr)
	}
	if _, _, isIf := strings.Cut(s, ":"); !isIf && addr == l.nodes[name].Model.Loopback.Addr() && s == name {
		addr = netip.Addr{} // a node name: let the router pick, as ping does
	}
	return l.nodes[name], addr, nil
}

// StartPing starts pinging dst from src and returns at once; the session
// runs on the lab's clock.
func (l *Lab) StartPing(src, dst string, opts router.PingOptions) (*router.PingSession, error) {
	n, saddr, daddr, err := l.ends(src, dst, &opts.VRF)
	if err != nil {
		return nil, err
	}
	if !opts.Src.IsValid() {
		opts.Src = saddr
	}
	s, err := n.Router.StartPing(daddr, opts)
	return s, l.hintVRF(err, n, dst, opts.VRF)
}

// Ping pings dst from src and waits for the result.
func (l *Lab) Ping(ctx context.Context, src, dst string, opts router.PingOptions) (router.PingResult, error) {
	n, saddr, daddr, err := l.ends(src, dst, &opts.VRF)
	if err != nil {
		return router.PingResult{}, err
	}
	if !opts.Src.IsValid() {
		opts.Src = saddr
	}
	res, err := n.Router.Ping(ctx, daddr, opts)
	return res, l.hintVRF(err, n, dst, opts.VRF)
}

// StartTrace starts tracing the path from src to dst.
func (l *Lab) StartTrace(src, dst string, opts router.TraceOptions) (*router.TraceSession, error) {
	n, saddr, daddr, err := l.ends(src, dst, &opts.VRF)
	if err != nil {
		return nil, err
	}
	if !opts.Src.IsValid() {
		opts.Src = saddr
	}
	s, err := n.Router.StartTraceroute(daddr, opts)
	return s, l.hintVRF(err, n, dst, opts.VRF)
}

// Trace traces the path from src to dst and waits for the result.
func (l *Lab) Trace(ctx context.Context, src, dst string, opts router.TraceOptions) (router.TraceResult, error) {
	n, saddr, daddr, err := l.ends(src, dst, &opts.VRF)
	if err != nil {
		return router.TraceResult{}, err
	}
	if !opts.Src.IsValid() {
		opts.Src = saddr
	}
	res, err := n.Router.Traceroute(ctx, daddr, opts)
	return res, l.hintVRF(err, n, dst, opts.VRF)
}

// ends resolves a ping's or trace's ends. A destination named by node
// is resolved in the source's context (its VRF, or its VPN): a name
// whose address means another node there is refused rather than
// answered by that other node.
//
// A source that is a VM's address (in a cloud whose computes act as PEs,
// vmsource.go) is the VM: its compute sends from it, in the VRF of the
// attachment the VM is in unless *vrfp names one.
func (l *Lab) ends(src, dst string, vrfp *string) (*Node, netip.Addr, netip.Addr, error) {
	n, saddr, err := l.source(src)
	if vn, va, verr := l.vmSource(src, vrfp); verr == nil {
		n, saddr, err = vn, va, nil
	}
	if err != nil {
		return nil, netip.Addr{}, netip.Addr{}, err
	}
	vrf := *vrfp
	if err := n.checkVRF(vrf); err != nil {
		return nil, netip.Addr{}, netip.Addr{}, err
	}
	dnode, daddr, err := l.Resolve(dst)
	if err != nil {
		return nil, netip.Addr{}, netip.Addr{}, err
	}
	if _, err := netip.ParseAddr(dst); err == nil {
		return n, saddr, daddr, nil // an address means what it says
	}
	space := n.Model.Space
	if vrf != "" {
		space = vrf // a PE's VRF is its VPN's address space
	}
	dspace := l.spaceOf(dnode, daddr)
	if dspace == space {
		return n, saddr, daddr, nil
	}
	for _, o := range l.owners(daddr) {
		if o.space == space && o.node != dnode {
			return nil, netip.Addr{}, netip.Addr{}, fmt.Errorf("%s is %v in %s, but from %s (%s) %v is %s: name a node of %s, or give the address to mean %s",
				dst, daddr, spaceName(dspace), src, spaceName(space), daddr, o.node, spaceName(space), o.node)
		}
	}
	return n, saddr, daddr, nil
}

// spaceOf is the address space in which node holds a.
func (l *Lab) spaceOf(node string, a netip.Addr) string {
	for _, o := range l.owners(a) {
		if o.node == node {
			return o.space
		}
	}
	if n, ok := l.nodes[node]; ok {
		return n.Model.Space
	}
	return ""
}

func spaceName(space string) string {
	if space == "" {
		return "the global table"
	}
	return "vpn " + space
}

// hintVRF adds to "no route to host" from a PE's global table the VRF
// that holds the destination: `trace pe1 ce2` needs --vrf.
func (l *Lab) hintVRF(err error, n *Node, dst, vrf string) error {
	if err == nil || vrf != "" || !errors.Is(err, router.ErrNoRoute) {
		return err
	}
	dnode, daddr, rerr := l.Resolve(dst)
	if rerr != nil || dnode == "" {
		return err
	}
	space := l.spaceOf(dnode, daddr)
	if space == "" || space == n.Model.Space || !slices.Contains(n.vrfNames(), space) {
		return err
	}
	return fmt.Errorf("%w (%s is in vpn %s, which %s holds in vrf %s: add --vrf %s)", err, dst, space, n.Model.Name, space, space)
}

// NameOf returns the node owning addr, or "" when none does or when
// several VPNs reuse it (see NameSeenFrom).
func (l *Lab) NameOf(a netip.Addr) string {
	if os := l.owners(a); len(os) == 1 {
		return os[0].node
	}
	return ""
}

// NameSeenFrom names the owner of addr as node from sees it, for output
// such as "10.0.15.199 (p1)": the owner in from's own address space when
// several spaces reuse the address. A VM's address is not named after the
// compute hosting it: the compute is the hop before the VM (see trace).
func (l *Lab) NameSeenFrom(from string, a netip.Addr) string {
	os := l.owners(a)
	var o owner
	switch {
	case len(os) == 1:
		o = os[0]
	case len(os) > 1:
		n, ok := l.nodes[from]
		if !ok {
			return ""
		}
		i := slices.IndexFunc(os, func(o owner) bool { return o.space == n.Model.Space })
		if i < 0 {
			return ""
		}
		o = os[i]
	default:
		return ""
	}
	if o.guest {
		return ""
	}
	return o.node
}

// owner is a node that holds an address in one address space; guest says
// the address is a VM's living on that node (a compute).
type owner struct {
	node, space string
	guest       bool
}

// own records that node holds a in space; a second holder in the same
// space is impossible (topology rejects it), so only the first is kept.
func (l *Lab) own(a netip.Addr, node, space string) { l.ownAs(a, owner{node, space, false}) }

// ownGuest records that a VM living on node holds a in space.
func (l *Lab) ownGuest(a netip.Addr, node, space string) { l.ownAs(a, owner{node, space, true}) }

func (l *Lab) ownAs(a netip.Addr, o owner) {
	l.addrMu.Lock()
	defer l.addrMu.Unlock()
	for _, had := range l.byAddr[a] {
		if had.space == o.space {
			return
		}
	}
	l.byAddr[a] = append(l.byAddr[a], o)
}

// disown forgets that node holds a in space (a VM that went away).
func (l *Lab) disown(a netip.Addr, node, space string) {
	l.addrMu.Lock()
	defer l.addrMu.Unlock()
	l.byAddr[a] = slices.DeleteFunc(l.byAddr[a], func(o owner) bool { return o.node == node && o.space == space })
	if len(l.byAddr[a]) == 0 {
		delete(l.byAddr, a)
	}
}

// owners are a's holders, one per address space.
func (l *Lab) owners(a netip.Addr) []owner {
	l.addrMu.RLock()
	defer l.addrMu.RUnlock()
	return l.byAddr[a]
}

func ownerList(os []owner) string {
	parts := make([]string, len(os))
	for i, o := range os {
		sp := o.space
		if sp == "" {
			sp = "global"
		}
		parts[i] = o.node + " in " + sp
	}
	return strings.Join(parts, ", ")
}

// LinkInfo describes a link of the running lab.
type LinkInfo struct {
	ID         int                  `json:"id"`
	A          string               `json:"a"` // node:interface
	B          string               `json:"b"`
	Up         bool                 `json:"up"`
	Impairment dataplane.Impairment `json:"impairment"`
	AStats     dataplane.Stats      `json:"a_stats"` // frames sent by A
	BStats     dataplane.Stats      `json:"b_stats"`
}

// FindLinks returns the links between a and b. Either may be "node" or
// "node:interface"; with parallel links, naming an interface picks one.
// With b empty, a must be "node:interface": the link on that interface.
func (l *Lab) FindLinks(a, b string) ([]int, error) {
	if b == "" {
		node, ifname, ok := strings.Cut(a, ":")
		n, exists := l.nodes[node]
		if !ok {
			return nil, fmt.Errorf("name a link by its two ends, or one end as node:interface (not %q)", a)
		}
		if !exists {
			return nil, notFound(ErrNoNode, "no node %q", node)
		}
		ifc := ifaceNamed(n.Model, ifname)
		if ifc == nil {
			return nil, notFound(ErrNoInterface, "node %s has no interface %q", node, ifname)
		}
		return []int{ifc.LinkID}, nil
	}
	an, ai, _ := strings.Cut(a, ":")
	bn, bi, _ := strings.Cut(b, ":")
	for _, n := range []string{an, bn} {
		if _, ok := l.nodes[n]; !ok {
			return nil, notFound(ErrNoNode, "no node %q", n)
		}
	}
	match := func(ep topology.Endpoint, n, i string) bool {
		return ep.Node == n && (i == "" || ep.Interface == i)
	}
	var ids []int
	for _, ml := range l.Model.Links {
		if (match(ml.A, an, ai) && match(ml.B, bn, bi)) || (match(ml.A, bn, bi) && match(ml.B, an, ai)) {
			ids = append(ids, ml.ID)
		}
	}
	if len(ids) == 0 {
		return nil, notFound(ErrNoLink, "no link between %s and %s", a, b)
	}
	return ids, nil
}

// Links describes links (all when ids is empty).
func (l *Lab) Links(ids ...int) []LinkInfo {
	if len(ids) == 0 {
		for i := range l.links {
			ids = append(ids, i)
		}
	}
	out := make([]LinkInfo, 0, len(ids))
	for _, id := range ids {
		ml, dl := l.Model.Links[id], l.links[id]
		out = append(out, LinkInfo{ID: id, A: ml.A.Node + ":" + ml.A.Interface, B: ml.B.Node + ":" + ml.B.Interface,
			Up: dl.Up(), Impairment: dl.A().Impairment(), AStats: dl.A().Stats(), BStats: dl.B().Stats()})
	}
	return out
}

// SetLinkUp brings the links between a and b up or down, as pulling a
// cable would: both ends lose carrier and the protocols react.
func (l *Lab) SetLinkUp(a, b string, up bool) ([]LinkInfo, error) {
	ids, err := l.FindLinks(a, b)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		l.links[id].SetUp(up)
		state := "down"
		if up {
			state = "up"
		}
		ml := l.Model.Links[id]
		l.record(router.Event{Time: l.clk.Now(), Node: ml.A.Node, Kind: "link-" + state,
			Detail: fmt.Sprintf("link %s:%s - %s:%s %s", ml.A.Node, ml.A.Interface, ml.B.Node, ml.B.Interface, state)})
	}
	return l.Links(ids...), nil
}

// Impair sets the impairment of the links between a and b, both ways.
func (l *Lab) Impair(a, b string, m dataplane.Impairment) ([]LinkInfo, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	ids, err := l.FindLinks(a, b)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := l.links[id].A().SetImpairment(m); err != nil {
			return nil, err
		}
		if err := l.links[id].B().SetImpairment(m); err != nil {
			return nil, err
		}
		// Recorded like a cable pulled: what follows in the log (an SPF,
		// a session lost to loss) reads against it.
		ml := l.Model.Links[id]
		l.record(router.Event{Time: l.clk.Now(), Node: ml.A.Node, Kind: "link-impaired",
			Detail: fmt.Sprintf("link %s:%s - %s:%s impaired: %s", ml.A.Node, ml.A.Interface, ml.B.Node, ml.B.Interface, impairText(m))})
	}
	return l.Links(ids...), nil
}

// impairText says what an impairment does, for the event log.
func impairText(m dataplane.Impairment) string {
	s := fmt.Sprintf("latency %v, jitter %v, loss %g%%", m.Latency, m.Jitter, m.Loss*100)
	if m.Rate > 0 {
		s += fmt.Sprintf(", rate %d bit/s", m.Rate)
	}
	return s
}

// Capture writes the frames crossing the links between a and b (both
// directions) to w as pcap, until ctx ends, d of wall time passes or count
// frames were written (zero means no limit).
func (l *Lab) Capture(ctx context.Context, a, b string, w io.Writer, d time.Duration, count int) (int, error) {
	ids, err := l.FindLinks(a, b)
	if err != nil {
		return 0, err
	}
	pw, err := dataplane.NewPcapWriter(w)
	if err != nil {
		return 0, err
	}
	enough := make(chan struct{})
	var once sync.Once
	tap := dataplane.TapFunc(func(at time.Time, from *dataplane.Port, frame []byte) {
		if count > 0 && pw.Frames() >= count {
			return
		}
		pw.Tap(at, from, frame)
		if count > 0 && pw.Frames() >= count {
			once.Do(func() { close(enough) })
		}
	})
	for _, id := range ids {
		remove := l.links[id].AddTap(tap)
		defer remove()
	}
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ctx.Done():
	case <-timeout:
	case <-enough:
	}
	return pw.Frames(), pw.Flush()
}
