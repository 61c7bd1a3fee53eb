package packet

import "encoding/binary"

// Checksum returns the Internet checksum (RFC 1071) of b: the ones'
// complement of the ones' complement sum of its 16-bit words, an odd last
// byte padded with zero. Over bytes that include a correct checksum field it
// returns 0.
func Checksum(b []byte) uint16 {
	return ^fold(sum(0, b))
}

// sum adds b's 16-bit big-endian words to acc without folding the carries;
// a uint64 cannot overflow for any packet that fits in memory.
func sum(acc uint64, b []byte) uint64 {
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		acc += v>>48 + v>>32&0xffff + v>>16&0xffff + v&0xffff
		b = b[8:]
	}
	for len(b) >= 2 {
		acc += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

// fold reduces a sum to 16 bits by adding the carries back in, which is what
// makes the addition ones' complement.
func fold(acc uint64) uint16 {
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return uint16(acc)
}

// UpdateChecksum returns checksum hc after one 16-bit word it covers changed
// from old to new, without summing the rest again: RFC 1624 equation 3,
// HC' = ~(~HC + ~m + m'), which unlike the older RFC 1141 formula never
// yields 0xffff (-0) where a full recomputation would yield 0.
func UpdateChecksum(hc, old, new uint16) uint16 {
	return ^fold(uint64(^hc) + uint64(^old) + uint64(new))
}
