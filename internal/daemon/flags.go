package daemon

import (
	"fmt"
	"net/netip"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/store"
)

// DefaultTCPBase is where the routers' TCP addresses come from unless
// --tcp-base says otherwise (router i of the file gets base+i+1).
var DefaultTCPBase = lab.DefaultTCPBase

// DatabaseFile is the name of the clouds' OpenStack database in the
// state directory.
const DatabaseFile = store.FileName

// LabFlags are up's flags that shape the lab, as the user gave them.
type LabFlags struct {
	TTLMode      string // uniform or pipe
	BGPTransport string // tcp or memory
	BGPPort      uint16
	TCPBase      string // an IPv4 prefix; "" for DefaultTCPBase
}

// Options checks the flags and returns the lab's options; the error
// names the flag and what it wants.
func (f LabFlags) Options() (lab.Options, error) {
	var opts lab.Options
	switch f.TTLMode {
	case "uniform", "":
	case "pipe":
		opts.TTLMode = router.TTLPipe
	default:
		return opts, fmt.Errorf("--ttl-mode %q: want uniform or pipe", f.TTLMode)
	}
	switch f.BGPTransport {
	case "tcp", "memory":
		opts.BGPTransport = f.BGPTransport
	default:
		return opts, fmt.Errorf("--bgp-transport %q: want tcp or memory", f.BGPTransport)
	}
	opts.BGPPort = f.BGPPort
	if f.TCPBase != "" {
		p, err := netip.ParsePrefix(f.TCPBase)
		if err != nil || !p.Addr().Is4() {
			return opts, fmt.Errorf("--tcp-base %q: want an IPv4 prefix such as %v", f.TCPBase, DefaultTCPBase)
		}
		opts.TCPBase = p.Masked()
	}
	return opts, nil
}
