package api

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// startSRTELab serves examples/sr-te.yaml on the real clock.
func startSRTELab(t *testing.T) (*Client, string) {
	t.Helper()
	res, err := topology.LoadFile(filepath.Join("..", "..", "examples", "sr-te.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.New(res.Model, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(l, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	l.Start()
	if c, took, ok := l.WaitReady(20*time.Second, 10*time.Millisecond, nil); !ok {
		t.Fatalf("lab not ready after %v: %+v", took, c)
	}
	return NewClient(ln.Addr().String(), srv.Token()), ln.Addr().String()
}

func statusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestSRPoliciesAreAddedShownAndDeletedThroughTheAPI(t *testing.T) {
	c, addr := startSRTELab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	add := SRPolicy{Color: 300, Endpoint: "pe2", Paths: []SRPath{
		{Preference: 10, Dynamic: true, Metric: "igp", Exclude: []string{"leased"}}}}
	var created []SRPolicyState
	if err := c.Do(ctx, "POST", "/nodes/pe1/sr-policies", nil, add, &created); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range created {
		found = found || p.Color == 300 && p.State == "up" && len(p.Paths[0].Segments) == 1
	}
	if !found {
		t.Fatalf("POST answered %+v", created)
	}
	var tab Table
	if err := c.Do(ctx, "GET", "/nodes/pe1/sr-policy", nil, nil, &tab); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.Text, "SR policy color 300 endpoint") {
		t.Fatalf("show pe1 sr-policy:\n%s", tab.Text)
	}

	for _, tc := range []struct {
		name, path string
		body       any
		want       int
	}{
		{"the same color and endpoint again", "/nodes/pe1/sr-policies", add, http.StatusConflict},
		{"an unknown headend", "/nodes/nosuch/sr-policies", add, http.StatusNotFound},
		{"a P router as headend", "/nodes/p1/sr-policies", add, http.StatusBadRequest},
		{"color 0", "/nodes/pe1/sr-policies", SRPolicy{Endpoint: "pe2", Paths: add.Paths}, http.StatusBadRequest},
		{"no candidate path", "/nodes/pe1/sr-policies", SRPolicy{Color: 5, Endpoint: "pe2"}, http.StatusBadRequest},
		{"an unknown segment", "/nodes/pe1/sr-policies", SRPolicy{Color: 5, Endpoint: "pe2", Paths: []SRPath{{Preference: 1, Explicit: []string{"p9"}}}}, http.StatusNotFound},
		{"an unknown field", "/nodes/pe1/sr-policies", map[string]any{"colour": 5}, http.StatusBadRequest},
	} {
		if err := c.Do(ctx, "POST", tc.path, nil, tc.body, nil); statusOf(err) != tc.want {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.want)
		}
	}

	if err := c.Do(ctx, "DELETE", "/nodes/pe1/sr-policies/300/pe2", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "DELETE", "/nodes/pe1/sr-policies/300/pe2", nil, nil, nil); statusOf(err) != http.StatusNotFound {
		t.Errorf("second DELETE: %v, want 404", err)
	}
	if err := c.Do(ctx, "DELETE", "/nodes/pe1/sr-policies/x/pe2", nil, nil, nil); statusOf(err) != http.StatusBadRequest {
		t.Errorf("DELETE of color x: %v, want 400", err)
	}
	// The token guard covers the new routes like every other.
	if err := NewClient(addr, "wrong").Do(ctx, "POST", "/nodes/pe1/sr-policies", nil, add, nil); statusOf(err) != http.StatusUnauthorized {
		t.Errorf("POST without the token: %v, want 401", err)
	}
}
