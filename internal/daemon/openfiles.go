package daemon

import (
	"fmt"
	"io"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// checkOpenFiles makes sure the lab's BGP over TCP has the open files it
// needs, raising the soft limit when short. When the hard limit is too
// low it falls back to the in-memory transport, saying so, unless TCP was
// asked for explicitly (tcpRequired): then it fails with the same advice.
func checkOpenFiles(errw io.Writer, m *topology.Model, opts *lab.Options, tcpRequired bool, lim lab.FileLimit) error {
	if opts.BGPTransport != "tcp" {
		return nil
	}
	b := lab.TCPFileBudget(m)
	need := b.Total()
	have, before, err := lab.EnsureFiles(lim, need)
	if err != nil {
		fmt.Fprintf(errw, "warning: %v\n", err)
	}
	if have >= need {
		if have > before {
			fmt.Fprintf(errw, "raised the open-files limit from %d to %d: the lab's BGP over TCP needs %s\n", before, have, b)
		}
		return nil
	}
	why := fmt.Sprintf("the lab's BGP over TCP needs %s but this process may open only %d; raise the limit with `ulimit -n %d` (the hard limit too, as root or in /etc/security/limits.conf)", b, have, need)
	if tcpRequired {
		return fmt.Errorf("%s, or use --bgp-transport memory", why)
	}
	fmt.Fprintf(errw, "note: %s; running it over the in-memory transport instead (--bgp-transport memory)\n", why)
	opts.BGPTransport = "memory"
	return nil
}
