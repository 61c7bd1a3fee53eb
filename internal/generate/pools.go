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
	// popBlock, with --areas, is the size of the aligned block of the
	// loopback pool's PE block that each POP's PEs are numbered from,
	// POP by POP, and behind them the loopbacks blocks of the clouds on
	// those PEs: its range (popRange) is what the POP's area is
	// summarised by. 0 without --areas.
	popBlock int
	// peRegion is the part of a POP's block its PEs are numbered in
	// (after its first address); cloudBlock, the size of each cloud's
	// loopbacks block after it (its node, computes and control node).
	peRegion, cloudBlock int
}

// cloudLoopbacks is the loopbacks block of the k-th (0-based) cloud on
// the PEs of POP pop: behind the POP's PEs in the POP's block.
func (ps pools) cloudLoopbacks(pop, k int) netip.Prefix {
	base := u32(ps.popRange(pop).Addr()) + uint32(ps.peRegion) + uint32(k*ps.cloudBlock)
	return netip.PrefixFrom(addr4(base), 32-log2(ps.cloudBlock))
}

// popRange is the block of loopbacks of POP pop's (1-based) PEs: the
// pop-th popBlock of the pool's PE block (the topology package's second
// role block), aligned on its size.
func (ps pools) popRange(pop int) netip.Prefix {
	peBlock := uint32(1) << (32 - ps.loopbacks.Bits()) / loopbackBlocks
	base := u32(ps.loopbacks.Addr()) + peBlock + uint32(pop-1)*uint32(ps.popBlock)
	return netip.PrefixFrom(addr4(base), 32-log2(ps.popBlock))
}

// peLoopback is the loopback of the j-th (0-based) PE of POP pop: the
// block's address j+1 (the block's first address is left out, as the
// pool's is).
func (ps pools) peLoopback(pop, j int) netip.Addr {
	return addr4(u32(ps.popRange(pop).Addr()) + uint32(j) + 1)
}

// popBlockSize is the smallest power of two holding n PEs after the
// block's first address.
func popBlockSize(n int) int {
	b := 1
	for b < n+1 {
		b <<= 1
	}
	return b
}

func log2(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addr4(x uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
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
	// Loopbacks: routers, clouds and their compute nodes. With --areas,
	// the PE block holds a block per POP, a /24 each when they fit (easy
	// to read), else as small as the POP's PEs and the clouds on them
	// allow.
	biggest := max(c.P, c.PE, c.CE, c.RR, c.Clouds)
	hosts := c.Routers() + c.Clouds*(1+computesPerCloud)
	popBlock := 0
	if pl.p.Areas {
		// a cloud's node, its computes and an sdn cloud's control node
		ps.cloudBlock = popBlockSize(1 + computesPerCloud)
		ps.peRegion = max(popBlockSize(pl.p.PEPerPOP), ps.cloudBlock)
		popBlock = popBlockSize(ps.peRegion + pl.maxCloudsOnPEs()*ps.cloudBlock - 1)
	}
	for bits := 16; bits >= 12; bits-- {
		size := 1 << (32 - bits)
		if size/loopbackBlocks > biggest && size >= 2*hosts && size/loopbackBlocks >= pl.p.POPs*popBlock {
			// Keep the loopbacks at the top of 10/8, out of the links' way.
			ps.loopbacks = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(256 - size>>16), 0, 0}), bits)
			if popBlock > 0 && popBlock <= 256 && size/loopbackBlocks >= pl.p.POPs*256 {
				popBlock = 256
			}
			ps.popBlock = popBlock
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
