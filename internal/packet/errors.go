package packet

import "errors"

// Parsers and editors return these; test with errors.Is. Parsers wrap them
// with detail when a field is out of range (an allocation only malformed
// packets cost); truncation, bad checksums and the per-hop editors
// (SwapLabel, DecrementTTL, the Push and Pull functions) return them bare.
var (
	// ErrTruncated means the bytes end before the header or the length its
	// fields announce.
	ErrTruncated = errors.New("packet: truncated")
	// ErrMalformed means a field holds a value the protocol does not allow.
	ErrMalformed = errors.New("packet: malformed")
	// ErrChecksum means a checksum does not match the bytes it covers.
	ErrChecksum = errors.New("packet: bad checksum")
	// ErrTTLExpired means a TTL is too low to forward the packet: the caller
	// owes the sender an ICMP time exceeded.
	ErrTTLExpired = errors.New("packet: TTL expired")
	// ErrNoHeadroom means a Frame has no room left in front (for a Push) or
	// behind (for an Append or Extend) of its data.
	ErrNoHeadroom = errors.New("packet: no room in frame")
)
