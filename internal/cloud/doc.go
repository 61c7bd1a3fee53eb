// Package cloud joins each cloud's Neutron to the running lab: after every
// committed Neutron change (neutron.Config.OnChange) and once at daemon
// start, a Controller takes the cloud's Snapshot, turns it into what the
// lab needs (lab.CloudConfig: the addresses and subnets the cloud's node
// owns, the external subnets its attach node routes to it, the BGP
// speaker its dragent runs) and applies it with lab.ApplyCloud, which
// works by difference, so applying the same state twice changes nothing.
//
// It sits above internal/lab and internal/openstack/neutron and is the
// only package that knows both: the lab knows no Neutron, Neutron no lab.
package cloud
