// Package packet encodes and decodes the bytes intercloud puts on the wire:
// Ethernet II framing, MPLS label stacks (RFC 3032), IPv4, ICMP with the
// MPLS label stack extension (RFC 4884, RFC 4950), UDP and MPLS-in-UDP
// (RFC 7510).
//
// # Frames between routers
//
// Routers exchange Ethernet II frames: destination MAC, source MAC, EtherType
// (0x0800 for IPv4, 0x8847 for MPLS unicast), then the payload. There is no
// preamble, no frame check sequence and no padding to the 60-byte minimum,
// which is exactly what a capture on a Linux interface holds, so a pcap of a
// link (link type Ethernet) opens in Wireshark and tshark as it is. Parsers
// take lengths from the headers (IPv4 total length, UDP length), so padding
// added by anyone else is ignored.
//
// # Fast path and slow path
//
// A router touches every frame, so what it does per hop allocates nothing
// and decodes no more than it needs: ParseEthernet, ParseIPv4, ParseUDP and
// ReadLabelEntry return values, not pointers; SwapLabel and DecrementTTL
// edit the bytes in place (the checksum is updated incrementally, RFC 1624);
// PushLabel, PopLabel and the other Push and Pull functions move the start of
// a Frame, whose headroom lets a label or a tunnel header be prepended
// without copying the packet.
//
// Messages a router originates now and then — ICMP errors carrying label
// stacks, echo replies — are built by ICMP.Marshal on golang.org/x/net/icmp,
// which allocates and need not be fast. Tests cross-check the encoders and
// parsers against github.com/gopacket/gopacket's layers, and the dataplane
// package's tests check with tshark that captures decode.
package packet
