package frrlab

import (
	"bufio"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// A FIBMonitor watches the kernel routing tables of some routers (`ip
// monitor route nexthop` in each namespace) and keeps the time of the
// last change: when a reconvergence is over, that is when the kernel got
// its last route, more exactly than polling vtysh can say.
type FIBMonitor struct {
	mu   sync.Mutex
	last time.Time
	n    int
	cmds []*exec.Cmd
	wg   sync.WaitGroup
}

// MonitorFIB starts watching nodes' default-VRF tables.
func (l *Lab) MonitorFIB(nodes []string) (*FIBMonitor, error) {
	m := &FIBMonitor{}
	for _, node := range nodes {
		cmd := exec.Command("ip", "-n", l.NS(node), "-ts", "monitor", "route", "nexthop")
		out, err := cmd.StdoutPipe()
		if err != nil {
			m.Stop()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			m.Stop()
			return nil, err
		}
		m.cmds = append(m.cmds, cmd)
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				m.saw(sc.Text())
			}
		}()
	}
	return m, nil
}

// saw notes one line of `ip -ts monitor`: "[2006-01-02T15:04:05.000000] ...".
func (m *FIBMonitor) saw(line string) {
	stamp, _, ok := strings.Cut(strings.TrimPrefix(line, "["), "]")
	if !ok {
		return // a continuation line of a multipath route
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.000000", stamp, time.Local)
	if err != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	if t.After(m.last) {
		m.last = t
	}
}

// Last is the time of the last change seen and how many were seen.
func (m *FIBMonitor) Last() (time.Time, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last, m.n
}

// Stop ends the monitors.
func (m *FIBMonitor) Stop() {
	for _, c := range m.cmds {
		_ = c.Process.Kill()
	}
	for _, c := range m.cmds {
		_ = c.Wait()
	}
	m.wg.Wait()
	m.cmds = nil
}
