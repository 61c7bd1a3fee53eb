package hugepages

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestTheHeapGrowsOntoHugePages: once Prepare has run, the small objects
// allocated next (as a lab's routes are) sit in memory the process asked
// to have on huge pages, which the system gives it only when it asks
// (THP "madvise"), and some of it is.
func TestTheHeapGrowsOntoHugePages(t *testing.T) {
	mode, err := SystemMode()
	if err != nil {
		t.Skipf("no transparent huge pages here: %v", err)
	}
	if mode != Madvise {
		t.Skipf("THP is %q here: Prepare leaves the heap to the system", mode)
	}
	n, err := Prepare(256 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if n < 128<<20 {
		t.Fatalf("Prepare(256 MiB) advised %d bytes, want most of them", n)
	}
	keep := make([][]byte, 0, 32768)
	for range cap(keep) { // 128 MiB
		keep = append(keep, make([]byte, 4096))
	}
	vmas := mappings(t)
	advised, huge := 0, 0
	for _, b := range keep {
		a := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		for i := range vmas {
			if v := &vmas[i]; v.lo <= a && a < v.hi && v.advised {
				advised++
				if v.huge > 0 {
					huge++
				}
				break
			}
		}
	}
	if advised < len(keep)*3/4 {
		t.Errorf("%d of %d objects in memory advised for huge pages, want three quarters", advised, len(keep))
	}
	if huge == 0 {
		t.Errorf("none of %d objects in a mapping with huge pages", len(keep))
	}
	runtime.KeepAlive(keep)
}

type vma struct {
	lo, hi  uintptr
	advised bool // VmFlags hg: MADV_HUGEPAGE
	huge    int  // AnonHugePages, in kB
}

// mappings reads this process's mappings from /proc/self/smaps.
func mappings(t *testing.T) []vma {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("cannot read smaps: %v", err)
	}
	defer f.Close()
	var out []vma
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && !strings.HasSuffix(fields[0], ":") {
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				out = append(out, vma{lo: uintptr(l), hi: uintptr(h)})
				continue
			}
		}
		if len(out) == 0 {
			continue
		}
		v := &out[len(out)-1]
		switch fields[0] {
		case "AnonHugePages:":
			v.huge, _ = strconv.Atoi(fields[1])
		case "VmFlags:":
			for _, fl := range fields[1:] {
				v.advised = v.advised || fl == "hg"
			}
		}
	}
	return out
}
