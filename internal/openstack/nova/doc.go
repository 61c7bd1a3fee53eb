// Package nova is a cloud's Compute service (Nova's API v2.1 with
// microversions 2.1 to 2.96): flavors like DevStack's, and servers that
// are VMs of the lab.
//
// A server is its Neutron ports. Nova asks the cloud's Neutron, as the
// requesting user and through Neutron's own API, for a port on each
// network the request names (device_owner compute:nova, device_id the
// server's id), or binds the port it names; the cloud controller gives
// the lab the addresses of such ports as it does for any VM port, so a
// server is reachable as soon as its create is answered. Deleting the
// server deletes the ports Nova made and unbinds those it was given.
//
// Servers are rows of the store (component "nova"), so they outlive the
// daemon. There is no hypervisor: a server is BUILD for Config.BootTime
// after its create, then ACTIVE on the compute host the scheduler chose
// (the cloud's least loaded compute node that the server's group's
// policy allows; ERROR with the scheduler's fault when none does), and
// its console log is the boot a cloud image would print with the
// addresses Neutron gave it.
//
// Key pairs are a user's in every region; projects get Nova's default
// quotas (10 instances, 20 cores, 50 GiB of RAM) in each region, which
// an admin changes with os-quota-sets.
package nova
