package neutron

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/store"
)

// state is one region's resources with the indexes writes need, read in
// a transaction, changed by one request and written back when it
// succeeds.
//
// A committed state (the one a Service caches, o == nil) is shared by
// concurrent readers and never changes. A request that changes anything
// works on begin's copy, which shares every container with the committed
// state until it changes it (cow.go), and hands out private copies of
// the resources it reads, so nothing a request does is seen by others
// before it commits, and a request that fails leaves nothing behind.
type state struct {
	region string
	rev    int64 // the region's revision this state is (neutron_revisions)
	o      *txn  // the write this state belongs to; nil once committed
	next   int64 // the next resource's seq
	copies bool  // reads hand out fresh copies of the resources (detached)

	items cowMap[string, *entry] // id -> resource
	lists map[string]*seqList    // kind -> ids in creation order

	// Indexes, kept by reindex from what each resource holds.
	counts     cowMap[kindProject, int] // resources per kind and project
	macs       cowMap[netMAC, string]   // MAC on a network -> port id
	ips        cowMap[string, *ipIndex] // subnet id -> its addresses in use
	netPorts   cowMap[string, *seqList] // network id -> its ports
	netSubnets cowMap[string, *seqList] // network id -> its subnets
	devices    cowMap[string, *seqList] // device_id -> its ports

	dirty   map[string]bool   // ids to write
	removed map[string]string // id -> kind, to delete
}

// entry is a resource with what the state keeps about it.
type entry struct {
	kind  string
	seq   int64
	r     resource
	owner *txn   // the write r is a private copy of
	ix    ixKeys // what r was indexed under
}

// ixKeys are the index keys of a resource.
type ixKeys struct {
	project string
	network string    // a port's or a subnet's network
	mac     string    // a port's
	device  string    // a port's device_id
	ips     []FixedIP // a port's (never changed in place)
}

type kindProject struct{ kind, project string }

type netMAC struct{ network, mac string }

// ipIndex is the addresses in use on a subnet and where to start looking
// for a free one.
type ipIndex struct {
	owner *txn
	used  cowMap[uint32, string] // address -> port id
	// cursor: every address of the subnet's pools below it is in use (0:
	// not known). Allocation scans from it, so allocating the next
	// address costs no scan of the ports before it.
	cursor uint32
}

// newState is an empty state, open for writing.
func newState(region string) *state {
	return &state{region: region, o: &txn{}, next: 1, lists: map[string]*seqList{},
		dirty: map[string]bool{}, removed: map[string]string{}}
}

// begin is a copy of committed state s for one write to change. It costs
// the same whatever the region's size.
func (s *state) begin() *state {
	w := *s
	w.o = &txn{}
	w.lists = maps.Clone(s.lists)
	w.dirty = map[string]bool{}
	w.removed = map[string]string{}
	return &w
}

// detached is committed state s handing out a fresh copy of a resource
// at each read, for a caller to keep: it changes nothing, so it costs no
// copy of any container.
func (s *state) detached() *state {
	d := *s
	d.copies = true
	return &d
}

// freeze ends w's write: w becomes a committed state, shared and never
// changed again.
func (s *state) freeze() {
	s.o = nil
	clear(s.dirty)
	clear(s.removed)
}

// entryOf is id's entry, writable by this state's write when it has one
// (its resource then a private copy).
func (s *state) entryOf(id string) *entry {
	e, ok := s.items.get(id)
	if !ok {
		return nil
	}
	if s.copies {
		c := *e
		c.r = cloneResource(e.r)
		return &c
	}
	if s.o == nil || e.owner == s.o {
		return e
	}
	c := *e
	c.r = cloneResource(e.r)
	c.owner = s.o
	s.items.set(s.o, id, &c)
	return &c
}

// resource is the resource with id, nil when there is none.
func (s *state) resource(id string) resource {
	if e := s.entryOf(id); e != nil {
		return e.r
	}
	return nil
}

// kindOf is the kind of the resource with id ("" when there is none).
func (s *state) kindOf(id string) string {
	e, _ := s.items.get(id)
	if e == nil {
		return ""
	}
	return e.kind
}

// list is the resources of kind in creation order.
func (s *state) list(kind string) []resource {
	return s.listOf(s.lists[kind])
}

func (s *state) listOf(l *seqList) []resource {
	if l.len() == 0 {
		return nil
	}
	out := make([]resource, 0, l.len())
	l.each(func(id string) bool {
		if r := s.resource(id); r != nil {
			out = append(out, r)
		}
		return true
	})
	return out
}

// kindLen is how many resources of kind the region has.
func (s *state) kindLen(kind string) int { return s.lists[kind].len() }

// projectCount is how many resources of kind project has.
func (s *state) projectCount(kind, project string) int {
	n, _ := s.counts.get(kindProject{kind, project})
	return n
}

// add stores a new resource.
func (s *state) add(kind string, r resource) {
	id := r.base().ID
	e := &entry{kind: kind, seq: s.next, r: r, owner: s.o}
	s.next++
	s.insert(id, e)
	s.dirty[id] = true
	delete(s.removed, id)
}

// insert puts e in the containers and indexes.
func (s *state) insert(id string, e *entry) {
	if old, ok := s.items.get(id); ok { // an id reused: the old one goes
		s.unindex(id, old)
		s.ownList(old.kind).drop(s.o, old.seq)
	}
	s.items.set(s.o, id, e)
	s.ownList(e.kind).put(s.o, e.seq, id)
	e.ix = ixKeys{}
	s.index(id, e)
}

func (s *state) ownList(kind string) *seqList {
	l := s.lists[kind].own(s.o)
	s.lists[kind] = l
	return l
}

// touch marks r as changed, bumping its revision and update time.
func (s *state) touch(r resource, now string) {
	c := r.base()
	c.RevisionNumber++
	c.UpdatedAt = now
	s.mark(r)
}

// mark records that r changed without bumping its revision (resources
// without standard attributes, or a change Neutron does not count).
func (s *state) mark(r resource) {
	id := r.base().ID
	s.dirty[id] = true
	s.reindex(id)
}

func (s *state) remove(id string) {
	e, ok := s.items.get(id)
	if !ok {
		return
	}
	s.removed[id] = e.kind
	s.unindex(id, e)
	s.items.del(s.o, id)
	s.ownList(e.kind).drop(s.o, e.seq)
	delete(s.dirty, id)
	// Foreign keys with ON DELETE CASCADE in Neutron's database.
	s.dropBGPVPNAssociationsOf(id, e.kind)
}

func (s *state) changed() bool { return len(s.dirty) > 0 || len(s.removed) > 0 }

// reindex brings the indexes up to date with what id's resource holds
// now; every resource a write marked is reindexed before it commits.
func (s *state) reindex(id string) {
	e := s.entryOf(id)
	if e == nil {
		return
	}
	if ix, ok := s.ips.get(id); ok && e.kind == kindSubnet && ix.cursor != 0 {
		// Its pools may have changed: look from their start again.
		s.ownIPs(id).cursor = 0
	}
	keys := keysOf(e)
	if keysEqual(keys, e.ix) {
		return
	}
	s.unindex(id, e)
	s.index(id, e)
}

func keysOf(e *entry) ixKeys {
	k := ixKeys{project: e.r.base().ProjectID}
	switch r := e.r.(type) {
	case *Port:
		k.network, k.mac, k.device = r.NetworkID, r.MACAddress, r.DeviceID
		k.ips = slices.Clone(r.FixedIPs)
	case *Subnet:
		k.network = r.NetworkID
	}
	return k
}

func keysEqual(a, b ixKeys) bool {
	return a.project == b.project && a.network == b.network && a.mac == b.mac && a.device == b.device && slices.Equal(a.ips, b.ips)
}

// index adds e's current keys to the indexes and records them in e,
// which must be writable.
func (s *state) index(id string, e *entry) {
	k := keysOf(e)
	e.ix = k
	kp := kindProject{e.kind, k.project}
	n, _ := s.counts.get(kp)
	s.counts.set(s.o, kp, n+1)
	switch e.kind {
	case kindPort:
		s.addToList(&s.netPorts, k.network, e.seq, id)
		if k.device != "" {
			s.addToList(&s.devices, k.device, e.seq, id)
		}
		if k.mac != "" {
			s.macs.set(s.o, netMAC{k.network, k.mac}, id)
		}
		for _, f := range k.ips {
			if a, err := netip.ParseAddr(f.IPAddress); err == nil && a.Is4() {
				ix := s.ownIPs(f.SubnetID)
				ix.used.set(s.o, u32(a), id)
			}
		}
	case kindSubnet:
		s.addToList(&s.netSubnets, k.network, e.seq, id)
	}
}

// unindex removes what e was indexed under (e is not changed: it may
// be a committed state's).
func (s *state) unindex(id string, e *entry) {
	k := e.ix
	kp := kindProject{e.kind, k.project}
	if n, _ := s.counts.get(kp); n > 1 {
		s.counts.set(s.o, kp, n-1)
	} else {
		s.counts.del(s.o, kp)
	}
	switch e.kind {
	case kindPort:
		s.dropFromList(&s.netPorts, k.network, e.seq)
		if k.device != "" {
			s.dropFromList(&s.devices, k.device, e.seq)
		}
		if holder, _ := s.macs.get(netMAC{k.network, k.mac}); holder == id {
			s.macs.del(s.o, netMAC{k.network, k.mac})
		}
		for _, f := range k.ips {
			a, err := netip.ParseAddr(f.IPAddress)
			if err != nil || !a.Is4() {
				continue
			}
			if holder, _ := s.ipHolder(f.SubnetID, a); holder != id {
				continue
			}
			ix := s.ownIPs(f.SubnetID)
			ix.used.del(s.o, u32(a))
			if u32(a) < ix.cursor {
				ix.cursor = u32(a)
			}
		}
	case kindSubnet:
		s.dropFromList(&s.netSubnets, k.network, e.seq)
	}
}

func (s *state) addToList(m *cowMap[string, *seqList], key string, seq int64, id string) {
	l, _ := m.get(key)
	o := l.own(s.o)
	o.put(s.o, seq, id)
	if o != l {
		m.set(s.o, key, o)
	}
}

func (s *state) dropFromList(m *cowMap[string, *seqList], key string, seq int64) {
	l, ok := m.get(key)
	if !ok {
		return
	}
	o := l.own(s.o)
	o.drop(s.o, seq)
	if o.len() == 0 {
		m.del(s.o, key)
	} else if o != l {
		m.set(s.o, key, o)
	}
}

// ownIPs is subnet's address index, writable by this state's write.
func (s *state) ownIPs(subnetID string) *ipIndex {
	ix, ok := s.ips.get(subnetID)
	if ok && ix.owner == s.o {
		return ix
	}
	c := &ipIndex{owner: s.o}
	if ok {
		c.used, c.cursor = ix.used, ix.cursor
	}
	s.ips.set(s.o, subnetID, c)
	return c
}

// ipHolder is the port holding address a on the subnet.
func (s *state) ipHolder(subnetID string, a netip.Addr) (string, bool) {
	ix, ok := s.ips.get(subnetID)
	if !ok || !a.Is4() {
		return "", false
	}
	return ix.used.get(u32(a))
}

// macHolder is the port with mac on the network.
func (s *state) macHolder(networkID, mac string) (string, bool) {
	return s.macs.get(netMAC{networkID, mac})
}

// prepared is query on q (a transaction or st's database), prepared once
// per connection: SQLite's parse of these small statements costs more
// than running them.
func prepared(ctx context.Context, st *store.Store, q querier, query string) (*sql.Stmt, error) {
	stmt, err := st.Stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if tx, ok := q.(*sql.Tx); ok {
		return tx.StmtContext(ctx, stmt), nil
	}
	return stmt, nil
}

// readRevision is region's revision: the number of transactions that
// changed its resources (0 before the first).
func readRevision(ctx context.Context, st *store.Store, q querier, region string) (int64, error) {
	stmt, err := prepared(ctx, st, q, `SELECT revision FROM neutron_revisions WHERE region = ?`)
	if err != nil {
		return 0, fmt.Errorf("neutron: read revision: %w", err)
	}
	var rev int64
	err = stmt.QueryRowContext(ctx, region).Scan(&rev)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("neutron: read revision: %w", err)
	}
	return rev, nil
}

// loadState reads every resource of region, as a committed state.
func loadState(ctx context.Context, q querier, region string) (*state, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, id, seq, body FROM neutron_resources WHERE region = ? ORDER BY seq`, region)
	if err != nil {
		return nil, fmt.Errorf("neutron: read state: %w", err)
	}
	defer rows.Close()
	s := newState(region)
	for rows.Next() {
		var kind, id, body string
		var seq int64
		if err := rows.Scan(&kind, &id, &seq, &body); err != nil {
			return nil, fmt.Errorf("neutron: read state: %w", err)
		}
		r := newOfKind(kind)
		if r == nil {
			return nil, fmt.Errorf("neutron: read state: unknown kind %q of %s", kind, id)
		}
		if err := json.Unmarshal([]byte(body), r); err != nil {
			return nil, fmt.Errorf("neutron: read %s %s: %w", kind, id, err)
		}
		s.insert(id, &entry{kind: kind, seq: seq, r: r, owner: s.o})
		s.next = max(s.next, seq+1)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("neutron: read state: %w", err)
	}
	s.freeze()
	return s, nil
}

// save writes what changed and, when something did, bumps the region's
// revision (s.rev becomes the new one).
func (s *state) save(ctx context.Context, st *store.Store, tx *sql.Tx) error {
	if !s.changed() {
		return nil
	}
	bump, err := prepared(ctx, st, tx, `INSERT INTO neutron_revisions (region, revision) VALUES (?, 1)
		ON CONFLICT (region) DO UPDATE SET revision = revision + 1 RETURNING revision`)
	if err != nil {
		return fmt.Errorf("neutron: write revision: %w", err)
	}
	if err := bump.QueryRowContext(ctx, s.region).Scan(&s.rev); err != nil {
		return fmt.Errorf("neutron: write revision: %w", err)
	}
	del, err := prepared(ctx, st, tx, `DELETE FROM neutron_resources WHERE region = ? AND kind = ? AND id = ?`)
	if err != nil {
		return fmt.Errorf("neutron: delete: %w", err)
	}
	put, err := prepared(ctx, st, tx, `INSERT INTO neutron_resources (region, kind, id, seq, project_id, body) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (region, kind, id) DO UPDATE SET body = excluded.body, project_id = excluded.project_id`)
	if err != nil {
		return fmt.Errorf("neutron: write: %w", err)
	}
	for id, kind := range s.removed {
		if _, err := del.ExecContext(ctx, s.region, kind, id); err != nil {
			return fmt.Errorf("neutron: delete %s %s: %w", kind, id, err)
		}
	}
	var dirty []*entry
	ids := map[*entry]string{}
	for id := range s.dirty {
		if e, ok := s.items.get(id); ok {
			dirty = append(dirty, e)
			ids[e] = id
		}
	}
	slices.SortFunc(dirty, func(a, b *entry) int { return int(a.seq - b.seq) })
	for _, e := range dirty {
		id := ids[e]
		b, err := json.Marshal(e.r)
		if err != nil {
			return fmt.Errorf("neutron: encode %s: %w", id, err)
		}
		if _, err := put.ExecContext(ctx, s.region, e.kind, id, e.seq, e.r.base().ProjectID, string(b)); err != nil {
			return fmt.Errorf("neutron: write %s %s: %w", e.kind, id, err)
		}
	}
	return nil
}

// reindexDirty brings the indexes up to date with every resource the
// write marked, in case it changed one after marking it.
func (s *state) reindexDirty() {
	for id := range s.dirty {
		s.reindex(id)
	}
}

// all returns the resources of kind in creation order.
func all[T resource](s *state, kind string) []T {
	rs := s.list(kind)
	if len(rs) == 0 {
		return nil
	}
	out := make([]T, len(rs))
	for i, r := range rs {
		out[i] = r.(T)
	}
	return out
}

func get[T resource](s *state, id string) T {
	t, _ := s.resource(id).(T)
	return t
}

// subnetsOf lists a network's subnets in creation order.
func (s *state) subnetsOf(networkID string) []*Subnet {
	l, _ := s.netSubnets.get(networkID)
	var out []*Subnet
	for _, r := range s.listOf(l) {
		out = append(out, r.(*Subnet))
	}
	return out
}

// portsOf lists a network's ports in creation order.
func (s *state) portsOf(networkID string) []*Port {
	l, _ := s.netPorts.get(networkID)
	var out []*Port
	for _, r := range s.listOf(l) {
		out = append(out, r.(*Port))
	}
	return out
}

// routerPorts lists the ports a router owns (interfaces and gateway) in
// creation order.
func (s *state) routerPorts(routerID string) []*Port {
	l, _ := s.devices.get(routerID)
	var out []*Port
	for _, r := range s.listOf(l) {
		if p := r.(*Port); p.DeviceOwner == ownerRouterInterface || p.DeviceOwner == ownerRouterGateway {
			out = append(out, p)
		}
	}
	return out
}
