package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// fuzzLab is one converged seed lab per fuzzing process: building one
// per input would leave no time to fuzz.
var fuzzLab struct {
	once sync.Once
	srv  *Server
	err  error
}

func fuzzServer(f *testing.F) *Server {
	fuzzLab.once.Do(func() {
		m, err := topology.LoadSeed()
		if err != nil {
			fuzzLab.err = err
			return
		}
		l, err := lab.New(m, lab.Options{BGPTransport: "memory"})
		if err != nil {
			fuzzLab.err = err
			return
		}
		f.Cleanup(l.Close)
		l.Start()
		if _, _, ok := l.WaitReady(20*time.Second, 10*time.Millisecond, nil); !ok {
			fuzzLab.err = io.ErrUnexpectedEOF
			return
		}
		fuzzLab.srv = NewServer(l, slog.New(slog.DiscardHandler))
	})
	if fuzzLab.err != nil {
		f.Fatalf("seed lab: %v", fuzzLab.err)
	}
	return fuzzLab.srv
}

var fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}

// FuzzLabAPI drives the lab API's handlers, past the token and header
// checks, with arbitrary methods, paths and bodies: whatever comes in,
// the answer is never a 5xx nor a panic, and a refusal is a JSON error.
func FuzzLabAPI(f *testing.F) {
	srv := fuzzServer(f)
	for _, s := range []struct {
		m    uint8
		path string
		body string
	}{
		{1, "/api/v1/ping", `{"src":"ce1","dst":"ce2","count":2,"interval_ns":1000000}`},
		{1, "/api/v1/ping", `{"src":"ce1","dst":"ce2","count":300000000}`},
		{1, "/api/v1/ping", `{"src":"ce1","dst":"10.255.96.2","size":65507,"ttl":2,"count":1}`},
		{1, "/api/v1/ping", `{"src":"ce1:eth1","dst":"ce2","vrf":"tenant","timeout_ns":1000000}`},
		{1, "/api/v1/trace", `{"src":"ce1","dst":"ce2","probes":4611686018427387904}`},
		{1, "/api/v1/trace", `{"src":"pe1","dst":"ce2","vrf":"tenant","probes":1,"max_hops":3}`},
		{2, "/api/v1/links/pe1/p1", `{"impairment":{"latency_ns":1000000,"loss":0.5,"rate_bps":1000}}`},
		{2, "/api/v1/links/pe1/p2", `{"up":false}`},
		{2, "/api/v1/links/pe1/p2", `{"up":true}`},
		{0, "/api/v1/capture?a=pe1&b=p1&count=1&duration=10ms", ""},
		{0, "/api/v1/nodes/pe1/bgp/vpnv4", ""},
		{0, "/api/v1/nodes/pe1/route?vrf=tenant", ""},
		{0, "/api/v1/events?since=2020-01-01T00:00:00Z", ""},
		{1, "/api/v1/nodes/pe2/restart-bgp", ""},
		{1, "/api/v1/nodes/pe1/sr-policies", `{"color":100,"endpoint":"pe2","candidate_paths":[{"preference":2,"explicit":["p1","pe2"],"strict":true},{"preference":1,"dynamic":true,"metric":"latency","exclude_any":["x"]}]}`},
		{3, "/api/v1/nodes/pe1/sr-policies/100/pe2", ""},
		{0, "/api/v1/status", ""},
		{3, "/api/v1/links/a/b", "{}"},
		{1, "/api/v1/ping", `{"src":"ce1","dst":"ce2"} []`},
		{1, "/api/v1/ping", `null`},
		{0, "/api/v1/login?token=x&next=//evil.example", ""},
		{4, "/api/v1/links/pe1:eth1", `{"up":true,"impairment":{"jitter_ns":5}}`},
	} {
		f.Add(s.m, s.path, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, m uint8, path string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			path = "/api/v1/" + path
		}
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		req, err := http.NewRequest(method, "http://127.0.0.1:4950"+path, strings.NewReader(string(body)))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		req.Header.Set("Content-Type", "application/json")
		// Long pings, traces and captures are cut short, as a client
		// hanging up would.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req.WithContext(ctx))
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body.String())
		}
		if rec.Code >= 400 && method != "HEAD" {
			var e Error
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("%s %s %q: %d with a body that is no JSON error: %q", method, path, body, rec.Code, rec.Body.String())
			}
		}
	})
}
