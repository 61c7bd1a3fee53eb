package lab

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"text/tabwriter"

	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/srte"
	"github.com/intercloud/intercloud/internal/topology"
)

// SR-TE: every SR-mode PE that runs the IGP gets an srte.Headend; the
// policies of sr-policies: are installed at bring-up, more come and go at
// run time (AddSRPolicy, DeleteSRPolicy). A PE's VPN function steers
// routes carrying a Color extended community onto its policies.

// ErrNoHeadend is returned for a node that cannot be an SR-TE headend.
var ErrNoHeadend = errors.New("not an SR-TE headend (a pe in label_mode sr)")

// buildSRTE creates the headends and installs the file's policies.
func (l *Lab) buildSRTE() error {
	attrs := map[netip.Addr]srte.LinkAttrs{}
	for _, ml := range l.Model.Links {
		a := srte.LinkAttrs{Latency: ml.Latency, Affinity: ml.Affinity}
		for _, ep := range []topology.Endpoint{ml.A, ml.B} {
			if n := l.nodes[ep.Node]; n != nil {
				if ifc := ifaceNamed(n.Model, ep.Interface); ifc != nil {
					attrs[ifc.Addr.Addr()] = a
				}
			}
		}
	}
	names := map[netip.Addr]string{}
	for _, n := range l.order {
		if n.Model.Role.IsCore() {
			names[n.Model.Loopback.Addr()] = n.Model.Name
			names[n.Model.RouterID] = n.Model.Name
		}
	}
	for _, n := range l.order {
		if n.IGP == nil || n.Model.Role != topology.RolePE || n.Model.LabelMode != topology.LabelSR {
			continue
		}
		h := srte.New(srte.Config{Env: n.Router, IGP: n.IGP,
			LinkAttrs: func(a netip.Addr) srte.LinkAttrs { return attrs[a] },
			Name:      func(a netip.Addr) string { return names[a] }})
		n.SRTE = h
		n.Router.Do(func() {
			if n.bgp != nil {
				n.bgp.vpn.SetSteering(h)
				h.OnChange(n.bgp.vpn.SteeringChanged)
			}
			h.Start()
		})
	}
	for _, p := range l.Model.SRPolicies {
		if err := l.AddSRPolicy(*p); err != nil {
			return err
		}
	}
	return nil
}

// srPolicy turns a policy of the model into the headend's form.
func (l *Lab) srPolicy(p topology.SRPolicy) (*Node, srte.Policy, error) {
	n, ok := l.nodes[p.Headend]
	if !ok {
		return nil, srte.Policy{}, notFound(ErrNoNode, "no node %q", p.Headend)
	}
	if n.SRTE == nil {
		return nil, srte.Policy{}, fmt.Errorf("%s: %w", p.Headend, ErrNoHeadend)
	}
	loop := func(name string) (netip.Addr, error) {
		m, ok := l.nodes[name]
		if !ok {
			if a, err := netip.ParseAddr(name); err == nil {
				return a, nil // a node SID's loopback, given as an address
			}
			return netip.Addr{}, notFound(ErrNoNode, "no node %q", name)
		}
		if !m.Model.Role.IsCore() || m.Model.SRIndex < 0 {
			return netip.Addr{}, fmt.Errorf("%s has no node SID (not a core router in label_mode sr)", name)
		}
		return m.Model.Loopback.Addr(), nil
	}
	ep, err := loop(p.Endpoint)
	if err != nil {
		return nil, srte.Policy{}, fmt.Errorf("endpoint: %w", err)
	}
	sp := srte.Policy{Name: p.Name, Color: p.Color, Endpoint: ep}
	for _, c := range p.Paths {
		cp := srte.CandidatePath{Name: c.Name, Preference: c.Preference, Strict: c.Strict}
		if c.Dynamic {
			cp.Dynamic = &srte.Dynamic{Metric: srte.Metric(c.Metric), ExcludeAny: c.Exclude}
			if cp.Dynamic.Metric == "" {
				cp.Dynamic.Metric = srte.MetricIGP
			}
		}
		for _, hop := range c.Explicit {
			a, err := loop(hop)
			if err != nil {
				return nil, srte.Policy{}, fmt.Errorf("explicit segment: %w", err)
			}
			cp.Explicit = append(cp.Explicit, a)
		}
		sp.Paths = append(sp.Paths, cp)
	}
	return n, sp, nil
}

// AddSRPolicy installs a policy on its headend.
func (l *Lab) AddSRPolicy(p topology.SRPolicy) error {
	n, sp, err := l.srPolicy(p)
	if err != nil {
		return err
	}
	n.Router.Do(func() { err = n.SRTE.Add(sp) })
	if err != nil {
		return fmt.Errorf("%s: %w", p.Headend, err)
	}
	return nil
}

// DeleteSRPolicy removes the policy (color, endpoint) of a headend; the
// endpoint is a node name or its loopback.
func (l *Lab) DeleteSRPolicy(headend string, color uint32, endpoint string) error {
	n, sp, err := l.srPolicy(topology.SRPolicy{Headend: headend, Endpoint: endpoint})
	if err != nil {
		return err
	}
	var ok bool
	n.Router.Do(func() { ok = n.SRTE.Delete(color, sp.Endpoint) })
	if !ok {
		return notFound(ErrNoSRPolicy, "%s has no SR policy of color %d to %s", headend, color, endpoint)
	}
	return nil
}

// ErrNoSRPolicy is returned for a policy that is not configured.
var ErrNoSRPolicy = errors.New("no such SR policy")

// SRPolicies shows a headend's policies.
func (l *Lab) SRPolicies(node string) ([]srte.PolicyView, error) {
	n, ok := l.nodes[node]
	if !ok {
		return nil, notFound(ErrNoNode, "no node %q", node)
	}
	if n.SRTE == nil {
		return nil, fmt.Errorf("%s: %w", node, ErrNoHeadend)
	}
	var out []srte.PolicyView
	n.Router.Do(func() { out = n.SRTE.Policies() })
	return out, nil
}

// srPolicyText renders policies as an operator reads them.
func srPolicyText(ps []srte.PolicyView) string {
	var b strings.Builder
	if len(ps) == 0 {
		return "no SR policies\n"
	}
	for _, p := range ps {
		ep := p.Endpoint.String()
		if p.EndpointName != "" {
			ep += " (" + p.EndpointName + ")"
		}
		fmt.Fprintf(&b, "SR policy color %d endpoint %s", p.Color, ep)
		if p.Name != "" {
			fmt.Fprintf(&b, " name %s", p.Name)
		}
		fmt.Fprintf(&b, "\n  state %s", p.State)
		if p.State == "up" {
			fmt.Fprintf(&b, ", active candidate path preference %d", p.ActivePreference)
		}
		b.WriteString("\n")
		w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "  Pref\tType\tActive\tValid\tSegment list\tDetail")
		for _, c := range p.Paths {
			typ := c.Type
			if c.Strict {
				typ += " strict"
			}
			detail := c.Reason
			if c.Type == "dynamic" {
				d := "metric " + string(c.Metric)
				if len(c.ExcludeAny) > 0 {
					d += ", exclude " + strings.Join(c.ExcludeAny, ",")
				}
				if c.Valid {
					d += fmt.Sprintf(", cost %d", c.Cost)
				}
				if detail != "" {
					detail = d + ": " + detail
				} else {
					detail = d
				}
			}
			segs := make([]string, len(c.Segments))
			for i, s := range c.Segments {
				segs[i] = labelText(s.Label)
				switch {
				case s.Adjacency:
					segs[i] += "(adj to " + cmpOr(s.Name, s.Node.String()) + ")"
				case s.Name != "":
					segs[i] += "(" + s.Name + ")"
				}
			}
			fmt.Fprintf(w, "  %d\t%s\t%s\t%s\t%s\t%s\n", c.Preference, typ, yes(c.Active), yes(c.Valid), strings.Join(segs, " "), detail)
		}
		w.Flush()
	}
	return b.String()
}

// labelText writes a segment's label; implicit null is a first segment
// whose node is the first hop: nothing is pushed for it.
func labelText(l uint32) string {
	if l == router.LabelImplicitNull {
		return "imp-null"
	}
	return fmt.Sprint(l)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
