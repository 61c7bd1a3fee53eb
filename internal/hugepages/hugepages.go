// Package hugepages puts a large lab's heap on Linux's transparent huge
// pages where the system leaves that to each program (THP in "madvise"
// mode, Debian's default), as the JVM's -XX:+UseTransparentHugePages
// does for the Java heap. A lab's heap is large, dense and long-lived:
// on 2 MiB pages the processor walks page tables far less often (in a
// virtual machine each walk is two), and the kernel takes one fault per
// 2 MiB first touched instead of 512. The Go runtime itself no longer
// asks for huge pages for its heap, and a mapping only becomes eligible
// once it exists, so Prepare grows the heap ahead, advises the new
// space and lets it go: the objects allocated next land there.
package hugepages

import "strings"

// Mode is the system's THP setting: "always", "madvise" or "never".
type Mode string

const (
	Always  Mode = "always"
	Madvise Mode = "madvise"
	Never   Mode = "never"
)

// parseMode reads the bracketed choice of
// /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never").
func parseMode(s string) (Mode, bool) {
	for _, m := range []Mode{Always, Madvise, Never} {
		if strings.Contains(s, "["+string(m)+"]") {
			return m, true
		}
	}
	return "", false
}
