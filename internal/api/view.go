package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/intercloud/intercloud/internal/diagram"
)

// What a live view of the lab reads besides the tables: the model laid
// out (the same picture as `intercloud graph`), the BGP sessions' states
// and the clouds' resources.

// CloudSummaries reads the clouds' resources for GET /api/v1/clouds; the
// daemon sets it when it serves OpenStack APIs.
type CloudSummaries func(context.Context) ([]CloudSummary, error)

// SetCloudSummaries sets what GET /api/v1/clouds answers with.
func (s *Server) SetCloudSummaries(f CloudSummaries) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cloudSummaries = f
}

// topology answers the model as internal/diagram lays it out, sessions'
// curves included, in the API's own Topology: a browser draws it without
// laying it out again.
func (s *Server) topology(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wireTopology(diagram.Draw(s.lab.Model, diagram.Options{BGP: true})))
}

func (s *Server) sessions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wireSlice(s.lab.Sessions(), wireSession))
}

// clouds answers each cloud's OpenStack resources; 404 when the daemon
// serves no clouds.
func (s *Server) clouds(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.cloudSummaries
	s.mu.Unlock()
	if f == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("lab %s serves no OpenStack APIs: its topology has no clouds", s.lab.Model.Name))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	out, err := f(ctx)
	if err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, context.DeadlineExceeded) {
			code = http.StatusServiceUnavailable
		}
		writeError(w, code, fmt.Errorf("reading the clouds' state: %w", err))
		return
	}
	if out == nil {
		out = []CloudSummary{}
	}
	writeJSON(w, http.StatusOK, out)
}
