package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/lab"
)

// ping(8) and traceroute(8) take seconds: -i 0.2 is 200ms, as is -i 200ms.
func TestPingIntervalTakesFractionalSeconds(t *testing.T) {
	for in, want := range map[string]time.Duration{"0.2": 200 * time.Millisecond, "1": time.Second, "200ms": 200 * time.Millisecond, "1.5s": 1500 * time.Millisecond} {
		var d time.Duration
		if err := secondsFlag(&d, time.Second).Set(in); err != nil || d != want {
			t.Errorf("-i %s: %v %v, want %v", in, d, err, want)
		}
	}
	for _, in := range []string{"-1", "soon", "-2ms"} {
		var d time.Duration
		if err := secondsFlag(&d, time.Second).Set(in); err == nil {
			t.Errorf("-i %s accepted as %v", in, d)
		}
	}
}

// `show pe1` alone lists the tables rather than cobra's arg count.
func TestShowANodeAloneListsItsTables(t *testing.T) {
	_, errOut, code := run(t, "show", "pe1")
	if code != 2 || !strings.Contains(errOut, "Name a table") || !strings.Contains(errOut, "bgp summary") || !strings.Contains(errOut, "vrf [NAME [routes]]") {
		t.Errorf("show pe1: %d %q", code, errOut)
	}
}

// The first hour in examples/overlap.yaml, as a new user types it: up
// suggests a trace between nodes the lab has; a name means the node in
// the source's VPN; errors say what to type instead; a refused capture
// leaves no empty pcap behind.
func TestTheFirstHourPointsToWhatWorks(t *testing.T) {
	api, _ := freeAPI(t)
	useStateDir(t, t.TempDir())
	upDone := upConverged(t, 30*time.Second, api, "../../examples/overlap.yaml")
	defer func() {
		run(t, "down", api)
		select {
		case out := <-upDone:
			if !strings.Contains(out, "try: intercloud trace red1 red2;") {
				t.Errorf("up suggests a trace the lab cannot run:\n%s", out)
			}
		case <-time.After(20 * time.Second):
			t.Error("up did not return after down")
		}
	}()

	if _, errOut, code := run(t, "ping", api, "red1", "blue2", "-c", "1"); code == 0 || !strings.Contains(errOut, "from red1 (vpn red) 192.168.0.2 is red2") {
		t.Errorf("ping red1 blue2: %d %q, want a refusal naming red2", code, errOut)
	}
	if out, errOut, code := run(t, "ping", api, "red1", "red2", "-c", "2", "-i", "0.2"); code != 0 || !strings.Contains(out, "2 received") {
		t.Errorf("ping -i 0.2: %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := run(t, "trace", api, "pe1", "red2", "-q", "1"); code == 0 || !strings.Contains(errOut, "add --vrf red") {
		t.Errorf("trace pe1 red2: %d %q, want a hint to add --vrf red", code, errOut)
	}
	if _, errOut, code := run(t, "show", api, "pe1", "route", "--vrf", "rde"); code == 0 || !strings.Contains(errOut, `did you mean "red"?`) {
		t.Errorf("show pe1 route --vrf rde: %d %q", code, errOut)
	}
	if out, errOut, code := run(t, "show", api, "pe1", "bgp", "neighbor", "red1"); code != 0 || !strings.Contains(out, "Description: red1") {
		t.Errorf("show pe1 bgp neighbor red1: %d\n%s%s", code, out, errOut)
	}
	pcap := filepath.Join(t.TempDir(), "x.pcap")
	if _, errOut, code := run(t, "capture", api, "nope", "p1", "-w", pcap, "--duration", "1s"); code == 0 || !strings.Contains(errOut, `no node "nope"`) || strings.Contains(errOut, "capturing") {
		t.Errorf("capture nope p1: %d %q", code, errOut)
	}
	if _, err := os.Stat(pcap); !os.IsNotExist(err) {
		t.Errorf("a refused capture left %s behind (%v)", pcap, err)
	}
	// The README's capture: traffic while it captures fills the file.
	captured := make(chan string, 1)
	go func() {
		_, errOut, code := run(t, "capture", api, "pe1", "p1", "-w", pcap, "--count", "2")
		captured <- fmt.Sprintf("%d %s", code, errOut)
	}()
	// Ping until the capture has its two frames: it may start after a
	// first ping has gone by.
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case res := <-captured:
			if fi, err := os.Stat(pcap); !strings.HasPrefix(res, "0 capturing pe1 - p1") || err != nil || fi.Size() <= 24 {
				t.Errorf("capture pe1 p1 while pinging: %s; file %v %v", res, fi, err)
			}
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("capture --count 2 did not end within 20s of pings crossing the link")
		}
		run(t, "ping", api, "red1", "red2", "-c", "1")
	}
}

// `show NODE` alone names every table the lab can show, so none is found
// only by reading the README.
func TestShowANodeAloneNamesEveryTable(t *testing.T) {
	_, errOut, _ := run(t, "show", "pe1")
	var heads []string
	for _, line := range strings.Split(errOut, "\n") {
		heads = append(heads, strings.NewReplacer("[", "", "]", "").Replace(strings.TrimSpace(line)))
	}
	for _, table := range lab.Tables {
		var words []string
		for _, w := range strings.Fields(table) {
			if strings.ContainsAny(w, "[ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				break
			}
			words = append(words, w)
		}
		name := strings.Join(words, " ")
		found := false
		for _, h := range heads {
			if strings.HasPrefix(h, name+" ") {
				found = true
			}
		}
		if !found {
			t.Errorf("show pe1 alone does not list %q:\n%s", name, errOut)
		}
	}
}
