package frrlab

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat's times:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procUsage is one process's CPU time and peak resident memory.
type procUsage struct {
	cpu  time.Duration // user + system
	peak uint64        // VmHWM, bytes
}

// readUsage reads pid's usage from /proc (what getrusage would give
// its parent, which for a daemon is init).
func readUsage(pid int) (procUsage, bool) {
	p := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(p + "/stat")
	if err != nil {
		return procUsage{}, false
	}
	_, after, ok := strings.Cut(string(stat), ") ")
	if !ok {
		return procUsage{}, false
	}
	// after starts at field 3 (state); utime and stime are fields 14, 15.
	f := strings.Fields(after)
	if len(f) < 13 {
		return procUsage{}, false
	}
	ut, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	u := procUsage{cpu: time.Duration(ut+st) * time.Second / clockTicks}
	status, err := os.ReadFile(p + "/status")
	if err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				u.peak = kb * 1024
			}
		}
	}
	return u, true
}

func (l *Lab) note(pid int, u procUsage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.usage[pid] = u
}

// Usage is what the lab's processes have used so far.
type Usage struct {
	CPU       time.Duration // user + system time of every process
	PeakRSS   uint64        // the sum of every process's peak resident set, bytes
	Processes int
}

// Usage sums the CPU time and peak RSS of every process that ran in the
// lab's namespaces (the daemons, ldpd's children), those still running
// read now, those killed as last read.
func (l *Lab) Usage() (Usage, error) {
	for _, pid := range pidsIn(l.netns) {
		if u, ok := readUsage(pid); ok {
			l.note(pid, u)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out Usage
	for _, u := range l.usage {
		out.CPU += u.cpu
		out.PeakRSS += u.peak
		out.Processes++
	}
	if out.Processes == 0 {
		return out, errNoRouters
	}
	return out, nil
}
