package api

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// TestViewEndpoints checks what the web UI reads besides the tables: the
// map, the sessions' states, and the clouds (none in a lab without a
// daemon's OpenStack).
func TestViewEndpoints(t *testing.T) {
	c := startLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	topo, err := c.Topology(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The map draws every router and every link the lab runs: compute
	// nodes and their underlay links inside their clouds' boxes.
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	computes, underlay := 0, 0
	for _, cl := range topo.Clouds {
		for _, cp := range cl.Computes {
			computes++
			if cp.Link != nil {
				underlay++
			}
		}
	}
	if topo.Schema != "intercloud.diagram/v1" || len(topo.Nodes)+computes != st.Routers || len(topo.Edges)+underlay != st.Links || len(topo.Edges[0].Points) < 2 {
		t.Errorf("topology of a lab with %d routers and %d links: %+v", st.Routers, st.Links, topo)
	}

	var sessions []Session
	if err := c.Do(ctx, "GET", "/sessions", nil, nil, &sessions); err != nil {
		t.Fatal(err)
	}
	established := 0
	for _, s := range sessions {
		if s.State == "Established" && s.Reachable {
			established++
		}
	}
	if len(sessions) != st.BGPSessions || established != st.BGPEstablished || established == 0 {
		t.Errorf("sessions of a converged seed lab: %+v", sessions)
	}
	// A PE-CE session names its VRF, as the map's sessions do.
	found := false
	for _, s := range sessions {
		found = found || (s.A == "pe1" && s.B == "ce1" && s.VRF == "tenant")
	}
	if !found {
		t.Errorf("no pe1-ce1 session in vrf tenant: %+v", sessions)
	}

	var se *StatusError
	if err := c.Do(ctx, "GET", "/clouds", nil, nil, nil); !errors.As(err, &se) || se.Code != http.StatusNotFound {
		t.Errorf("clouds without OpenStack: %v, want a 404", err)
	}

	// Without the token, none of them answers.
	anon := NewClient(c.Addr, "")
	for _, p := range []string{"/topology", "/sessions", "/clouds"} {
		if err := anon.Do(ctx, "GET", p, nil, nil, nil); !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %v, want a 401", p, err)
		}
	}
}
