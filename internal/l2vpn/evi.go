package l2vpn

import (
	"fmt"
	"net/netip"
	"slices"
	"sync/atomic"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/packet"
)

// Encap is how an EVI receives traffic from other PEs.
type Encap uint8

const (
	// EncapMPLS: the EVI's MPLS label (RFC 7432) under an MPLS-in-UDP
	// header (RFC 7510), the IP tunnel computes reach each other by.
	EncapMPLS Encap = iota + 1
	// EncapVXLAN: a VXLAN header with the EVI's VNI (RFC 8365).
	EncapVXLAN
)

func (e Encap) String() string {
	switch e {
	case EncapMPLS:
		return "mpls"
	case EncapVXLAN:
		return "vxlan"
	}
	return fmt.Sprintf("encap(%d)", uint8(e))
}

// tunnelType is the RFC 9012 tunnel type an EVI advertises for e.
func (e Encap) tunnelType() bgp.TunnelType {
	if e == EncapVXLAN {
		return bgp.TunnelVXLAN
	}
	return bgp.TunnelMPLSInUDP
}

// EVIConfig is one MAC-VRF.
type EVIConfig struct {
	Name           string
	RD             bgp.RD
	Import, Export []bgp.ExtCommunity
	Encap          Encap
	// VNI is the VXLAN network identifier (EncapVXLAN), 1 to 2^24-1.
	VNI uint32
}

func (c EVIConfig) check() error {
	switch {
	case c.Name == "":
		return fmt.Errorf("evpn: an EVI needs a name")
	case c.RD == bgp.RD{}:
		return fmt.Errorf("evpn: EVI %s needs a route distinguisher", c.Name)
	case len(c.Import)+len(c.Export) == 0:
		return fmt.Errorf("evpn: EVI %s has no route target", c.Name)
	case c.Encap == EncapVXLAN && (c.VNI == 0 || c.VNI > packet.MaxVNI):
		return fmt.Errorf("evpn: EVI %s: VNI %d is not in 1-%d", c.Name, c.VNI, packet.MaxVNI)
	case c.Encap != EncapVXLAN && c.Encap != EncapMPLS:
		return fmt.Errorf("evpn: EVI %s: unknown encapsulation %v", c.Name, c.Encap)
	}
	return nil
}

func sameConfig(a, b EVIConfig) bool {
	return a.Name == b.Name && a.RD == b.RD && a.Encap == b.Encap && a.VNI == b.VNI &&
		slices.Equal(a.Import, b.Import) && slices.Equal(a.Export, b.Export)
}

// Port is a VM port of the EVI's network on this router: its MAC and
// fixed IPs, from Neutron.
type Port struct {
	ID  string
	MAC packet.MAC
	IPs []netip.Addr
}

// evi is one MAC-VRF's state. Its configuration and ports change under
// the PE's lock; the data path reads the table snapshot only.
type evi struct {
	cfg   EVIConfig
	label uint32 // its MPLS label (EncapMPLS), 0 otherwise
	stop  func() // stops the label's handler
	ports map[packet.MAC]*localPort
	// seq is the MAC Mobility sequence number each local MAC is
	// advertised with (absent: 0).
	seq map[packet.MAC]uint32
	// moved are local MACs another PE advertises with a higher sequence
	// number: the MAC lives there now, and this PE withdrew its route.
	moved map[packet.MAC]bool
	table atomic.Pointer[table]
	stats counters
}

type localPort struct {
	Port
	guest *Guest
}

// table is what the data path forwards by, replaced whole on a change.
type table struct {
	local  map[packet.MAC]*localPort
	remote map[packet.MAC]remoteMAC
	// ips are the IP-to-MAC bindings ARP requests are answered from.
	ips   map[netip.Addr]packet.MAC
	flood []tunnelEnd
}

// tunnelEnd is a remote PE and how it asked to be sent this EVI's frames.
type tunnelEnd struct {
	pe    netip.Addr
	encap Encap
	label uint32 // MPLS label, or VNI
}

// remoteMAC is a MAC another PE advertised.
type remoteMAC struct {
	tunnelEnd
	ips []netip.Addr
	seq uint32
}

// counters are an EVI's data-plane counts.
type counters struct {
	fromPorts, toPorts         atomic.Uint64
	encapsulated, decapsulated atomic.Uint64
	replicas, arpSuppressed    atomic.Uint64
	dropped                    atomic.Uint64
}

// wireLabel is l as an EVPN route's 3-octet label field carries it:
// an MPLS label in the top 20 bits with the bottom-of-stack bit set, as
// FRR and GoBGP write it, or a VNI as it is.
func wireLabel(e Encap, l uint32) uint32 {
	if e == EncapVXLAN {
		return l
	}
	return l<<4 | 1
}

// fieldLabel reads a route's label field for encapsulation e.
func fieldLabel(e Encap, f uint32) uint32 {
	if e == EncapVXLAN {
		return f
	}
	return f >> 4
}
