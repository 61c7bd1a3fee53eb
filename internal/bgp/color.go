package bgp

import (
	"encoding/binary"
	"fmt"
)

// The Color extended community (RFC 9012 section 4.3): transitive opaque
// type 0x03, sub-type 0x0b, two octets of flags, then the four-octet
// color. A route carrying Color C with next hop E is steered onto the
// headend's SR policy (C, E) (RFC 9256 section 8.8, automated steering).
const (
	colorType    = 0x03
	colorSubType = 0x0b
)

// ColorCommunity builds the Color extended community for color, flags
// zero: the CO bits 00 of RFC 9256 section 8.8.1, steer only onto a
// policy whose endpoint is the next hop.
func ColorCommunity(color uint32) ExtCommunity {
	var e ExtCommunity
	e[0], e[1] = colorType, colorSubType
	binary.BigEndian.PutUint32(e[4:], color)
	return e
}

// IsColor reports whether the community is a Color extended community.
func (e ExtCommunity) IsColor() bool { return e[0] == colorType && e[1] == colorSubType }

// Color is the color of a Color extended community (false for any other).
func (e ExtCommunity) Color() (uint32, bool) {
	if !e.IsColor() {
		return 0, false
	}
	return binary.BigEndian.Uint32(e[4:]), true
}

// Colors lists the colors among the extended communities, in the order
// they came.
func (a *Attrs) Colors() []uint32 {
	var out []uint32
	for _, e := range a.ExtCommunityList() {
		if c, ok := e.Color(); ok {
			out = append(out, c)
		}
	}
	return out
}

// colorString is how show output writes it, as FRR does ("Color:100").
func colorString(e ExtCommunity) string {
	c, _ := e.Color()
	return fmt.Sprintf("Color:%d", c)
}
