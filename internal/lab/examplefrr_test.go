package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// The README's FRR example works as given: examples/frr-rr.conf names
// the addresses pe1 and pe2 of examples/frr-rr.yaml connect from, and
// with FRR reflecting their routes ce1 reaches ce2. (Only FRR's port is
// moved, to a free one.)
func TestTheFRRExampleReflectsTheVPN(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	y, conf := read("frr-rr.yaml"), read("frr-rr.conf")
	res, err := topology.Load("frr-rr.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	pl := &Lab{Model: res.Model}
	for node, want := range map[string]string{"pe1": "127.65.0.2", "pe2": "127.65.0.3"} {
		if a, ok := pl.SpeakerAddr(node, ""); !ok || a.String() != want || !strings.Contains(conf, "neighbor "+want+" route-reflector-client") {
			t.Fatalf("%s connects from %v; frr-rr.conf must make %s a client", node, a, want)
		}
	}
	if !strings.Contains(y, "127.0.0.1:1790") {
		t.Fatal("frr-rr.yaml no longer puts FRR on 127.0.0.1:1790, as the README says")
	}
	y = strings.ReplaceAll(strings.ReplaceAll(y, "%", "%%"), "127.0.0.1:1790", "127.0.0.1:%d")
	conf = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(conf, "%", "%%"), "127.65.0.2", "%[1]s"), "127.65.0.3", "%[2]s")
	l, clk, _ := externalLab(t, y, conf, "pe1", "pe2")
	advanceUntil(t, clk, 20*time.Second, "both sites to route to each other through FRR", func() bool { return sitesRoute(l, "ce1", "ce2") })
	if r := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 2, Interval: 100 * time.Millisecond}); r.Received != 2 {
		t.Fatalf("ping ce1 -> ce2 over the example's FRR: %+v", r)
	}
}
