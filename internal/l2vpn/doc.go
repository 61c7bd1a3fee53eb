// Package l2vpn is the EVPN function of one router (RFC 7432, with
// VXLAN per RFC 8365): a MAC-VRF, or EVPN instance (EVI), per L2 BGPVPN,
// as bagpipe-bgp runs one on each compute node hosting a port of a
// network associated with the BGPVPN.
//
// Control plane. Each EVI advertises, on the router's global BGP speaker
// (AFI 25/SAFI 70, shared with internal/l3vpn through l3vpn.Beside), a
// MAC/IP route (type 2) per local port address and an inclusive
// multicast route (type 3) with a PMSI tunnel attribute of type ingress
// replication, with the EVI's route distinguisher, its export route
// targets, ESI 0 (single-homed) and the encapsulation it receives by as
// an RFC 9012 Encapsulation extended community. Its label fields carry
// the MPLS label it allocated (top 20 bits of the 3 octets) or, for
// VXLAN, the BGPVPN's VNI. It imports the routes of other PEs carrying
// one of its import route targets: type 2 fill its MAC table (and the
// IP bindings ARP is answered from), type 3 its flooding list. A MAC
// that moves gets the next MAC Mobility sequence number (RFC 7432 15).
//
// Data plane. Frames come from the local ports' VMs (guest.go: a VM's
// NIC with the ARP and ICMP a ping needs). A known unicast destination
// goes to its port, or to the PE that advertised it, encapsulated as
// that PE's route asks: VXLAN (UDP to port 4789, RFC 7348) or the MPLS
// label in MPLS-in-UDP (RFC 7510; the router's data path delivers what
// arrives under the label, router.HandleLabel). Broadcast, multicast and
// unknown unicast go to every other local port and, by ingress
// replication, once to every PE of the flooding list; what arrives from
// the core is never sent back into it. An ARP request for an address the
// EVI has a binding for is answered by the PE itself (ARP suppression,
// as bagpipe's EVPN driver does) and goes no further.
package l2vpn
