// Package srte is segment routing traffic engineering (RFC 9256) on one
// headend router: SR policies identified by (color, endpoint), each with
// candidate paths — an explicit segment list of node SIDs, or a dynamic
// path computed by CSPF over the IGP's topology database with latency or
// IGP cost as the metric and links excluded by affinity. The valid path
// with the highest preference is active; its segment list becomes label
// stacks on the first hops towards its first segment, which the l3vpn
// function uses to steer BGP routes carrying the policy's color
// (automated steering, RFC 9256 section 8.8).
//
// The TE attributes of a link (latency, affinities) come from the
// topology file through Config.LinkAttrs, keyed by the interface address
// the IGP advertises for it, as if flooded in TE extensions (RFC 7471,
// RFC 3630): the IGP itself does not carry them.
//
// A dynamic path's segment list is the shortest one whose IGP shortest
// paths follow the computed path: node SIDs where the IGP's only
// shortest path is the path, and the adjacency SID of a link the IGP
// would not take (its router's local label; out of the link itself when
// the router is the headend). Everything runs under the router's control
// lock, like the IGP.
package srte
