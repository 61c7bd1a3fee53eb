package srte

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/router"
)

// IGP is what the headend reads of the IGP running on its router.
type IGP interface {
	TopologyDB() *igp.TEDB
	SRBindings() []igp.SRBinding
	AdjSIDs() []igp.AdjSID
}

// Config sets up a headend.
type Config struct {
	Env router.Env
	IGP IGP
	// LinkAttrs gives the TE attributes of the link an IGP interface
	// address belongs to (nil: no latency, no affinity).
	LinkAttrs func(ifAddr netip.Addr) LinkAttrs
	// Name names a router by loopback or router id, for show output and
	// events ("" when unknown).
	Name func(netip.Addr) string
}

// Headend owns the SR policies of one router. All its methods run under
// the router's control lock.
type Headend struct {
	cfg      Config
	policies []*policy // sorted by key
	onChange []func()
	started  bool
	pending  bool
	runs     int
}

type policy struct {
	Policy
	results []result // per candidate path, as in Paths
	active  int      // index into Paths, -1 when none is valid
}

// New returns a headend with no policies; Start runs it.
func New(cfg Config) *Headend { return &Headend{cfg: cfg} }

// Start follows the IGP (through the RIB) and computes the policies.
func (h *Headend) Start() {
	if h.started {
		return
	}
	h.started = true
	h.cfg.Env.RIB().Watch(h.schedule)
	h.recompute()
}

// OnChange registers f to run (under the control lock) after a policy's
// active path or its label stacks changed.
func (h *Headend) OnChange(f func()) { h.onChange = append(h.onChange, f) }

// schedule recomputes once after a burst of RIB changes.
func (h *Headend) schedule() {
	if h.pending || len(h.policies) == 0 {
		return
	}
	h.pending = true
	h.cfg.Env.AfterFunc(0, func() {
		h.pending = false
		h.recompute()
	})
}

// Add installs a new policy; a policy with the same color and endpoint
// must be deleted first.
func (h *Headend) Add(p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if len(h.policies) >= MaxPolicies {
		return fmt.Errorf("%w: at most %d policies on a headend", ErrFull, MaxPolicies)
	}
	k := Key{p.Color, p.Endpoint}
	i, found := slices.BinarySearchFunc(h.policies, k, cmpKey)
	if found {
		return fmt.Errorf("%w: %s", ErrExists, k)
	}
	p.Paths = slices.Clone(p.Paths)
	slices.SortStableFunc(p.Paths, func(a, b CandidatePath) int { return int(int64(b.Preference) - int64(a.Preference)) })
	h.policies = slices.Insert(h.policies, i, &policy{Policy: p, active: -1})
	if h.started {
		h.recompute()
	}
	return nil
}

// Delete removes the policy (color, endpoint); false when there was none.
func (h *Headend) Delete(color uint32, endpoint netip.Addr) bool {
	i, found := slices.BinarySearchFunc(h.policies, Key{color, endpoint}, cmpKey)
	if !found {
		return false
	}
	had := h.policies[i].active >= 0
	h.policies = slices.Delete(h.policies, i, i+1)
	h.cfg.Env.Event("sr-policy", fmt.Sprintf("%s deleted", Key{color, endpoint}))
	if had {
		h.changed()
	}
	return true
}

// ErrExists is returned by Add for a policy already configured, ErrFull
// for one more than MaxPolicies.
var (
	ErrExists = errors.New("an SR policy with this color and endpoint exists")
	ErrFull   = errors.New("too many SR policies")
)

func cmpKey(p *policy, k Key) int {
	if p.Color != k.Color {
		if p.Color < k.Color {
			return -1
		}
		return 1
	}
	return p.Endpoint.Compare(k.Endpoint)
}

// Steer is automated steering's lookup: the first hops, with the
// segment list's labels, of the valid policy (color, endpoint).
func (h *Headend) Steer(color uint32, endpoint netip.Addr) ([]router.Nexthop, bool) {
	i, found := slices.BinarySearchFunc(h.policies, Key{color, endpoint}, cmpKey)
	if !found || h.policies[i].active < 0 {
		return nil, false
	}
	p := h.policies[i]
	return cloneNexthops(p.results[p.active].nexthops), true
}

func cloneNexthops(nhs []router.Nexthop) []router.Nexthop {
	out := make([]router.Nexthop, len(nhs))
	for i, nh := range nhs {
		out[i] = nh
		out[i].Labels = slices.Clone(nh.Labels)
	}
	return out
}

// recompute evaluates every candidate path against the current TEDB.
func (h *Headend) recompute() {
	if len(h.policies) == 0 {
		return
	}
	h.runs++
	x := h.newEnv()
	changed := false
	for _, p := range h.policies {
		old := p.activeResult()
		oldActive := p.active
		p.results = make([]result, len(p.Paths))
		p.active = -1
		for i := range p.Paths {
			p.results[i] = x.compute(&p.Paths[i], p.Endpoint, h.cfg.LinkAttrs)
			if p.active < 0 && p.results[i].valid {
				p.active = i
			}
		}
		now := p.activeResult()
		if oldActive != p.active || !sameResult(old, now) {
			changed = true
			h.cfg.Env.Event("sr-policy", h.describe(p))
		}
	}
	if changed {
		h.changed()
	}
}

func (h *Headend) changed() {
	for _, f := range h.onChange {
		f()
	}
}

func (p *policy) activeResult() *result {
	if p.active < 0 || p.active >= len(p.results) {
		return nil
	}
	return &p.results[p.active]
}

func sameResult(a, b *result) bool {
	if a == nil || b == nil {
		return a == b
	}
	return slices.EqualFunc(a.nexthops, b.nexthops, func(x, y router.Nexthop) bool {
		return x.Addr == y.Addr && x.Iface == y.Iface && slices.Equal(x.Labels, y.Labels)
	}) && slices.Equal(a.segments, b.segments)
}

// describe is the event line for a policy's new state.
func (h *Headend) describe(p *policy) string {
	k := Key{p.Color, p.Endpoint}.String()
	r := p.activeResult()
	if r == nil {
		var why []string
		for i, res := range p.results {
			why = append(why, fmt.Sprintf("preference %d: %s", p.Paths[i].Preference, res.reason))
		}
		return k + " down: no valid candidate path (" + strings.Join(why, "; ") + ")"
	}
	return fmt.Sprintf("%s up: active candidate path preference %d, segment list %s", k, p.Paths[p.active].Preference, segmentString(r.segments))
}

func segmentString(segs []Segment) string {
	parts := make([]string, len(segs))
	for i, s := range segs {
		parts[i] = fmt.Sprint(s.Label)
		if s.Label == router.LabelImplicitNull {
			parts[i] = "imp-null"
		}
		switch {
		case s.Adjacency:
			to := s.Name
			if to == "" {
				to = s.Node.String()
			}
			parts[i] += "(adj to " + to + ")"
		case s.Name != "":
			parts[i] += "(" + s.Name + ")"
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func (h *Headend) newEnv() *env {
	db := h.cfg.IGP.TopologyDB()
	x := &env{db: db, g: newGraph(db, h.cfg.LinkAttrs), self: -1, selfAddr: h.cfg.Env.Loopback().Addr(),
		bindings: map[netip.Prefix]igp.SRBinding{}, igpTrees: map[int32]*tree{}, name: h.cfg.Name}
	if i, ok := x.g.ids[h.cfg.Env.RouterID()]; ok {
		x.self = i
	}
	for _, b := range h.cfg.IGP.SRBindings() {
		x.bindings[b.Prefix] = b
	}
	x.adjSIDs = h.cfg.IGP.AdjSIDs
	x.ifaces = map[netip.Addr]string{}
	for _, st := range h.cfg.Env.Interfaces() {
		if st.Up && st.Addr.IsValid() {
			x.ifaces[st.Addr.Addr()] = st.Name
			x.ifNets = append(x.ifNets, st.Addr.Masked())
		}
	}
	return x
}
