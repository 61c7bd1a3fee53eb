package neutron

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"
)

// IPv4 address arithmetic for subnets, pools and allocation.

func u32(a netip.Addr) uint32 { b := a.As4(); return binary.BigEndian.Uint32(b[:]) }

func addr(n uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], n)
	return netip.AddrFrom4(b)
}

// bounds are a prefix's first and last addresses.
func bounds(p netip.Prefix) (uint32, uint32) {
	first := u32(p.Masked().Addr())
	size := uint32(1)<<(32-p.Bits()) - 1
	if p.Bits() == 0 {
		size = ^uint32(0)
	}
	return first, first + size
}

// hostRange is the range of usable host addresses: all but the network
// and broadcast addresses (all of a /31 or /32).
func hostRange(p netip.Prefix) (uint32, uint32) {
	first, last := bounds(p)
	if p.Bits() >= 31 {
		return first, last
	}
	return first + 1, last - 1
}

// overlaps reports whether two prefixes share an address.
func overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

// parseV4Prefix parses a CIDR as Neutron's subnet validator does: it must
// be an IPv4 network address with its prefix length.
func parseV4Prefix(attr string, v any) (netip.Prefix, error) {
	s, ok := v.(string)
	if !ok {
		return netip.Prefix{}, httpBadRequest("Invalid input for %s. Reason: '%s' is not a valid IP subnet.", attr, pyStr(v))
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if a, err2 := netip.ParseAddr(s); err2 == nil && a.Is4() {
			// A bare address is a /32 to Neutron's validator, which then asks
			// for the prefix form.
			return netip.Prefix{}, httpBadRequest("Invalid input for %s. Reason: '%s' isn't a recognized IP subnet cidr, '%s/32' is recommended.", attr, s, s)
		}
		return netip.Prefix{}, httpBadRequest("Invalid input for %s. Reason: '%s' is not a valid IP subnet.", attr, s)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, invalidInput("only IPv4 subnets are supported by this Neutron, not %s", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, httpBadRequest("Invalid input for %s. Reason: '%s' isn't a recognized IP subnet cidr, '%s' is recommended.", attr, s, p.Masked())
	}
	return p, nil
}

// parseV4Addr parses an IPv4 address attribute.
func parseV4Addr(attr string, v any) (netip.Addr, error) {
	s, ok := v.(string)
	a, err := netip.ParseAddr(s)
	if !ok || err != nil || a.Zone() != "" {
		return netip.Addr{}, httpBadRequest("Invalid input for %s. Reason: '%s' is not a valid IP address.", attr, pyStr(v))
	}
	if !a.Is4() {
		return netip.Addr{}, invalidInput("only IPv4 addresses are supported by this Neutron, not %s", s)
	}
	return a, nil
}

// defaultPools are the allocation pools Neutron makes: the host range
// without the gateway.
func defaultPools(p netip.Prefix, gw *netip.Addr) []Pool {
	lo, hi := hostRange(p)
	ranges := [][2]uint32{{lo, hi}}
	if gw != nil {
		g := u32(*gw)
		if g >= lo && g <= hi {
			ranges = nil
			if g > lo {
				ranges = append(ranges, [2]uint32{lo, g - 1})
			}
			if g < hi {
				ranges = append(ranges, [2]uint32{g + 1, hi})
			}
		}
	}
	pools := []Pool{}
	for _, r := range ranges {
		pools = append(pools, Pool{Start: addr(r[0]).String(), End: addr(r[1]).String()})
	}
	return pools
}

// poolRange parses a stored pool.
func poolRange(p Pool) (uint32, uint32) {
	s, _ := netip.ParseAddr(p.Start)
	e, _ := netip.ParseAddr(p.End)
	return u32(s), u32(e)
}

// usedIPs are the addresses ports hold on a subnet (from the subnet's
// index: no scan of other subnets' ports).
func (s *state) usedIPs(subnetID string) map[uint32]string {
	used := map[uint32]string{}
	if ix, ok := s.ips.get(subnetID); ok {
		ix.used.each(func(a uint32, id string) bool { used[a] = id; return true })
	}
	return used
}

// nextFreeIP is the lowest address of the subnet's pools no port holds
// (and not in taken), or false when the pools are full. Lowest-first keeps
// addressing deterministic, as the lab wants.
//
// The scan starts at the subnet's cursor, below which every pool address
// is in use, and a write moves the cursor to the first free address it
// saw, so allocating address after address costs one look-up each, not a
// scan of the addresses before.
func (s *state) nextFreeIP(sn *Subnet, taken map[uint32]bool) (string, bool) {
	ix, _ := s.ips.get(sn.ID)
	var cursor uint32
	if ix != nil && poolsAscending(sn.AllocationPools) {
		cursor = ix.cursor
	}
	inUse := func(a uint32) bool {
		if ix == nil {
			return false
		}
		_, u := ix.used.get(a)
		return u
	}
	firstFree, seenFree := uint32(0), false
	found, result := false, uint32(0)
	for _, p := range sn.AllocationPools {
		lo, hi := poolRange(p)
		for a := uint64(max(lo, cursor)); a <= uint64(hi); a++ {
			if inUse(uint32(a)) {
				continue
			}
			if !seenFree {
				firstFree, seenFree = uint32(a), true
			}
			if !taken[uint32(a)] {
				found, result = true, uint32(a)
				break
			}
		}
		if found {
			break
		}
	}
	if s.o != nil && seenFree && firstFree > cursor && poolsAscending(sn.AllocationPools) {
		s.ownIPs(sn.ID).cursor = firstFree
	}
	if !found {
		return "", false
	}
	return addr(result).String(), true
}

// poolsAscending reports whether pools are in increasing order, which the
// allocation cursor needs (Neutron's API gives them so; a stored subnet
// with others is scanned from its first pool).
func poolsAscending(pools []Pool) bool {
	for i := 1; i < len(pools); i++ {
		_, prevEnd := poolRange(pools[i-1])
		if start, _ := poolRange(pools[i]); start <= prevEnd {
			return false
		}
	}
	return true
}

// subnetPrefix parses a stored subnet's CIDR.
func subnetPrefix(sn *Subnet) netip.Prefix {
	p, _ := netip.ParsePrefix(sn.CIDR)
	return p
}

// containsIP reports whether the subnet's CIDR holds a.
func containsIP(sn *Subnet, a netip.Addr) bool { return subnetPrefix(sn).Contains(a) }

// newMAC makes a MAC address with OpenStack's base fa:16:3e, unique on
// the network.
func (s *state) newMAC(networkID string) string {
	for {
		var b [3]byte
		rand.Read(b[:])
		m := fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", b[0], b[1], b[2])
		if _, used := s.macHolder(networkID, m); !used {
			return m
		}
	}
}
