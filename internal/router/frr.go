package router

import (
	"net/netip"
	"slices"
)

// Fast reroute in the RIB manager. A protocol offers each nexthop with a
// precomputed backup (Nexthop.Backup, LSPNexthop.Backup). The FIB and LFIB
// carry it beside the primary, and two things switch to it when the
// primary's port loses carrier: the data path at once (it reads the port's
// carrier bit per frame), and the recomputation that carrier() starts,
// which installs the backup in place of the dead primary until the
// protocol's own reconvergence replaces both.

// backupOf resolves a protocol's backup nexthop to an interface; nil when
// there is none or its interface is unknown. Its labels are filled later.
func (m *ribManager) backupOf(b *Nexthop, slab *frrSlab) *ribNexthop {
	if b == nil || b.Iface == "" {
		return nil
	}
	ifc := m.r.byNameLocked(b.Iface)
	if ifc == nil {
		return nil
	}
	nh := ownNexthop(b.Addr, ifc, b.Labels)
	if b.Remote.IsValid() {
		pq := b.Remote
		nh.pq = &pq
	}
	return slab.ribNH(nh)
}

// addRepair adds a repair path standing in for a dead primary, unless an
// equal-cost member already goes that way (ECMP members protect each other).
func addRepair(nhs []ribNexthop, b ribNexthop) []ribNexthop {
	for _, nh := range nhs {
		if nh.gw == b.gw && nh.ifc == b.ifc {
			return nhs
		}
	}
	return append(nhs, b)
}

// backupStack is what a backup towards gw pushes for prefix p: the
// transport labels LDP or SR give it in the default VRF (for a remote
// LFA, the tunnel to its PQ node, then the PQ node's label), then its own.
func (s *frrSlab) backupStack(fec map[fecKey]uint32, push map[fecKey][]uint32, vrf int, p netip.Prefix, gw netip.Addr, own []uint32) []uint32 {
	k := newFECKey(p, gw)
	l, ok := fec[k]
	ok = ok && vrf == 0 && gw.IsValid()
	var tunnel []uint32
	if ok {
		tunnel = push[k]
	}
	ok = ok && l != LabelImplicitNull
	if !ok && len(own) == 0 && len(tunnel) == 0 {
		return nil
	}
	out := s.labels(len(tunnel) + 1 + len(own))
	out = append(out, tunnel...)
	if ok {
		out = append(out, l)
	}
	return append(out, own...)
}

// frrSlab hands out one table computation's label stacks from shared
// chunks: a table has one per route, and an allocation each cost a
// 1,000-router bring-up many more allocations.
type frrSlab struct {
	chunk int // entries per chunk; 0 is slabChunk
	lab   []uint32
}

const slabChunk = 256

func (s *frrSlab) size() int {
	if s.chunk > 0 {
		return s.chunk
	}
	return slabChunk
}

// ribNH allocates a backup on its own: from shared chunks, a backup
// outliving its neighbours kept a whole chunk alive, and as a lab
// converged prefix by prefix, chunks held 2.5 times the backups in use
// (a 1,000-router lab: 250 MB of nexthops, 115 MB of it dead).
func (s *frrSlab) ribNH(v ribNexthop) *ribNexthop { return &v }

// labels is an empty slice with room for n labels; appending up to n
// never touches another's.
func (s *frrSlab) labels(n int) []uint32 {
	if cap(s.lab)-len(s.lab) < n {
		s.lab = make([]uint32, 0, max(n, 4*s.size()))
	}
	i := len(s.lab)
	s.lab = s.lab[:i+n]
	return s.lab[i : i : i+n]
}

// backupLabelled reports whether a backup towards backup can stand in for
// the primary towards primary: in the default VRF, when LDP or SR label the
// primary, the backup needs its own label too (a VPN packet sent bare to
// the backup neighbour would be lost there).
// A remote LFA's backup needs its tunnel's labels whatever the primary
// has: sent bare, the packet would come straight back.
func backupLabelled(fec map[fecKey]uint32, vrf int, p netip.Prefix, primary netip.Addr, backup *ribNexthop) bool {
	if vrf != 0 {
		return true
	}
	_, pl := fec[newFECKey(p, primary)]
	_, bl := fec[newFECKey(p, backup.gw)]
	return bl || !pl && backup.pq == nil
}

// sameBackup compares two resolved backups.
func sameBackup(a, b *ribNexthop) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.gw == b.gw && a.ifc == b.ifc && a.via == b.via && a.remote() == b.remote() && slices.Equal(a.own(), b.own())
}
