package testpeer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BagpipeBGP is where Debian's python3-networking-bagpipe puts the daemon.
const BagpipeBGP = "/usr/bin/bagpipe-bgp"

// Bagpipe is a running bagpipe-bgp, the BGP VPN speaker of an OpenStack
// compute node (networking-bagpipe), with its REST API and looking glass
// on 127.0.0.1.
type Bagpipe struct {
	APIPort int
	Dir     string // its configuration and log
	log     *syncBuffer
}

// BagpipeConfig is what the test chooses of bagpipe-bgp's configuration.
type BagpipeConfig struct {
	Local   string   // its BGP address (127/8); also its next hop and RD
	Peers   []string // the addresses it connects to (it never listens)
	AS      uint16   // its AS: bagpipe-bgp only has 2-octet ones
	BGPPort int      // the port it connects to on every peer
}

// StartBagpipe runs bagpipe-bgp in the foreground with a configuration of
// the test's: BGP on c.Local only, the API on 127.0.0.1 and a free port,
// RT constraint off, and the dummy dataplane drivers, which touch neither
// the kernel's MPLS nor OVS. The test skips when it is not installed.
func StartBagpipe(t testing.TB, c BagpipeConfig) *Bagpipe {
	t.Helper()
	if _, err := os.Stat(BagpipeBGP); err != nil {
		t.Skip("bagpipe-bgp not installed (Debian package python3-networking-bagpipe; scripts/test installs it when run as root): skipping interop test")
	}
	b := &Bagpipe{APIPort: FreePort(t, "127.0.0.1"), Dir: t.TempDir(), log: &syncBuffer{}}
	conf := fmt.Sprintf(`[BGP]
local_address = %s
peers = %s
my_as = %d
enable_rtc = False
bgp_port = %d

[API]
host = 127.0.0.1
port = %d

[DATAPLANE_DRIVER_IPVPN]
dataplane_driver = dummy

[DATAPLANE_DRIVER_EVPN]
dataplane_driver = dummy
`, c.Local, strings.Join(c.Peers, ","), c.AS, c.BGPPort, b.APIPort)
	path := filepath.Join(b.Dir, "bgp.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(BagpipeBGP, "--config-file", path, "--log-file", filepath.Join(b.Dir, "bagpipe-bgp.log"))
	cmd.Stdout, cmd.Stderr = b.log, b.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start bagpipe-bgp: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			logged, _ := os.ReadFile(filepath.Join(b.Dir, "bagpipe-bgp.log"))
			t.Logf("bagpipe-bgp output:\n%s\nlog:\n%s", LastLines(b.log.String(), 20), LastLines(string(logged), 60))
		}
	})
	// Python and Neutron's imports take seconds, more on a busy machine.
	WaitFor(t, 90*time.Second, "bagpipe-bgp's REST API", func() bool {
		_, err := b.Get("looking-glass/summary")
		return err == nil
	})
	return b
}

// client is bounded: the API is local, a slow answer is a failure.
var client = &http.Client{Timeout: 10 * time.Second}

// Get reads path (under the API's root, e.g. looking-glass/bgp/peers).
func (b *Bagpipe) Get(path string) ([]byte, error) {
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/%s", b.APIPort, path))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return body, nil
}

// Attach plugs a port into a VPN instance (POST /attach_localport, as
// networking-bagpipe's agent does), which makes bagpipe-bgp advertise
// the port's address in that VPN.
func (b *Bagpipe) Attach(params map[string]any) error {
	return b.post("attach_localport", params)
}

// Detach unplugs it (POST /detach_localport): the route is withdrawn.
func (b *Bagpipe) Detach(params map[string]any) error {
	return b.post("detach_localport", params)
}

func (b *Bagpipe) post(path string, params map[string]any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/%s", b.APIPort, path), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, out)
	}
	return nil
}

// PeerState is bagpipe-bgp's state of its session with peer
// ("Established" ...), from its looking glass.
func (b *Bagpipe) PeerState(peer string) string {
	body, err := b.Get("looking-glass/bgp/peers")
	if err != nil {
		return ""
	}
	var peers []struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	if json.Unmarshal(body, &peers) != nil {
		return ""
	}
	for _, p := range peers {
		if p.ID == peer {
			return p.State
		}
	}
	return ""
}
