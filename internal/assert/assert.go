// Package assert runs a topology file's checks (its validate: block)
// against a running lab, through the lab API as any client would, so a
// check passes only if a user could see it pass.
package assert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/topology"
)

// Poll is how often a check that has not passed yet is tried again.
var Poll = 200 * time.Millisecond

// Result is one check's outcome.
type Result struct {
	Check  *topology.Check `json:"check"`
	Name   string          `json:"name"`
	Pass   bool            `json:"pass"`
	Ran    bool            `json:"ran"` // false: the lab could not be asked
	Detail string          `json:"detail"`
	After  time.Duration   `json:"after_ns"` // from the start of the check to its last try
}

// Run runs each check in turn, trying a failing one again until it
// passes or wait has passed since it began, as a lab still converging
// would need.
func Run(ctx context.Context, c *api.Client, checks []*topology.Check, wait time.Duration) []Result {
	out := make([]Result, 0, len(checks))
	for _, ch := range checks {
		start := time.Now()
		deadline := start.Add(wait)
		for {
			pass, detail, err := one(ctx, c, ch)
			r := Result{Check: ch, Name: ch.String(), Pass: pass && err == nil, Ran: err == nil, Detail: detail, After: time.Since(start)}
			if err != nil {
				r.Detail = err.Error()
			}
			if r.Pass || !r.Ran || time.Now().After(deadline) || ctx.Err() != nil {
				out = append(out, r)
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(Poll):
			}
		}
	}
	return out
}

// one tries a check once: whether it passed and why, or an error when the
// lab could not be asked.
func one(ctx context.Context, c *api.Client, ch *topology.Check) (bool, string, error) {
	switch ch.Kind {
	case "ping":
		return ping(ctx, c, ch)
	case "trace":
		return trace(ctx, c, ch)
	case "session":
		return session(ctx, c, ch)
	case "route":
		return route(ctx, c, ch)
	case "advertises":
		return advertises(ctx, c, ch)
	}
	return false, "", fmt.Errorf("unknown check %q", ch.Kind)
}

// refused says whether err is the lab refusing a request (a 4xx), which
// is an answer, not a failure to ask.
func refused(err error) (string, bool) {
	var se *api.StatusError
	if errors.As(err, &se) && se.Code/100 == 4 && se.Code != http.StatusUnauthorized {
		return se.Msg, true
	}
	return "", false
}

func ping(ctx context.Context, c *api.Client, ch *topology.Check) (bool, string, error) {
	var res api.PingResponse
	err := c.Do(ctx, http.MethodPost, "/ping", nil, api.PingRequest{Src: ch.A, Dst: ch.B, Count: 3, Interval: 50 * time.Millisecond, Timeout: 500 * time.Millisecond}, &res)
	if msg, ok := refused(err); ok {
		// A lab that cannot even send it (no route, another VPN's
		// address) is isolation too.
		return ch.Fails, "refused: " + msg, nil
	}
	if err != nil {
		return false, "", err
	}
	detail := fmt.Sprintf("%d of %d replies", res.Received, res.Sent)
	if ch.Fails {
		return res.Received == 0, detail, nil
	}
	return res.Received > 0, detail, nil
}

func trace(ctx context.Context, c *api.Client, ch *topology.Check) (bool, string, error) {
	var res api.TraceResponse
	err := c.Do(ctx, http.MethodPost, "/trace", nil, api.TraceRequest{Src: ch.A, Dst: ch.B, Probes: 1}, &res)
	if msg, ok := refused(err); ok {
		return false, "refused: " + msg, nil
	}
	if err != nil {
		return false, "", err
	}
	var path []string
	passed := false
	for _, h := range res.Hops {
		for _, p := range h.Probes {
			name := res.Names[p.From]
			if name == "" {
				name = p.From.String()
			}
			path = append(path, name)
			passed = passed || name == ch.Via
		}
	}
	detail := "path " + strings.Join(path, " ")
	if !res.Reached {
		return false, detail + " (did not reach " + ch.B + ")", nil
	}
	return passed, detail, nil
}

// session looks for B in A's BGP summary, then A in B's: a PE's session
// with a CE is in its VRF's speaker, the CE's in its global one.
func session(ctx context.Context, c *api.Client, ch *topology.Check) (bool, string, error) {
	seen := "no session"
	for _, end := range [][2]string{{ch.A, ch.B}, {ch.B, ch.A}} {
		var tab struct {
			Data []struct {
				Description string `json:"description"`
				State       string `json:"state"`
			} `json:"data"`
		}
		err := c.Do(ctx, http.MethodGet, "/nodes/"+url.PathEscape(end[0])+"/bgp/summary", nil, nil, &tab)
		if _, ok := refused(err); ok {
			continue // runs no BGP
		}
		if err != nil {
			return false, "", err
		}
		for _, n := range tab.Data {
			if n.Description == end[1] {
				if n.State == "Established" {
					return true, "Established", nil
				}
				seen = n.State
			}
		}
	}
	return false, seen, nil
}

func route(ctx context.Context, c *api.Client, ch *topology.Check) (bool, string, error) {
	var tab struct {
		Data api.RouteTable `json:"data"`
	}
	q := url.Values{}
	if ch.VRF != "" {
		q.Set("vrf", ch.VRF)
	}
	err := c.Do(ctx, http.MethodGet, "/nodes/"+url.PathEscape(ch.A)+"/fib", q, nil, &tab)
	if msg, ok := refused(err); ok {
		return false, "refused: " + msg, nil
	}
	if err != nil {
		return false, "", err
	}
	detail := "no such route"
	for _, r := range tab.Data.Routes {
		if r.Prefix != ch.Prefix {
			continue
		}
		var stacks []string
		for _, nh := range r.Nexthops {
			if ch.Labels < 0 || len(nh.Labels) == ch.Labels {
				return true, fmt.Sprintf("%s via %s labels %v", r.Protocol, nh.Addr, nh.Labels), nil
			}
			stacks = append(stacks, fmt.Sprint(nh.Labels))
		}
		detail = "label stacks " + strings.Join(stacks, ", ")
	}
	return false, detail, nil
}

// advertises compares what a cloud announces (show CLOUD advertised) with
// its prefix, and with the set wanted when the check lists one, naming
// the prefixes outside the prefix, and those extra or missing.
func advertises(ctx context.Context, c *api.Client, ch *topology.Check) (bool, string, error) {
	var tab struct {
		Data api.Advertised `json:"data"`
	}
	err := c.Do(ctx, http.MethodGet, "/nodes/"+url.PathEscape(ch.B)+"/advertised", nil, nil, &tab)
	if msg, ok := refused(err); ok {
		return false, "refused: " + msg, nil
	}
	if err != nil {
		return false, "", err
	}
	got := tab.Data.Prefixes
	var problems []string
	if len(tab.Data.Outside) > 0 {
		problems = append(problems, fmt.Sprintf("outside %v: %s", ch.Prefix, prefixList(tab.Data.Outside)))
	}
	if ch.Exactly != nil {
		var extra, missing []netip.Prefix
		for _, p := range got {
			if !slices.Contains(ch.Exactly, p) && !slices.Contains(tab.Data.Outside, p) {
				extra = append(extra, p)
			}
		}
		for _, p := range ch.Exactly {
			if !slices.Contains(got, p) {
				missing = append(missing, p)
			}
		}
		if len(extra) > 0 {
			problems = append(problems, "extra: "+prefixList(extra))
		}
		if len(missing) > 0 {
			problems = append(problems, "missing: "+prefixList(missing))
		}
	}
	if len(problems) > 0 {
		return false, strings.Join(problems, "; "), nil
	}
	if len(got) == 0 {
		return true, "announces nothing", nil
	}
	return true, "announces " + prefixList(got), nil
}

func prefixList(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, " ")
}

// Summary counts results: passed, failed, and not run.
func Summary(rs []Result) (pass, fail, notRun int) {
	for _, r := range rs {
		switch {
		case !r.Ran:
			notRun++
		case r.Pass:
			pass++
		default:
			fail++
		}
	}
	return
}
