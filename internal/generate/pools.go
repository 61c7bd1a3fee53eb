package generate

import (
	"fmt"
	"net/netip"

	"github.com/intercloud/intercloud/internal/topology"
)

// pools are the ranges written under pools:, sized from the counts.
type pools struct {
	loopbacks, links netip.Prefix
	cloudPrefixLen   int
	asns             string // "" keeps the default 64512-65534
}

// Pool sizing. The topology package allocates with a slot per item, trying
// the item's natural slot (its role's block of the pool plus the number its
// name ends with) and probing forward on a collision, so pools are sized to
// give every generated name its natural slot and to stay at most half full.
const (
	loopbackBlocks   = 8                        // the topology package's role blocks
	computesPerCloud = topology.DefaultComputes // the file leaves computes: at the default
	// 4-byte private ASNs (RFC 6996) for when CEs and clouds outgrow the
	// 2-byte range.
	bigASNs = "4200000000-4294967294"
)

func sizePools(pl *plan) (pools, error) {
	c := pl.c
	var ps pools
	// Loopbacks: routers, clouds and their compute nodes.
	biggest := max(c.P, c.PE, c.CE, c.RR, c.Clouds)
	hosts := c.Routers() + c.Clouds*(1+computesPerCloud)
	for bits := 16; bits >= 12; bits-- {
		size := 1 << (32 - bits)
		if size/loopbackBlocks > biggest && size >= 2*hosts {
			// Keep the loopbacks at the top of 10/8, out of the links' way.
			ps.loopbacks = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(256 - size>>16), 0, 0}), bits)
			break
		}
	}
	// Links: one /31 each.
	links := pl.linkCount()
	for bits := 16; bits >= 11; bits-- {
		if 1<<(31-bits) >= 2*links {
			ps.links = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, 0}), bits)
			break
		}
	}
	if !ps.loopbacks.IsValid() || !ps.links.IsValid() {
		return ps, fmt.Errorf("a lab of %d routers, %d links and %d clouds does not fit in 10.0.0.0/8", c.Routers(), links, c.Clouds)
	}
	// Clouds: one prefix each out of 100.64.0.0/10, as long as needed.
	ps.cloudPrefixLen = 16
	for ps.cloudPrefixLen < 30 && 1<<(ps.cloudPrefixLen-10) <= c.Clouds {
		ps.cloudPrefixLen++
	}
	// In the default range 64512-65534, CE n takes 64512+n, up to the
	// provider's AS, and BGP-speaking cloud n takes the upper half's n-th.
	small := topology.DefaultASNs
	maxCEs := int(topology.DefaultProviderASN-small.First) - 1
	maxClouds := int(small.Last-small.First+1)/2 - 1
	if c.CE > maxCEs || c.Clouds > maxClouds {
		ps.asns = bigASNs
	}
	return ps, nil
}
