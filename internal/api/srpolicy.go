package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/srte"
	"github.com/intercloud/intercloud/internal/topology"
)

// SRPolicy is the body of POST /api/v1/nodes/{node}/sr-policies: an SR
// policy of the headend node, written as in the topology file's
// sr-policies: block (nodes by name; explicit segments may also be
// loopback addresses).
type SRPolicy struct {
	Name     string   `json:"name,omitempty"`
	Color    uint32   `json:"color"`
	Endpoint string   `json:"endpoint"`
	Paths    []SRPath `json:"candidate_paths"`
}

// SRPath is a candidate path of an SRPolicy, as the topology file's
// sr-policies: block writes one.
type SRPath struct {
	Name       string   `json:"name,omitempty"`
	Preference uint32   `json:"preference"`
	Explicit   []string `json:"explicit,omitempty"` // segments: nodes or loopbacks
	Strict     bool     `json:"strict,omitempty"`
	Dynamic    bool     `json:"dynamic,omitempty"`
	Metric     string   `json:"metric,omitempty"` // "latency" or "igp"
	Exclude    []string `json:"exclude_any,omitempty"`
}

func (p SRPath) topology() topology.SRPath {
	return topology.SRPath{Name: p.Name, Preference: p.Preference, Explicit: p.Explicit, Strict: p.Strict, Dynamic: p.Dynamic, Metric: p.Metric, Exclude: p.Exclude}
}

// addSRPolicy installs a policy: 201 with the headend's policies, 404
// for an unknown node, 409 when one of that color and endpoint exists,
// 400 for anything else wrong with it.
func (s *Server) addSRPolicy(w http.ResponseWriter, r *http.Request) {
	var p SRPolicy
	if !decode(w, r, &p) {
		return
	}
	node := r.PathValue("node")
	err := s.lab.AddSRPolicy(topology.SRPolicy{Headend: node, Name: p.Name, Color: p.Color, Endpoint: p.Endpoint, Paths: wireSlice(p.Paths, SRPath.topology)})
	if err != nil {
		srPolicyError(w, err)
		return
	}
	ps, err := s.lab.SRPolicies(node)
	if err != nil {
		srPolicyError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, wireSlice(ps, wireSRPolicyState))
}

// deleteSRPolicy removes the policy (color, endpoint) of a headend: 204,
// or 404 when the node or the policy is not there.
func (s *Server) deleteSRPolicy(w http.ResponseWriter, r *http.Request) {
	color, err := strconv.ParseUint(r.PathValue("color"), 10, 32)
	if err != nil || color == 0 {
		writeError(w, http.StatusBadRequest, errors.New("color must be a number from 1 to 4294967295"))
		return
	}
	if err := s.lab.DeleteSRPolicy(r.PathValue("node"), uint32(color), r.PathValue("endpoint")); err != nil {
		srPolicyError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func srPolicyError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, srte.ErrExists):
		writeError(w, http.StatusConflict, err)
	case errors.Is(err, lab.ErrNoSRPolicy):
		writeError(w, http.StatusNotFound, err)
	default:
		labError(w, err)
	}
}
