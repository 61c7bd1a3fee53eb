package lab

import (
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/l3vpn"
	"github.com/intercloud/intercloud/internal/router"
)

// Port-association routes of type bgpvpn (networking-bgpvpn's
// bgpvpn-routes-control extension): a port association on BGPVPN X may
// say that the routes of another BGPVPN Y are reached through its port
// — the VM is a service in the path (a firewall between two VPNs). The
// compute hosting the port asks RT constraint for Y's route targets,
// learns Y's routes as they come and go, and readvertises each prefix
// into X from X's attachment VRF (l3vpn.Readvertise): its VRF's label,
// its underlay address as next hop, the route's local_pref (else X's).
// As for prefix routes (bgpvpnroutes.go) the lab's VMs do not route, so
// each readvertised prefix ends on the compute, in X's VRF, for as long
// as it is readvertised. A route of Y that is X's own (it carries one of
// X's route targets, or X imports its prefix), X's own export from this
// compute, the port's own address, or a route some compute readvertised
// already (l3vpn.ReadvertisedCommunity) is not readvertised: no loop,
// even between two BGPVPNs each readvertising the other.

// CloudVPNLeak is a port association's route of type bgpvpn.
type CloudVPNLeak struct {
	// BGPVPN is the id of the BGPVPN whose routes are readvertised.
	BGPVPN string
	// RTs are its route targets that mark its routes: route_targets and
	// export_targets, in RFC 4364's forms.
	RTs []string
	// Port is the port its routes are reached through, placed on a
	// compute as VMs are (cloudvm.go).
	Port CloudVM
	// LocalPref is the route's local_pref, 0 to take the BGPVPN's.
	LocalPref uint32
}

// addLeak adds a readvertisement to the attachment, once per BGPVPN
// readvertised (the first association naming it wins).
func (at *attachment) addLeak(lk CloudVPNLeak, bgpvpnPref uint32) error {
	from, err := parseRTs(lk.RTs)
	if err != nil {
		return err
	}
	if len(from) == 0 || slices.ContainsFunc(at.readv, func(r l3vpn.Readvertise) bool { return slices.Equal(r.From, from) }) {
		return nil
	}
	pref := lk.LocalPref
	if pref == 0 {
		pref = bgpvpnPref
	}
	at.readv = append(at.readv, l3vpn.Readvertise{From: from, LocalPref: pref,
		Except: []netip.Prefix{netip.PrefixFrom(lk.Port.Addr, 32)}})
	return nil
}

// readvertiseLocally is a compute PE's l3vpn.Config.OnReadvertised: a
// readvertised prefix ends on the compute, in the VRF, while it is
// readvertised.
func readvertiseLocally(r *router.Router) func(vrf string, p netip.Prefix, on bool) {
	return func(vrf string, p netip.Prefix, on bool) {
		if err := r.SetLocalHeld(vrf, p, on); err != nil {
			r.Event("bgpvpn", err.Error())
		}
	}
}
