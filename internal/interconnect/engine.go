// Package interconnect is the half of a Neutron-Neutron interconnection
// that talks to the other cloud (neutron-interconnection, the talk's
// option 4). Each cloud runs an Engine beside its Neutron: when a half is
// created or refreshed, the engine signs in on the remote cloud's
// Keystone as the interconnection service user, finds the remote half in
// the remote Neutron (it must point back at the local resource), hands
// what it learned to the local Neutron, which allocates a route target
// and builds the BGPVPN, and asks the remote half to refresh when the
// remote half's view of this one is stale. Everything is driven by those
// events; a peer that cannot be reached gets a bounded number of retries
// with back-off on the lab's clock, and the half's state_reason says why.
// What a deleted half owes its peer is stored by Neutron with the delete
// and told after a restart too; a remote_keystone naming the lab's own
// Keystone is reached at the daemon's current address
// (neutron.Service.InterconnectionKeystone).
package interconnect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// Config is one cloud's engine.
type Config struct {
	// Neutron is the cloud's network service. Required.
	Neutron *neutron.Service
	// Credentials sign in on the remote clouds' Keystones.
	Credentials Credentials
	// Clock times the retries; the real clock when nil.
	Clock clock.Clock
	// Retries bounds the attempts to reach an unreachable peer after the
	// first (8 when zero); FirstBackoff (500 ms) doubles at each up to
	// MaxBackoff (30 s).
	Retries                  int
	FirstBackoff, MaxBackoff time.Duration
	// Timeout bounds one round with the peer in wall time (10 s when zero).
	Timeout time.Duration
	// Transport carries the requests; http.DefaultTransport when nil.
	Transport http.RoundTripper
	// Logger receives what goes wrong; nil discards it.
	Logger *slog.Logger
}

// Engine drives one cloud's interconnections. It implements
// neutron.Interconnector.
type Engine struct {
	cfg    Config
	n      *neutron.Service
	peers  *peers
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	jobs   map[string]*job
	closed bool
}

// job is the work on one interconnection (or on telling the peer of a
// deleted one): at most one run at a time, another queued if asked
// meanwhile.
type job struct {
	running, again bool
	attempts       int // failed attempts to reach the peer in a row
	timer          clock.Timer
	deleted        *neutron.Interconnection
}

// New makes the engine; Start begins its work.
func New(cfg Config) (*Engine, error) {
	if cfg.Neutron == nil {
		return nil, errors.New("interconnect: no Neutron")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 8
	}
	if cfg.FirstBackoff <= 0 {
		cfg.FirstBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{
		cfg: cfg, n: cfg.Neutron, log: log.With("region", cfg.Neutron.Region()), ctx: ctx, cancel: cancel,
		peers: &peers{creds: cfg.Credentials, hc: &http.Client{Transport: cfg.Transport}, m: map[peerKey]*peer{}},
		jobs:  map[string]*job{},
	}, nil
}

// Start looks at every interconnection not torn down again: after a
// restart, what changed on the other side while this cloud was away is
// caught up. The peers of halves deleted before the restart that had not
// been told yet (the notices Neutron stored with the deletes) are told.
func (e *Engine) Start(ctx context.Context) error {
	ics, err := e.n.Interconnections(ctx)
	if err != nil {
		return err
	}
	gone, err := e.n.PendingDeletions(ctx)
	if err != nil {
		return err
	}
	for _, ic := range ics {
		if ic.State != neutron.StateTeardown {
			e.InterconnectionChanged(ic.ID)
		}
	}
	for _, ic := range gone {
		e.InterconnectionDeleted(ic)
	}
	return nil
}

// Close stops the retries and waits for the work under way.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	for _, j := range e.jobs {
		if j.timer != nil {
			j.timer.Stop()
		}
	}
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
}

// InterconnectionChanged is neutron.Interconnector's: a half was created
// or a refresh asked for. A pending retry is replaced by an attempt now.
func (e *Engine) InterconnectionChanged(id string) { e.kick(id, nil, true) }

// InterconnectionDeleted is neutron.Interconnector's: the peer is told,
// so it tears its side down.
func (e *Engine) InterconnectionDeleted(ic neutron.Interconnection) {
	e.kick("deleted/"+ic.ID, &ic, true)
}

func (e *Engine) kick(key string, deleted *neutron.Interconnection, fresh bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	j := e.jobs[key]
	if j == nil {
		j = &job{deleted: deleted}
		e.jobs[key] = j
	}
	if fresh {
		j.attempts = 0
	}
	if j.timer != nil {
		j.timer.Stop()
		j.timer = nil
	}
	if j.running {
		j.again = true
		return
	}
	j.running = true
	e.wg.Add(1)
	go e.run(key, j)
}

// run works on key until nothing more is asked, then schedules a retry
// if the peer could not be reached.
func (e *Engine) run(key string, j *job) {
	defer e.wg.Done()
	for {
		ctx, cancel := context.WithTimeout(e.ctx, e.cfg.Timeout)
		var err error
		if j.deleted != nil {
			err = e.tellDeleted(ctx, j.deleted)
		} else {
			err = e.process(ctx, key)
		}
		cancel()
		e.mu.Lock()
		if j.again && !e.closed {
			j.again = false
			e.mu.Unlock()
			continue
		}
		j.running = false
		var unreach *unreachable
		if err == nil || !errors.As(err, &unreach) || e.closed {
			if err != nil && !e.closed {
				e.log.Warn("interconnection", "id", key, "err", err)
			}
			delete(e.jobs, key)
			e.mu.Unlock()
			return
		}
		j.attempts++
		attempt := j.attempts
		var delay time.Duration
		if attempt <= e.cfg.Retries {
			delay = e.backoff(attempt)
			j.timer = e.cfg.Clock.AfterFunc(delay, func() { e.kick(key, nil, false) })
		} else {
			delete(e.jobs, key)
		}
		e.mu.Unlock()
		if j.deleted != nil {
			// Given up, the notice stays: the next start tries again.
			e.log.Warn("cannot tell the peer of a deleted interconnection", "id", j.deleted.ID, "attempt", attempt,
				"gave_up", attempt > e.cfg.Retries, "err", err)
			return
		}
		reason := fmt.Sprintf("cannot reach region %s: %v; retry %d of %d in %v", unreach.region, unreach.err, attempt, e.cfg.Retries, delay)
		if attempt > e.cfg.Retries {
			reason = fmt.Sprintf("cannot reach region %s: %v; gave up after %d retries: PUT .../interconnections/%s/refresh to try again",
				unreach.region, unreach.err, e.cfg.Retries, key)
		}
		if _, err := e.n.NoteInterconnection(e.ctx, key, "", reason); err != nil && e.ctx.Err() == nil {
			e.log.Warn("interconnection", "id", key, "err", err)
		}
		return
	}
}

// backoff is the wait before retry attempt (1-based).
func (e *Engine) backoff(attempt int) time.Duration {
	d := e.cfg.FirstBackoff
	for i := 1; i < attempt && d < e.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, e.cfg.MaxBackoff)
}

// unreachable is a failure to talk to the peer that a retry may cure.
type unreachable struct {
	region string
	err    error
}

func (u *unreachable) Error() string { return fmt.Sprintf("region %s: %v", u.region, u.err) }

// peerFailure sorts err from talking to region: a permanent answer is
// recorded as the reason, anything else is retried.
func (e *Engine) peerFailure(ctx context.Context, ic neutron.Interconnection, err error) error {
	var p *permanent
	if errors.As(err, &p) {
		_, nerr := e.n.NoteInterconnection(ctx, ic.ID, "", fmt.Sprintf("region %s: %v", ic.RemoteRegion, p.error))
		return nerr
	}
	if gophercloud401(err) {
		e.peers.forget(e.n.InterconnectionKeystone(ic), ic.RemoteRegion)
	}
	return &unreachable{region: ic.RemoteRegion, err: err}
}

// process brings interconnection id in line with its remote half.
func (e *Engine) process(ctx context.Context, id string) error {
	ic, ok, err := e.n.Interconnection(ctx, id)
	if err != nil || !ok || ic.State == neutron.StateTeardown {
		return err
	}
	p, err := e.peers.get(ctx, e.n.InterconnectionKeystone(ic), ic.RemoteRegion)
	if err != nil {
		return e.peerFailure(ctx, ic, err)
	}
	var remote *remoteHalf
	if ic.RemoteInterconnectionID != nil {
		rid := *ic.RemoteInterconnectionID
		remote, err = p.show(ctx, rid)
		switch {
		case isNotFound(err):
			_, err = e.n.TeardownInterconnection(ctx, id, fmt.Sprintf("interconnection %s in region %s was deleted", rid, ic.RemoteRegion))
			return err
		case err != nil:
			return e.peerFailure(ctx, ic, err)
		case remote.State == neutron.StateTeardown:
			_, err = e.n.TeardownInterconnection(ctx, id, fmt.Sprintf("interconnection %s in region %s is torn down", rid, ic.RemoteRegion))
			return err
		}
	} else {
		list, err := p.pointingAt(ctx, ic.RemoteResourceID, ic.LocalResourceID)
		if err != nil {
			return e.peerFailure(ctx, ic, err)
		}
		for i := range list {
			if list[i].RemoteRegion == e.n.Region() && list[i].State != neutron.StateTeardown {
				remote = &list[i]
				break
			}
		}
		if remote == nil {
			_, err = e.n.NoteInterconnection(ctx, id, neutron.StateToValidate, fmt.Sprintf(
				"no interconnection in region %s connects %s back to %s yet; this one is checked again when it is made",
				ic.RemoteRegion, ic.RemoteResourceID, ic.LocalResourceID))
			return err
		}
		if remote.Type != ic.Type {
			_, err = e.n.NoteInterconnection(ctx, id, neutron.StateToValidate, fmt.Sprintf(
				"interconnection %s in region %s is of type %s, this one of type %s", remote.ID, ic.RemoteRegion, remote.Type, ic.Type))
			return err
		}
	}
	after, err := e.n.ApplyRemote(ctx, id, neutron.RemoteHalf{ID: remote.ID, Region: ic.RemoteRegion, RT: rt(remote.LocalParameters)})
	if err != nil {
		return err
	}
	// The remote half hears of a change it has not seen: its refresh
	// reads this half again (and stops there when nothing is new).
	stale := remote.RemoteInterconnectionID == nil || *remote.RemoteInterconnectionID != id ||
		rt(remote.RemoteParameters) != after.LocalRT ||
		(after.State == neutron.StateActive && remote.State != neutron.StateActive)
	if stale && after.LocalRT != "" {
		if err := p.refresh(ctx, remote.ID); err != nil && !isNotFound(err) {
			return e.peerFailure(ctx, ic, err)
		}
	}
	return nil
}

// tellDeleted asks the remote half of deleted ic to refresh, which finds
// ic gone and tears the remote side down; then the notice of ic is
// dropped. A peer that answers it can never be told (no such region, no
// interconnection API) is not asked again.
func (e *Engine) tellDeleted(ctx context.Context, ic *neutron.Interconnection) error {
	var perm *permanent
	p, err := e.peers.get(ctx, e.n.InterconnectionKeystone(*ic), ic.RemoteRegion)
	if errors.As(err, &perm) {
		e.log.Warn("the peer of a deleted interconnection cannot be told", "id", ic.ID, "err", err)
		return e.n.DeletionTold(ctx, ic.ID)
	}
	if err != nil {
		return &unreachable{region: ic.RemoteRegion, err: err}
	}
	var ids []string
	if ic.RemoteInterconnectionID != nil {
		ids = append(ids, *ic.RemoteInterconnectionID)
	} else {
		list, err := p.pointingAt(ctx, ic.RemoteResourceID, ic.LocalResourceID)
		if errors.As(err, &perm) {
			e.log.Warn("the peer of a deleted interconnection cannot be told", "id", ic.ID, "err", err)
			return e.n.DeletionTold(ctx, ic.ID)
		}
		if err != nil {
			return &unreachable{region: ic.RemoteRegion, err: err}
		}
		for _, r := range list {
			if r.RemoteInterconnectionID != nil && *r.RemoteInterconnectionID == ic.ID {
				ids = append(ids, r.ID)
			}
		}
	}
	for _, rid := range ids {
		if err := p.refresh(ctx, rid); err != nil && !isNotFound(err) {
			if gophercloud401(err) {
				e.peers.forget(e.n.InterconnectionKeystone(*ic), ic.RemoteRegion)
			}
			return &unreachable{region: ic.RemoteRegion, err: err}
		}
	}
	return e.n.DeletionTold(ctx, ic.ID)
}
