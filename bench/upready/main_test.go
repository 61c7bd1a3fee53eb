package main

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

// up's output, as a 1,000-router lab prints it: progress on stderr, then
// "is up" and the summary on stdout, then the rest.
const upOutput = `building 1322 routers...
waiting for adjacencies and LSPs...
lab gen is up: 1322 routers, 1664 links (1664 up), 704 IGP adjacencies, 704 LDP sessions, 163008 LSPs, 1321 BGP sessions
built in 221ms; converged in 690ms of lab time (links' latencies included), computed in 4.108s
API on http://127.0.0.1:4950/api/v1
`

func TestTheReadyInstantIsTheIsUpLineAndTheSummaryKeepsItsThreeFigures(t *testing.T) {
	var r run
	start := time.Now().Add(-time.Second)
	if err := readUp(bufio.NewScanner(strings.NewReader(upOutput)), start, &r); err != nil {
		t.Fatal(err)
	}
	if r.ready < time.Second {
		t.Errorf("ready after %v, not timed from the start", r.ready)
	}
	if !strings.HasPrefix(r.counts, "lab gen is up: 1322 routers") {
		t.Errorf("counts = %q", r.counts)
	}
	if want := "built in 221ms, converged in 690ms of lab time, computed in 4.108s"; r.summary != want {
		t.Errorf("summary = %q, want %q", r.summary, want)
	}
}

func TestAnUpThatEndsBeforeItIsUpIsAnErrorWithItsLastLines(t *testing.T) {
	out := "building 12 routers...\nlab did not converge within 5m0s\n"
	var r run
	err := readUp(bufio.NewScanner(strings.NewReader(out)), time.Now(), &r)
	if err == nil || !strings.Contains(err.Error(), "did not converge") {
		t.Fatalf("err = %v, want one that quotes up's last lines", err)
	}
}
