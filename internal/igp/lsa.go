package igp

import (
	"net/netip"
	"slices"
	"time"
)

// LSAType is the OSPF LS type number.
type LSAType uint8

// The LSA types the IGP originates.
const (
	TypeRouter      LSAType = 1
	TypeSummary     LSAType = 3 // summary-LSA for a network
	TypeASBRSummary LSAType = 4
	TypeExternal    LSAType = 5
	TypeNSSA        LSAType = 7  // NSSA-external (RFC 3101): an external with area scope
	TypeOpaqueArea  LSAType = 10 // router information (SR) and extended prefix (prefix SID)
)

func (t LSAType) String() string {
	switch t {
	case TypeRouter:
		return "router"
	case TypeSummary:
		return "summary"
	case TypeASBRSummary:
		return "asbr-summary"
	case TypeExternal:
		return "as-external"
	case TypeNSSA:
		return "nssa-external"
	case TypeOpaqueArea:
		return "opaque-area"
	}
	return "unknown"
}

// asScope reports whether the type floods through every area.
func (t LSAType) asScope() bool { return t == TypeExternal }

// Opaque types carried in TypeOpaqueArea LSAs; the LSA's link state id is
// the opaque type in its first octet and an instance in the other three.
const (
	OpaqueRouterInfo     = 4 // RFC 7770: SR capabilities (SRGB)
	OpaqueExtendedPrefix = 7 // RFC 7684: prefix SID (RFC 8665)
	OpaqueExtendedLink   = 8 // RFC 7684: adjacency SID (RFC 8665)
)

// InitialSeq is the first sequence number of an LSA (0x80000001).
const InitialSeq uint32 = 0x80000001

// LSA is one link-state advertisement instance. LSAs are immutable once
// originated: a new instance is a new value, so routers share them by
// pointer.
type LSA struct {
	Type      LSAType
	ID        netip.Addr // link state id
	AdvRouter netip.Addr
	Seq       uint32
	// Born is when the originator made this instance; its age is the time
	// since (the lab has one clock, so no age field needs to travel).
	Born time.Time
	// Flushed marks an instance aged out early (MaxAge) to withdraw it.
	Flushed bool

	// Router LSA.
	Flags RouterFlags
	Links []RouterLink
	// Summary, ASBR-summary and external LSAs: the destination (the ASBR's
	// router id as a /32 for type 4) and its metric (type 2 for externals).
	Prefix netip.Prefix
	Metric uint32
	// External and NSSA-external LSAs: the forwarding address (invalid
	// for none: traffic goes to the advertising router), and for type 7
	// the P-bit, which asks the NSSA's border routers to translate it into
	// a type 5 for the rest of the AS (RFC 3101 2.3).
	Forward   netip.Addr
	Propagate bool
	// Opaque LSAs.
	SRGB *SRGB      // router information
	SID  *PrefixSID // extended prefix (Prefix holds the prefix)
	Link *ExtLink   // extended link
}

// RouterFlags are the router LSA's V/E/B bits.
type RouterFlags uint8

// Router LSA flags.
const (
	FlagABR  RouterFlags = 1 // B
	FlagASBR RouterFlags = 2 // E
)

// LinkType is the kind of a router LSA link.
type LinkType uint8

// Router LSA link types used on point-to-point networks.
const (
	LinkP2P  LinkType = 1
	LinkStub LinkType = 3
)

// RouterLink is one link of a router LSA: a point-to-point adjacency
// (Neighbor, with our interface address as link data) or a stub network.
type RouterLink struct {
	Type     LinkType
	Neighbor netip.Addr   // p2p: the neighbour's router id
	IfAddr   netip.Addr   // p2p: our interface address (link data)
	Prefix   netip.Prefix // stub: the network
	Metric   uint32
}

// SRGB is a segment routing global block: labels Base..Base+Size-1.
type SRGB struct {
	Base, Size uint32
}

// PrefixSID is the prefix SID sub-TLV of an extended prefix LSA.
type PrefixSID struct {
	Index uint32
	// NoPHP (the NP flag) asks the penultimate hop to swap rather than pop:
	// set by an ABR propagating a prefix it does not own.
	NoPHP bool
	// Node (the N flag) marks a node SID.
	Node bool
}

// ExtLink is the extended link TLV of an extended link LSA (RFC 7684)
// with its adjacency SID sub-TLV (RFC 8665): the label the advertising
// router pops before sending a packet out of this one adjacency. The
// label is local to the router (the L and V flags: a value, of local
// significance), allocated from its dynamic range.
type ExtLink struct {
	Neighbor netip.Addr `json:"neighbor"` // the neighbour's router id (link id)
	IfAddr   netip.Addr `json:"if_addr"`  // the advertising router's interface address (link data)
	AdjSID   uint32     `json:"adj_sid"`
}

// key identifies an LSA within its flooding scope: (type, link state id,
// advertising router), with the prefix length of summaries and externals
// so that two masks on one network address do not collide.
type key struct {
	typ  LSAType
	bits uint8
	id   uint32
	adv  uint32
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addr4(x uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
}

func (l *LSA) key() key {
	k := key{typ: l.Type, bits: 32, id: u32(l.ID), adv: u32(l.AdvRouter)}
	if l.Type == TypeSummary || l.Type == TypeExternal || l.Type == TypeNSSA {
		k.bits = uint8(l.Prefix.Bits())
	}
	return k
}

// Age is the LSA's age at now, capped at MaxAge.
func (l *LSA) Age(now time.Time) time.Duration {
	if l.Flushed {
		return MaxAge
	}
	return min(now.Sub(l.Born), MaxAge)
}

// usable reports whether the LSA takes part in route calculation.
func (l *LSA) usable(now time.Time) bool {
	return !l.Flushed && now.Sub(l.Born) < MaxAge
}

// newer reports whether a is a more recent instance than b (RFC 2328
// 13.1, without checksums: a MaxAge instance beats a live one of the same
// sequence number).
func newer(a, b *LSA) bool {
	if a.Seq != b.Seq {
		return int32(a.Seq) > int32(b.Seq)
	}
	return a.Flushed && !b.Flushed
}

// sameContent reports whether two instances advertise the same thing, so
// that re-originating would change nothing but the sequence number.
func sameContent(a, b *LSA) bool {
	if a.Type != b.Type || a.Flags != b.Flags || a.Prefix != b.Prefix || a.Metric != b.Metric || a.Flushed != b.Flushed ||
		a.Forward != b.Forward || a.Propagate != b.Propagate {
		return false
	}
	if !slices.Equal(a.Links, b.Links) {
		return false
	}
	if (a.SRGB == nil) != (b.SRGB == nil) || a.SRGB != nil && *a.SRGB != *b.SRGB {
		return false
	}
	if (a.SID == nil) != (b.SID == nil) || a.SID != nil && *a.SID != *b.SID {
		return false
	}
	if (a.Link == nil) != (b.Link == nil) || a.Link != nil && *a.Link != *b.Link {
		return false
	}
	return true
}
