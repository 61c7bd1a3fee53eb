package packet

import (
	"encoding/binary"
	"fmt"
)

// Label is a 20-bit MPLS label value.
type Label uint32

// Reserved label values (RFC 3032 section 2.1, RFC 7274). Labels 0 to 15
// are reserved; LDP and SR allocate from MinUnreservedLabel up.
const (
	// LabelIPv4ExplicitNull at the bottom of the stack means "pop, and
	// route the IPv4 packet underneath"; a PHP egress asks for it to keep the
	// traffic class across the last hop.
	LabelIPv4ExplicitNull Label = 0
	// LabelRouterAlert delivers the packet to the local control plane.
	LabelRouterAlert Label = 1
	// LabelIPv6ExplicitNull is explicit null for IPv6.
	LabelIPv6ExplicitNull Label = 2
	// LabelImplicitNull is only ever advertised, never sent: an egress
	// advertises it to ask its upstream neighbour to pop (penultimate hop
	// popping).
	LabelImplicitNull Label = 3
	// LabelEntropyIndicator precedes an entropy label (RFC 6790).
	LabelEntropyIndicator Label = 7
	// LabelGAL is the generic associated channel label (RFC 5586).
	LabelGAL Label = 13
	// LabelOAMAlert is the OAM alert label (RFC 3429).
	LabelOAMAlert Label = 14
	// LabelExtension announces an extended special-purpose label (RFC 7274).
	LabelExtension Label = 15

	// MinUnreservedLabel is the first label value free for allocation.
	MinUnreservedLabel Label = 16
	// MaxLabel is the largest value a 20-bit label field holds.
	MaxLabel Label = 1<<20 - 1
)

// IsReserved reports whether l is one of the special-purpose labels 0–15.
func (l Label) IsReserved() bool { return l < MinUnreservedLabel }

// LabelEntryLen is the length of one label stack entry.
const LabelEntryLen = 4

// LabelEntry is one MPLS label stack entry as it sits on the wire, read as a
// big-endian 32-bit word (RFC 3032 section 2.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                Label                  | TC  |S|      TTL      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type LabelEntry uint32

const (
	labelShift  = 12
	tcShift     = 9
	tcMask      = 0x7
	bottomBit   = 1 << 8
	ttlMask     = 0xff
	labelFields = ^LabelEntry(0) >> 20 // TC, S and TTL: what a swap keeps
)

// NewLabelEntry returns the entry for label l with traffic class tc (only
// its low 3 bits are kept), the bottom-of-stack bit and ttl. Bits of l beyond
// the 20-bit field are dropped.
func NewLabelEntry(l Label, tc uint8, bottom bool, ttl uint8) LabelEntry {
	e := LabelEntry(l&MaxLabel)<<labelShift | LabelEntry(tc&tcMask)<<tcShift | LabelEntry(ttl)
	if bottom {
		e |= bottomBit
	}
	return e
}

// Label returns the entry's label value.
func (e LabelEntry) Label() Label { return Label(e >> labelShift) }

// TC returns the entry's traffic class (formerly EXP).
func (e LabelEntry) TC() uint8 { return uint8(e>>tcShift) & tcMask }

// Bottom reports whether the S bit is set: this is the last entry and the
// payload follows.
func (e LabelEntry) Bottom() bool { return e&bottomBit != 0 }

// TTL returns the entry's time to live.
func (e LabelEntry) TTL() uint8 { return uint8(e & ttlMask) }

// WithLabel returns e with its label replaced by l.
func (e LabelEntry) WithLabel(l Label) LabelEntry {
	return e&labelFields | LabelEntry(l&MaxLabel)<<labelShift
}

// WithTTL returns e with its TTL replaced by ttl.
func (e LabelEntry) WithTTL(ttl uint8) LabelEntry { return e&^ttlMask | LabelEntry(ttl) }

// WithBottom returns e with its S bit set to bottom.
func (e LabelEntry) WithBottom(bottom bool) LabelEntry {
	if bottom {
		return e | bottomBit
	}
	return e &^ bottomBit
}

// String formats the entry the way traceroute and Wireshark show it:
// "label 16005, tc 0, S, ttl 63" ("S" only at the bottom of the stack).
func (e LabelEntry) String() string {
	s := ""
	if e.Bottom() {
		s = ", S"
	}
	return fmt.Sprintf("label %d, tc %d%s, ttl %d", e.Label(), e.TC(), s, e.TTL())
}

// ReadLabelEntry returns the label stack entry at the start of b, the top of
// the stack when b is an MPLS payload.
func ReadLabelEntry(b []byte) (LabelEntry, error) {
	if len(b) < LabelEntryLen {
		return 0, ErrTruncated
	}
	return LabelEntry(binary.BigEndian.Uint32(b)), nil
}

// Put writes e into the first LabelEntryLen bytes of b, which must be long
// enough.
func (e LabelEntry) Put(b []byte) { binary.BigEndian.PutUint32(b, uint32(e)) }

// SwapLabel rewrites the top entry of the stack at the start of b in place
// with label l and the given ttl, keeping its traffic class and S bit: the
// work of a label switching router per hop. The caller decides the TTL
// (normally the received one minus one, after checking it was above one).
func SwapLabel(b []byte, l Label, ttl uint8) error {
	if len(b) < LabelEntryLen {
		return ErrTruncated
	}
	e := LabelEntry(binary.BigEndian.Uint32(b))
	e = e&(tcMask<<tcShift|bottomBit) | LabelEntry(l&MaxLabel)<<labelShift | LabelEntry(ttl)
	binary.BigEndian.PutUint32(b, uint32(e))
	return nil
}

// ParseLabelStack reads the label stack at the start of b, appending its
// entries to stack (pass a slice with spare capacity to avoid allocating),
// and returns the extended slice and the payload after the bottom entry.
func ParseLabelStack(b []byte, stack []LabelEntry) ([]LabelEntry, []byte, error) {
	for {
		e, err := ReadLabelEntry(b)
		if err != nil {
			return stack, nil, fmt.Errorf("mpls label stack without a bottom entry: %w", err)
		}
		stack = append(stack, e)
		b = b[LabelEntryLen:]
		if e.Bottom() {
			return stack, b, nil
		}
	}
}

// PushLabel prepends e to the frame, into its headroom. The caller sets e's
// S bit: true when the frame holds an IP packet, false when it already starts
// with a label stack.
func PushLabel(f *Frame, e LabelEntry) error {
	b, err := f.Push(LabelEntryLen)
	if err != nil {
		return err
	}
	e.Put(b)
	return nil
}

// PopLabel removes the top entry from the label stack at the front of the
// frame and returns it; if it was the bottom entry, the frame now starts
// with the payload.
func PopLabel(f *Frame) (LabelEntry, error) {
	e, err := ReadLabelEntry(f.Bytes())
	if err != nil {
		return 0, err
	}
	_, _ = f.Pull(LabelEntryLen) // cannot fail: read above
	return e, nil
}
