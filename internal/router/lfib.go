package router

import (
	"net/netip"
)

// lspOp is what a label switching router does with the top label.
type lspOp uint8

const (
	opSwap      lspOp = iota // replace the top label, send to the neighbour
	opPop                    // pop (penultimate hop popping), send what is left to the neighbour
	opPopLookup              // pop, then route what is under it here: explicit null, a per-VRF label
	opSwapPush               // swap, then push the transport labels to a next hop further away
	opSwapEncap              // swap, then into an IP tunnel (lsp_tunnel.go)
)

// lspHop is one way out of an LFIB entry.
type lspHop struct {
	op   lspOp
	out  uint32 // the label a swap writes
	ifc  *iface // nil for opPopLookup
	gw   netip.Addr
	vrf  int      // the table opPopLookup routes in
	push []uint32 // opSwapPush's labels over out, outermost first
	// tunnel is opSwapEncap's IP tunnel.
	tunnel *tunnelHop
	// backup is fast reroute's repair hop, taken while ifc has no carrier:
	// the data path sees the carrier loss before the RIB recomputes.
	backup *lspHop
}

// lfibEntry is the LFIB entry for one incoming label. One whose LSP has
// no nexthop up has no hops: lookups do not find it, but it is kept for
// its show rows and so that a patch (patchLFIB) finds what it replaces.
type lfibEntry struct {
	label    uint32
	rows     uint16 // show rows, LFIBLen's count
	resolves bool   // a nexthop resolves through the default table
	hops     []lspHop
}

// lfib maps incoming labels to entries: an open-addressing hash table with
// linear probing, at most half full, built once per change and then only
// read. A lookup is a multiply and usually one probe.
type lfib struct {
	slots   []lfibSlot
	shift   uint8
	entries []lfibEntry
}

type lfibSlot struct {
	key uint32 // label+1; 0 marks an empty slot
	idx int32
}

func buildLFIB(entries []lfibEntry) *lfib {
	size, shift := 8, uint8(29)
	for size < 2*len(entries) {
		size *= 2
		shift--
	}
	t := &lfib{slots: make([]lfibSlot, size), shift: shift, entries: entries}
	mask := uint32(size - 1)
	for i, e := range entries {
		if len(e.hops) == 0 {
			continue
		}
		j := t.home(e.label)
		for t.slots[j].key != 0 {
			j = (j + 1) & mask
		}
		t.slots[j] = lfibSlot{key: e.label + 1, idx: int32(i)}
	}
	return t
}

// home is the slot a label hashes to (Fibonacci hashing: the top bits of
// a multiply spread consecutive labels apart).
func (t *lfib) home(l uint32) uint32 { return (l * 0x9e3779b1) >> t.shift }

func (t *lfib) lookup(l uint32) *lfibEntry {
	if t == nil {
		return nil
	}
	mask := uint32(len(t.slots) - 1)
	key := l + 1
	for j := t.home(l); ; j = (j + 1) & mask {
		s := t.slots[j]
		if s.key == key {
			return &t.entries[s.idx]
		}
		if s.key == 0 {
			return nil
		}
	}
}
