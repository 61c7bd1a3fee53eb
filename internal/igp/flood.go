package igp

import (
	"slices"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// sweepInterval is how often the database is aged: LSAs past MaxAge and
// flushed ones past flushHold are removed, and self LSAs refreshed.
const (
	sweepInterval = time.Minute
	flushHold     = time.Minute
)

// dbFor returns the database an LSA belongs in on an interface of area a.
func (in *Instance) dbFor(a *area, t LSAType) map[key]*LSA {
	if t.asScope() {
		return in.external
	}
	return a.db
}

// lookup returns our instance of the LSA l identifies.
func (in *Instance) lookup(a *area, l *LSA) *LSA {
	return in.dbFor(a, l.Type)[l.key()]
}

func (n *neighbor) queue(l *LSA) {
	n.outbox = append(n.outbox, l)
	n.ifc.in.scheduleFlush()
}

// flood sends l to every neighbour of its scope (area a, or all areas for
// AS-scope LSAs) in Exchange or later, except the one it came from.
func (in *Instance) flood(a *area, l *LSA, from *neighbor) {
	for _, ifc := range in.ifaces {
		n := ifc.nbr
		if n == nil || n == from || n.state < StateExchange {
			continue
		}
		if !l.Type.asScope() && ifc.area != a || l.Type.asScope() && ifc.area.nssa {
			continue // AS-external LSAs stay out of NSSAs
		}
		n.queue(l)
	}
}

// scheduleFlush batches LSAs queued in one instant into one LSUpdate per
// neighbour, as OSPF's flooding pacing does.
func (in *Instance) scheduleFlush() {
	if in.flushPending {
		return
	}
	in.flushPending = true
	in.env.AfterFunc(0, in.flush)
}

func (in *Instance) flush() {
	in.flushPending = false
	for _, ifc := range in.ifaces {
		n := ifc.nbr
		if n == nil || len(n.outbox) == 0 {
			continue
		}
		in.env.SendControl(ifc.name, router.ProtoOSPF, &LSUpdate{RouterID: in.rid, LSAs: n.outbox})
		n.outbox = nil
	}
}

// lsUpdate installs what is newer than our copies and floods it on (RFC
// 2328 13, without acknowledgements: delivery is reliable).
func (ifc *iface) lsUpdate(u *LSUpdate) {
	n := ifc.nbr
	if n == nil || n.rid != u.RouterID || n.state < StateExchange {
		return
	}
	in := ifc.in
	changed := false
	for _, l := range u.LSAs {
		k := l.key()
		if !ifc.area.accepts(l.Type) {
			delete(n.want, k)
			continue
		}
		db := in.dbFor(ifc.area, l.Type)
		cur := db[k]
		switch {
		case cur == nil || newer(l, cur):
			in.install(ifc.area, l)
			in.flood(ifc.area, l, n)
			changed = true
			if l.AdvRouter == in.rid {
				// An old instance of our own came back (we restarted or it
				// was flushed while we were cut off): originate past it.
				in.scheduleOriginate()
			}
		case newer(cur, l):
			// The neighbour is behind: send it ours.
			n.queue(cur)
		}
		delete(n.want, k)
	}
	if n.state == StateLoading && len(n.want) == 0 {
		ifc.full()
	}
	if changed {
		in.scheduleSPF()
	}
}

// accepts reports whether LSAs of type t belong in area a: no type 5s in
// an NSSA, no type 7s outside one (RFC 3101 2.4).
func (a *area) accepts(t LSAType) bool {
	switch t {
	case TypeExternal:
		return !a.nssa
	case TypeNSSA:
		return a.nssa
	}
	return true
}

// install puts l into its database, noting our own.
func (in *Instance) install(a *area, l *LSA) {
	k := l.key()
	if l.Type.asScope() {
		in.external[k] = l
		if l.AdvRouter == in.rid {
			in.selfExt[k] = true
		}
		return
	}
	a.db[k] = l
	if l.Type == TypeRouter {
		a.routers[k.adv] = l
	}
	if l.AdvRouter == in.rid {
		a.self[k] = true
	}
}

// sweep ages the databases.
func (in *Instance) sweep() {
	now := in.env.Now()
	changed := false
	age := func(db map[key]*LSA, self map[key]bool, routers map[uint32]*LSA) {
		remove := func(k key) {
			delete(db, k)
			if k.typ == TypeRouter && routers != nil {
				delete(routers, k.adv)
			}
		}
		for k, l := range db {
			switch {
			case l.Flushed && now.Sub(l.Born) >= flushHold:
				remove(k)
				delete(self, k)
			case !l.Flushed && now.Sub(l.Born) >= MaxAge && !self[k]:
				remove(k)
				changed = true
			case self[k] && now.Sub(l.Born) >= in.cfg.Timers.Refresh:
				in.scheduleOriginate()
			}
		}
	}
	for _, a := range in.areas {
		age(a.db, a.self, a.routers)
	}
	age(in.external, in.selfExt, nil)
	if changed {
		in.scheduleSPF()
	}
	in.env.AfterFunc(sweepInterval, in.sweep)
}

func compareKey(a, b key) int {
	switch {
	case a.typ != b.typ:
		return int(a.typ) - int(b.typ)
	case a.id != b.id:
		if a.id < b.id {
			return -1
		}
		return 1
	case a.bits != b.bits:
		return int(a.bits) - int(b.bits)
	case a.adv != b.adv:
		if a.adv < b.adv {
			return -1
		}
		return 1
	}
	return 0
}

func sortLSAs(ls []*LSA) {
	slices.SortFunc(ls, func(a, b *LSA) int { return compareKey(a.key(), b.key()) })
}
