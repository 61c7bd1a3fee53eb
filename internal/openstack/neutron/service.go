package neutron

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/store"
)

const component = "neutron"

// TokenValidator checks an X-Auth-Token; *keystone.Service is one.
type TokenValidator interface {
	Validate(ctx context.Context, token string) (keystone.Identity, error)
}

// Config describes one cloud's Neutron.
type Config struct {
	// Region is the cloud's name (its Keystone region). Required.
	Region string
	// PhysicalMTU is Neutron's global_physnet_mtu; 1500 when zero.
	// VXLAN networks get 50 bytes less.
	PhysicalMTU int
	// PhysicalNetworks are the physnets admins may put flat and VLAN
	// provider networks on; ["physnet1"] when empty.
	PhysicalNetworks []string
	// VNIMin and VNIMax bound the VXLAN ids (ml2_type_vxlan vni_ranges)
	// allocated to self-service networks; 1 and 1000 when zero.
	VNIMin, VNIMax int
	// AuthURI is the Keystone URL a 401 names in WWW-Authenticate
	// (keystonemiddleware's www_authenticate_uri); the scheme and host the
	// request came to when empty.
	AuthURI string
	// Now stamps created_at and updated_at; time.Now when nil.
	Now func() time.Time
	// Logger receives request failures; nil discards them.
	Logger *slog.Logger
	// DRAgentHosts are the hosts of the region's BGP dynamic routing
	// agents (neutron-bgp-dragent), each hosting at most one BGP speaker;
	// [REGION-network] (the region's network node) when empty. An agent
	// is registered for each at start.
	DRAgentHosts []string
	// DNSDomain is neutron.conf's dns_domain, the domain of the FQDNs in
	// ports' dns_assignment; "openstacklocal." when empty. Only another
	// domain makes a port's dns_name its hostname, as in Neutron.
	DNSDomain string
	// OnChange, when set, is called after every committed change to the
	// region's resources, outside the transaction, from the request's
	// goroutine. Read the new state with Snapshot.
	OnChange func()
}

// Service is one region's Neutron. All its state is in the store; it is
// safe for concurrent use.
type Service struct {
	st     *store.Store
	ks     TokenValidator
	cfg    Config
	log    *slog.Logger
	physet map[string]bool

	handlerOnce sync.Once
	handler     http.Handler // Handler's, built once

	// mu guards cache: the region's state as last read or committed, with
	// its revision. Readers share it and never change it; a request that
	// changes something works on a clone and, once committed, caches
	// that. Every use first reads the revision from the store, so a
	// change committed by anyone else (another Service on the same
	// store) is seen as before.
	mu    sync.Mutex
	cache *state

	// grouped is the uncommitted state of the group commit running, if
	// any (commit); used only by the store's writer lock holder.
	grouped groupedState

	// quotas keeps the limits admins set, per project (quotas.go).
	quotas quotaCache

	// inter is what interconnections need from outside (interconnection.go).
	inter atomic.Pointer[interWiring]
}

// New applies Neutron's migrations to st (shared by every region) and
// returns region cfg.Region's service.
func New(ctx context.Context, st *store.Store, ks TokenValidator, cfg Config) (*Service, error) {
	if cfg.Region == "" {
		return nil, errors.New("neutron: no region")
	}
	if ks == nil {
		return nil, errors.New("neutron: no token validator")
	}
	if err := st.Migrate(ctx, component, migrations()); err != nil {
		return nil, fmt.Errorf("neutron: %w", err)
	}
	if cfg.PhysicalMTU <= 0 {
		cfg.PhysicalMTU = 1500
	}
	if cfg.DNSDomain == "" {
		cfg.DNSDomain = defaultDNSDomain
	}
	if len(cfg.PhysicalNetworks) == 0 {
		cfg.PhysicalNetworks = []string{"physnet1"}
	}
	if cfg.VNIMin <= 0 {
		cfg.VNIMin = 1
	}
	if cfg.VNIMax <= 0 {
		cfg.VNIMax = 1000
	}
	if cfg.VNIMax < cfg.VNIMin {
		return nil, fmt.Errorf("neutron: VXLAN range %d-%d is empty", cfg.VNIMin, cfg.VNIMax)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{st: st, ks: ks, cfg: cfg, log: log.With("region", cfg.Region), physet: map[string]bool{}}
	for _, p := range cfg.PhysicalNetworks {
		s.physet[p] = true
	}
	// The region's agents report in.
	if _, err := s.commit(ctx, func(rs *state) error { s.ensureAgents(rs); return nil }); err != nil {
		return nil, fmt.Errorf("neutron: register agents: %w", err)
	}
	return s, nil
}

// Region is the region the service serves.
func (s *Service) Region() string { return s.cfg.Region }

// migrations create the one table every region shares. Each resource is a
// row keyed by (region, kind, id) whose body is the resource's JSON in
// Neutron's wire format; seq keeps creation order. Relations between
// resources (a port's network, an address's subnet) are checked by the
// service inside the request's transaction, which the store begins
// IMMEDIATE, so requests are serialized and every check sees the state
// it changes.
func migrations() []store.Migration {
	return []store.Migration{
		{Version: 1, Name: "neutron resources", Up: store.SQL(
			`CREATE TABLE neutron_resources (
				region     TEXT    NOT NULL,
				kind       TEXT    NOT NULL,
				id         TEXT    NOT NULL,
				seq        INTEGER NOT NULL,
				project_id TEXT    NOT NULL,
				body       TEXT    NOT NULL,
				PRIMARY KEY (region, kind, id)
			)`,
			`CREATE UNIQUE INDEX neutron_resources_seq ON neutron_resources (region, seq)`,
		)},
		// Each region's revision, bumped by every transaction that changes
		// its resources, lets a Service keep the decoded state between
		// requests and know when it is stale.
		{Version: 2, Name: "neutron revisions", Up: store.SQL(
			`CREATE TABLE neutron_revisions (
				region   TEXT    NOT NULL PRIMARY KEY,
				revision INTEGER NOT NULL
			)`,
		)},
		quotaMigration(),
	}
}

// read is the region's last committed state, for a request that changes
// nothing. It is shared: the caller must not change it.
func (s *Service) read(ctx context.Context) (*state, error) {
	return s.current(ctx, s.st.DB())
}

// current is the region's state as q sees it: the cached one when the
// store's revision is the cache's, else loaded from q (and cached). The
// revision is read before the resources, so a state is never cached
// under a revision newer than itself.
func (s *Service) current(ctx context.Context, q querier) (*state, error) {
	rev, err := readRevision(ctx, s.st, q, s.cfg.Region)
	if err != nil {
		return nil, err
	}
	return s.stateAt(ctx, q, rev)
}

// stateAt is the region's state at revision rev as q sees it: the cached
// one when it is rev's, else loaded from q (and cached).
func (s *Service) stateAt(ctx context.Context, q querier, rev int64) (*state, error) {
	s.mu.Lock()
	c := s.cache
	s.mu.Unlock()
	if c != nil && c.rev == rev {
		return c, nil
	}
	st, err := loadState(ctx, q, s.cfg.Region)
	if err != nil {
		return nil, err
	}
	st.rev = rev
	s.remember(st)
	return st, nil
}

// remember caches st unless a newer revision is cached already.
func (s *Service) remember(st *state) {
	s.mu.Lock()
	if s.cache == nil || st.rev >= s.cache.rev {
		s.cache = st
	}
	s.mu.Unlock()
}

// update runs fn on the region's state in one transaction and writes
// what fn changed before returning. An error from fn rolls everything
// back. OnChange runs after a commit that changed something.
func (s *Service) update(ctx context.Context, fn func(*state) error) error {
	changed, err := s.commit(ctx, fn)
	if err == nil && changed && s.cfg.OnChange != nil {
		s.cfg.OnChange()
	}
	return err
}

// commit is update without OnChange; it reports whether fn changed
// anything.
//
// Concurrent writes are committed in groups (store.GroupTx): each runs
// on the state the write before it in the group left, and is answered
// only once the group's transaction is committed.
func (s *Service) commit(ctx context.Context, fn func(*state) error) (bool, error) {
	var st *state
	changed := false
	err := s.st.GroupTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.groupCurrent(ctx, tx)
		if err != nil {
			return err
		}
		st = cur.begin()
		if err := fn(st); err != nil {
			return err
		}
		st.reindexDirty()
		changed = st.changed()
		if err := st.save(ctx, s.st, tx); err != nil {
			return err
		}
		if changed {
			// The next write of the group starts from st, as it would
			// had st committed; nothing changes st after this.
			st.freeze()
			s.grouped = groupedState{tx: tx, st: st}
		}
		return nil
	}, func() {
		// Committed: st is the region's state at its new revision, cached
		// before the store's next write begins, so that write finds it.
		if changed {
			s.remember(st)
		}
	})
	if err != nil {
		return false, err
	}
	return changed, nil
}

// groupedState is the state the last successful write of a group left,
// not yet committed, with the group's transaction.
type groupedState struct {
	tx *sql.Tx
	st *state
}

// groupCurrent is the region's state as transaction tx sees it: the
// state an earlier write of tx's group left (uncommitted, not cached)
// when tx's revision is that state's, else as current finds it. Only the
// writer lock's holder calls it.
func (s *Service) groupCurrent(ctx context.Context, tx *sql.Tx) (*state, error) {
	rev, err := readRevision(ctx, s.st, tx, s.cfg.Region)
	if err != nil {
		return nil, err
	}
	if g := s.grouped; g.tx == tx && g.st.rev == rev {
		return g.st, nil
	}
	s.grouped = groupedState{}
	return s.stateAt(ctx, tx, rev)
}

// State is a copy of a region's resources, for the lab to observe.
// Routers' GatewayInfo.ExternalFixedIPs hold the gateway addresses.
type State struct {
	Networks      []Network
	Subnets       []Subnet
	Ports         []Port
	Routers       []Router
	FloatingIPs   []FloatingIP
	SubnetPools   []SubnetPool
	AddressScopes []AddressScope
	// BGPSpeakers are the speakers with what the lab needs to run them.
	BGPSpeakers []BGPSpeakerState
	// BGPPeers are all the peers, passwords included.
	BGPPeers []BGPPeer
	// Agents are the BGP dynamic routing agents; Agent.BGPSpeakers are
	// the ids of the speakers each hosts.
	Agents []Agent
	// SecurityGroups are the groups with their rules; AddressGroups the
	// address groups rules may name.
	SecurityGroups     []SecurityGroup
	SecurityGroupRules []SecurityGroupRule
	AddressGroups      []AddressGroup
	// BGPVPNs and their associations (bgpvpn.go), each in creation order.
	BGPVPNs                   []BGPVPN
	BGPVPNNetworkAssociations []BGPVPNNetworkAssociation
	BGPVPNRouterAssociations  []BGPVPNRouterAssociation
	BGPVPNPortAssociations    []BGPVPNPortAssociation
}

// BGPSpeakerState is a BGP speaker as the lab runs it: the speaker
// (BGPSpeaker.Peers and .Networks are ids), its peers resolved in that
// order (passwords included, for md5), the routes it advertises now and
// the agents hosting it (none while unscheduled).
type BGPSpeakerState struct {
	BGPSpeaker
	BGPPeers         []BGPPeer
	AdvertisedRoutes []AdvertisedRoute
	AgentIDs         []string
	AgentHosts       []string
}

// Snapshot returns the region's resources, each kind in creation order.
// They are the caller's: nothing in them is shared with the service.
func (s *Service) Snapshot(ctx context.Context) (State, error) {
	cur, err := s.read(ctx)
	if err != nil {
		return State{}, err
	}
	st := cur.detached()
	var out State
	for _, x := range st.networks() {
		out.Networks = append(out.Networks, *x)
	}
	for _, x := range st.subnets() {
		out.Subnets = append(out.Subnets, *x)
	}
	for _, x := range st.ports() {
		out.Ports = append(out.Ports, *x)
	}
	for _, x := range st.routers() {
		out.Routers = append(out.Routers, *x)
	}
	for _, x := range st.floatingIPs() {
		out.FloatingIPs = append(out.FloatingIPs, *x)
	}
	for _, x := range st.subnetPools() {
		out.SubnetPools = append(out.SubnetPools, *x)
	}
	for _, x := range st.addressScopes() {
		out.AddressScopes = append(out.AddressScopes, *x)
	}
	for _, x := range st.bgpSpeakers() {
		ss := BGPSpeakerState{BGPSpeaker: *x, AdvertisedRoutes: st.advertisedRoutes(x)}
		for _, id := range x.Peers {
			if p := st.bgpPeer(id); p != nil {
				ss.BGPPeers = append(ss.BGPPeers, *p)
			}
		}
		for _, a := range st.hosting(x.ID) {
			ss.AgentIDs = append(ss.AgentIDs, a.ID)
			ss.AgentHosts = append(ss.AgentHosts, a.Host)
		}
		out.BGPSpeakers = append(out.BGPSpeakers, ss)
	}
	for _, x := range st.bgpPeers() {
		out.BGPPeers = append(out.BGPPeers, *x)
	}
	for _, x := range st.agents() {
		out.Agents = append(out.Agents, *x)
	}
	for _, x := range st.securityGroups() {
		out.SecurityGroups = append(out.SecurityGroups, *x)
	}
	for _, x := range st.securityGroupRules() {
		out.SecurityGroupRules = append(out.SecurityGroupRules, *x)
	}
	for _, x := range st.addressGroups() {
		out.AddressGroups = append(out.AddressGroups, *x)
	}
	st.snapshotBGPVPNs(&out)
	return out, nil
}

// now is the time stamp of a change, as Neutron formats it.
func (s *Service) now() string { return s.cfg.Now().UTC().Format("2006-01-02T15:04:05Z") }

// newUUID makes a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
