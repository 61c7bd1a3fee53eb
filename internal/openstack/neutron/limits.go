package neutron

import (
	"net/http"
	"strings"
)

// Neutron's limits on the lists one resource may hold (neutron.conf's
// defaults), so that one request cannot make a resource of any size.
const (
	maxFixedIPsPerPort  = 5  // max_fixed_ips_per_port
	maxDNSNameservers   = 5  // max_dns_nameservers
	maxSubnetHostRoutes = 20 // max_subnet_host_routes
	maxRoutes           = 30 // extraroute's max_routes
	maxAddressPairs     = 10 // max_allowed_address_pair
)

// listExhausted is neutron-lib's DNSNameServersExhausted and
// HostRoutesExhausted (400s): what exceeds limit on subnet ref.
func listExhausted(typ, what, ref string, limit int) *apiError {
	return newErr(http.StatusBadRequest, typ, "Unable to complete operation for %s. %s %d.", ref, what, limit)
}

// subnetRef is how Neutron names the subnet in those errors: its id, or
// "new subnet" on create.
func subnetRef(sn *Subnet, create bool) string {
	if create {
		return "new subnet"
	}
	return sn.ID
}

// checkFixedIPCount refuses more than maxFixedIPsPerPort fixed IPs, as
// Neutron's IPAM does for every port but its own (network:* owners).
func checkFixedIPCount(p *Port, reqs []fixedReq) error {
	if len(reqs) <= maxFixedIPsPerPort || strings.HasPrefix(p.DeviceOwner, "network:") {
		return nil
	}
	// Neutron's message ends in a period inside InvalidInput's own.
	return invalidInput("Exceeded maximum amount of fixed ips per port.")
}
