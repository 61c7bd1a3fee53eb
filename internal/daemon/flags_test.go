package daemon

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/router"
)

// up's flags become the lab's options; a bad value names its flag and
// what it wants (up prints it and exits 2).
func TestLabFlags(t *testing.T) {
	o, err := LabFlags{TTLMode: "pipe", BGPTransport: "memory", BGPPort: 1179, TCPBase: "127.66.1.9/16"}.Options()
	if err != nil {
		t.Fatal(err)
	}
	if o.TTLMode != router.TTLPipe || o.BGPTransport != "memory" || o.BGPPort != 1179 || o.TCPBase != netip.MustParsePrefix("127.66.0.0/16") {
		t.Errorf("options %+v", o)
	}
	for _, c := range []struct {
		f    LabFlags
		want string
	}{
		{LabFlags{TTLMode: "short", BGPTransport: "tcp"}, `--ttl-mode "short": want uniform or pipe`},
		{LabFlags{TTLMode: "uniform", BGPTransport: "udp"}, `--bgp-transport "udp": want tcp or memory`},
		{LabFlags{TTLMode: "uniform", BGPTransport: "tcp", TCPBase: "::1/64"}, `--tcp-base "::1/64": want an IPv4 prefix such as 127.65.0.0/16`},
	} {
		if _, err := c.f.Options(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %s", c.f, err, c.want)
		}
	}
}
