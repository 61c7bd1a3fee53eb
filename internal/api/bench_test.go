package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// BenchmarkLabAPIChecks measures what the Host, Origin, token and
// content-type checks add to a request: the same POST (a ping refused
// for its range, so no lab work blurs the figure) through the guarded
// handler and straight to the routes, in one run.
//
//	go test -run '^$' -bench LabAPIChecks -benchmem ./internal/api/
func BenchmarkLabAPIChecks(b *testing.B) {
	m, err := topology.LoadSeed()
	if err != nil {
		b.Fatal(err)
	}
	l, err := lab.New(m, lab.Options{BGPTransport: "memory"})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	srv := NewServer(l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	body := `{"src":"ce1","dst":"ce2","count":300000000}`
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"guarded", srv.Handler()}, {"routes-only", srv.mux}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", "http://127.0.0.1:4950/api/v1/ping", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+srv.Token())
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Origin", "http://127.0.0.1:4950")
				rec := httptest.NewRecorder()
				c.h.ServeHTTP(rec, req)
				if rec.Code != 400 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
