package lab

import (
	"fmt"
	"slices"
	"strings"
)

// vrfNames are the VRFs a node runs, sorted (none but on a PE).
func (n *Node) vrfNames() []string {
	if n.bgp == nil {
		return nil
	}
	names := n.bgp.vpn.VRFs()
	slices.Sort(names)
	return names
}

// checkVRF refuses a VRF the node does not run, naming those it does
// and the one probably meant: a misspelt --vrf should point to the fix.
func (n *Node) checkVRF(vrf string) error {
	names := n.vrfNames()
	if vrf == "" || slices.Contains(names, vrf) {
		return nil
	}
	if len(names) == 0 {
		return fmt.Errorf("%s has no vrf %q: it has no VRFs (a PE does)", n.Model.Name, vrf)
	}
	msg := fmt.Sprintf("%s has no vrf %q", n.Model.Name, vrf)
	if near := didYouMean(vrf, names); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return fmt.Errorf("%s; its VRFs: %s", msg, strings.Join(names, ", "))
}

// didYouMean returns the name nearest s if it is near enough to be a
// typo of it (two edits, or one for short names), else "".
func didYouMean(s string, names []string) string {
	best, bestD := "", 3
	if len(s) <= 3 {
		bestD = 2
	}
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance counts the edits (insert, delete, change, or swap two
// neighbours: "rde" is one from "red") that turn a into b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
