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
	ByRepair     map[string]int `json:"by_repair"`     // lfa, rlfa, ti-lfa, ecmp
	Unprotected  map[string]int `json:"unprotected"`   // by reason
	Rows         []igp.FRRRow   `json:"rows"`
}

// frrReport counts destinations, not first hops: an ECMP route is one
// destination.
func frrReport(rows []igp.FRRRow) FRRReport {
	r := FRRReport{ByProtection: map[string]int{}, ByRepair: map[string]int{}, Unprotected: map[string]int{}, Rows: rows}
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
			r.ByRepair[x.Repair]++
		} else {
			r.Unprotected[x.Why]++
		}
	}
	return r
}

func (r FRRReport) String() string {
	var b strings.Builder
	w := table(&b)
	fmt.Fprintln(w, "Prefix\tNexthop\tBackup\tProtection\tRepair")
	for _, x := range r.Rows {
		backup, prot, repair := "-", x.Protection, "-"
		if x.Backup.IsValid() {
			backup = x.Backup.String() + " " + x.BackupIface
			repair = repairText(x)
		} else if x.Why != "" {
			prot += " (" + x.Why + ")"
		}
		fmt.Fprintf(w, "%s\t%s %s\t%s\t%s\t%s\n", x.Prefix, x.Nexthop, x.Iface, backup, prot, repair)
	}
	w.Flush()
	fmt.Fprintf(&b, "\n%d of %d destinations protected", r.Protected, r.Destinations)
	if r.Protected > 0 {
		fmt.Fprintf(&b, " (%s; %s)", counts(r.ByProtection), counts(r.ByRepair))
	}
	if n := r.Destinations - r.Protected; n > 0 {
		fmt.Fprintf(&b, "; %d unprotected: %s", n, counts(r.Unprotected))
	}
	b.WriteString("\n")
	return b.String()
}

// repairText says how a backup was found: "lfa", "ecmp", "rlfa (PQ
// 10.255.0.3)" with the PQ node tunnelled to, or "ti-lfa" with its repair
// list and the labels pushed, e.g. "ti-lfa [node 10.255.0.3 (16003)] push
// 16003/16012".
func repairText(x igp.FRRRow) string {
	if x.Repair == "rlfa" {
		return "rlfa (PQ " + x.PQ.String() + ")"
	}
	if x.Repair != "ti-lfa" {
		return x.Repair
	}
	if len(x.Segments) == 0 {
		return "ti-lfa (no segment: the backup's own shortest path)"
	}
	segs := make([]string, len(x.Segments))
	for i, s := range x.Segments {
		segs[i] = s.String()
	}
	out := "ti-lfa [" + strings.Join(segs, ", ") + "]"
	if len(x.BackupLabels) > 0 {
		ls := make([]string, len(x.BackupLabels))
		for i, l := range x.BackupLabels {
			ls[i] = fmt.Sprint(l)
		}
		out += " push " + strings.Join(ls, "/")
	}
	return out
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
