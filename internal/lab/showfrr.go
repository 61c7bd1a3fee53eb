package lab

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/intercloud/intercloud/internal/igp"
)

// FRRReport is `show NODE frr`: per destination (IGP route not directly
// attached), whether fast reroute covers it, how, and why not.
type FRRReport struct {
	Destinations int            `json:"destinations"`
	Protected    int            `json:"protected"`
	ByProtection map[string]int `json:"by_protection"` // node, link, ecmp
	Unprotected  map[string]int `json:"unprotected"`   // by reason
	Rows         []igp.FRRRow   `json:"rows"`
}

// frrReport counts destinations, not first hops: an ECMP route is one
// destination.
func frrReport(rows []igp.FRRRow) FRRReport {
	r := FRRReport{ByProtection: map[string]int{}, Unprotected: map[string]int{}, Rows: rows}
	seen := map[netip.Prefix]bool{}
	for _, x := range rows {
		if seen[x.Prefix] {
			continue
		}
		seen[x.Prefix] = true
		r.Destinations++
		if x.Backup.IsValid() {
			r.Protected++
			r.ByProtection[x.Protection]++
		} else {
			r.Unprotected[x.Why]++
		}
	}
	return r
}

func (r FRRReport) String() string {
	var b strings.Builder
	w := table(&b)
	fmt.Fprintln(w, "Prefix\tNexthop\tBackup\tProtection")
	for _, x := range r.Rows {
		backup, prot := "-", x.Protection
		if x.Backup.IsValid() {
			backup = x.Backup.String() + " " + x.BackupIface
		} else if x.Why != "" {
			prot += " (" + x.Why + ")"
		}
		fmt.Fprintf(w, "%s\t%s %s\t%s\t%s\n", x.Prefix, x.Nexthop, x.Iface, backup, prot)
	}
	w.Flush()
	fmt.Fprintf(&b, "\n%d of %d destinations protected", r.Protected, r.Destinations)
	if r.Protected > 0 {
		fmt.Fprintf(&b, " (%s)", counts(r.ByProtection))
	}
	if n := r.Destinations - r.Protected; n > 0 {
		fmt.Fprintf(&b, "; %d unprotected: %s", n, counts(r.Unprotected))
	}
	b.WriteString("\n")
	return b.String()
}

// counts prints "k: n" pairs, largest first.
func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}
