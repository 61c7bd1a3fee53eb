package lab

import (
	"fmt"

	"github.com/intercloud/intercloud/internal/topology"
)

// With Options.BGPTransport "tcp" every speaker listens on its own 127/8
// address, as a real router does, and the lab holds both ends of every
// session: a large lab needs more open files than a default ulimit gives.

// FileBudget is the open files a lab needs to run its BGP over TCP.
type FileBudget struct {
	Listeners int // one listening socket per speaker address (a node's, and each of a PE's VRFs')
	Sessions  int // sessions, each two sockets (the lab is both of its ends)
	Margin    int // the rest of the process: the API and its clients, the clouds' database, external daemons
}

// fileMargin is room for what the process holds besides the lab's own
// BGP: the API listener and its clients, the clouds' SQLite files, stdio.
const fileMargin = 256

// TCPFileBudget counts the open files m's BGP over TCP needs.
func TCPFileBudget(m *topology.Model) FileBudget {
	b := FileBudget{Margin: fileMargin}
	listening := map[[2]string]bool{}
	for _, s := range m.Sessions {
		a, z := m.Node(s.A), m.Node(s.B)
		cloud := s.Kind == topology.SessionCloudCE || s.Kind == topology.SessionCloudCore // built with their cloud's speaker (cloudbgp.go)
		if a == nil || z == nil || !cloud && !buildsSession(s, a, z) {
			continue
		}
		b.Sessions++
		vrf := ""
		if s.Kind == topology.SessionPECE {
			vrf = s.VRF
		}
		listening[[2]string{s.A, vrf}] = true
		listening[[2]string{s.B, ""}] = true
	}
	b.Listeners = len(listening)
	return b
}

// Total is the open files the budget adds up to.
func (b FileBudget) Total() uint64 {
	return uint64(b.Listeners + 2*b.Sessions + b.Margin)
}

func (b FileBudget) String() string {
	return fmt.Sprintf("%d open files (%d listeners, 2 for each of %d sessions, %d for the rest)", b.Total(), b.Listeners, b.Sessions, b.Margin)
}

// FileLimit reads and sets a process's open-files limit (RLIMIT_NOFILE);
// ProcessFileLimit is this process's.
type FileLimit interface {
	Get() (soft, hard uint64, err error)
	SetSoft(soft uint64) error
}

// EnsureFiles makes room for need open files: when the soft limit is
// lower it is raised, as far as the hard limit allows. It returns the soft
// limit in force afterwards and the one before; have < need means the lab
// cannot have them.
func EnsureFiles(lim FileLimit, need uint64) (have, before uint64, err error) {
	soft, hard, err := lim.Get()
	if err != nil {
		return 0, 0, err
	}
	if soft >= need {
		return soft, soft, nil
	}
	target := min(need, hard)
	if target <= soft {
		return soft, soft, nil
	}
	if err := lim.SetSoft(target); err != nil {
		return soft, soft, fmt.Errorf("raising the open-files limit from %d to %d: %w", soft, target, err)
	}
	return target, soft, nil
}
