package neutron

import (
	"net/http"
	"slices"
)

// The BGP dynamic routing agent as Neutron's agents API shows it.
const (
	agentTypeBGP   = "BGP dynamic routing agent"
	agentBinaryBGP = "neutron-bgp-dragent"
	agentTopicBGP  = "bgp_dragent"
	// agentTime is how agents show their time stamps.
	agentTime = "2006-01-02 15:04:05"
)

var agentAttrs = attrs{
	"id":                  {aFilter | aSort, tStr},
	"agent_type":          {aFilter | aSort, tStr},
	"binary":              {aFilter | aSort, tStr},
	"topic":               {aFilter | aSort, tStr},
	"host":                {aFilter | aSort, tStr},
	"admin_state_up":      {aPut | aFilter | aSort, tBool},
	"created_at":          {0, tStr},
	"started_at":          {0, tStr},
	"heartbeat_timestamp": {0, tStr},
	"alive":               {aFilter, tBool},
	"configurations":      {0, tOther},
	"description":         {aPut | aFilter, tStr},
	"availability_zone":   {0, tStr},
	"resource_versions":   {0, tOther},
	"resources_synced":    {0, tOther},
}

func agentNotFound(id string) *apiError {
	return notFound("AgentNotFound", "Agent %s could not be found.", id)
}

// agentCollection is /v2.0/agents: listed, shown, updated (admin_state_up,
// description) and deleted by an admin; agents register themselves, so
// there is no POST.
func (s *Service) agentCollection() *collection {
	return &collection{
		name: "agents", member: "agent", kind: kindAgent, attrs: agentAttrs,
		notFound: agentNotFound, adminOnly: true, noProject: true,
		visible: func(st *state, c *caller, r resource) bool { return true },
		view: func(st *state, r resource) map[string]any {
			a := r.(*Agent)
			speakers, peers, routes := 0, 0, 0
			for _, id := range a.BGPSpeakers {
				if sp := st.bgpSpeaker(id); sp != nil {
					speakers++
					peers += len(sp.Peers)
					routes += len(st.advertisedRoutes(sp))
				}
			}
			return map[string]any{
				"id": a.ID, "agent_type": a.AgentType, "binary": a.Binary, "topic": a.Topic, "host": a.Host,
				"admin_state_up": a.AdminStateUp, "description": a.Desc,
				"created_at": a.CreatedAt, "started_at": a.StartedAt,
				// The emulated agent reports in continuously.
				"heartbeat_timestamp": s.cfg.Now().UTC().Format(agentTime),
				"alive":               true,
				"configurations": map[string]any{
					"advertise_routes": routes, "bgp_peers": peers, "bgp_speakers": speakers,
				},
				"availability_zone": nil,
				"resource_versions": map[string]any{},
				"resources_synced":  nil,
			}
		},
		update: func(st *state, c *caller, r resource, b *body) error {
			a := r.(*Agent)
			if b.has("description") {
				if b.m["description"] == nil {
					a.Desc = nil
				} else {
					d, err := b.str("description", 255)
					if err != nil {
						return err
					}
					a.Desc = &d
				}
			}
			if b.has("admin_state_up") {
				v, err := b.boolean("admin_state_up")
				if err != nil {
					return err
				}
				a.AdminStateUp = v
			}
			return nil
		},
		// The agent's bindings go with it (ON DELETE CASCADE); its
		// speakers wait for another agent.
		delete: func(st *state, c *caller, r resource) error { return nil },
	}
}

// dragentHosts are the hosts of the region's BGP dynamic routing agents.
func (s *Service) dragentHosts() []string {
	if len(s.cfg.DRAgentHosts) > 0 {
		return s.cfg.DRAgentHosts
	}
	return []string{s.cfg.Region + "-network"}
}

// ensureAgents registers, as a starting agent does, a BGP dynamic routing
// agent on each configured host that has none.
func (s *Service) ensureAgents(st *state) {
	for _, h := range s.dragentHosts() {
		if slices.ContainsFunc(st.agents(), func(a *Agent) bool { return a.AgentType == agentTypeBGP && a.Host == h }) {
			continue
		}
		a := &Agent{AgentType: agentTypeBGP, Binary: agentBinaryBGP, Topic: agentTopicBGP, Host: h,
			AdminStateUp: true, BGPSpeakers: []string{}}
		s.stamp(&a.Common)
		a.CreatedAt = s.cfg.Now().UTC().Format(agentTime)
		a.StartedAt = a.CreatedAt
		st.add(kindAgent, a)
	}
}

// isDragent reports whether a can host speakers: a BGP agent that is up.
func (a *Agent) isDragent() bool { return a.AgentType == agentTypeBGP && a.AdminStateUp }

// hosting lists the agents hosting speaker id.
func (st *state) hosting(id string) []*Agent {
	var out []*Agent
	for _, a := range st.agents() {
		if slices.Contains(a.BGPSpeakers, id) {
			out = append(out, a)
		}
	}
	return out
}

// scheduleSpeaker hosts an unhosted speaker on an agent as
// neutron-dynamic-routing's scheduler does: one speaker per agent, on an
// enabled BGP agent hosting none (the first such, where Neutron's
// ChanceScheduler picks one at random). A speaker no agent can take stays
// unscheduled.
func (st *state) scheduleSpeaker(sp *BGPSpeaker) {
	if len(st.hosting(sp.ID)) > 0 {
		return
	}
	for _, a := range st.agents() {
		if a.isDragent() && len(a.BGPSpeakers) == 0 {
			a.BGPSpeakers = []string{sp.ID}
			st.mark(a)
			return
		}
	}
}

// dragentAction checks the admin-only policy of a scheduler call.
func dragentPolicy(c *caller, rule string) error {
	if !c.admin {
		return policyDenied("rule:" + rule)
	}
	return nil
}

// speakersOnDragent is GET /v2.0/agents/{id}/bgp-drinstances.
func (s *Service) speakersOnDragent(w http.ResponseWriter, r *http.Request, c *caller) {
	if err := dragentPolicy(c, "list_bgp_speaker_on_dragent"); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.read(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := st.agent(r.PathValue("id"))
	if a == nil {
		s.fail(w, r, agentNotFound(r.PathValue("id")))
		return
	}
	col := s.bgpSpeakerCollection()
	out := []any{}
	for _, id := range a.BGPSpeakers {
		if sp := st.bgpSpeaker(id); sp != nil {
			out = append(out, col.render(st, c, sp))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"bgp_speakers": out})
}

// dragentsHostingSpeaker is GET /v2.0/bgp-speakers/{id}/bgp-dragents (an
// unknown speaker has no agents, as Neutron answers).
func (s *Service) dragentsHostingSpeaker(w http.ResponseWriter, r *http.Request, c *caller) {
	if err := dragentPolicy(c, "list_dragent_hosting_bgp_speaker"); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.read(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	col := s.agentCollection()
	out := []any{}
	for _, a := range st.hosting(r.PathValue("id")) {
		out = append(out, col.render(st, c, a))
	}
	writeJSON(w, http.StatusOK, map[string]any{"agents": out})
}

// dragentFor finds the agent of a scheduling call: it must exist and be
// a BGP agent (and, to take a speaker, be enabled).
func dragentFor(st *state, id string, toAdd bool) (*Agent, error) {
	a := st.agent(id)
	if a == nil {
		return nil, agentNotFound(id)
	}
	if a.AgentType != agentTypeBGP || (toAdd && !a.AdminStateUp) {
		return nil, notFound("DrAgentInvalid", "BgpDrAgent %s is invalid or has been disabled.", id)
	}
	return a, nil
}

// addSpeakerToDragent is POST /v2.0/agents/{id}/bgp-drinstances
// {"bgp_speaker_id": ...}: 201 with a null body.
func (s *Service) addSpeakerToDragent(w http.ResponseWriter, r *http.Request, c *caller) {
	raw, err := decodeBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := dragentPolicy(c, "add_bgp_speaker_to_dragent"); err != nil {
		s.fail(w, r, err)
		return
	}
	info, _ := raw.(map[string]any)
	if info == nil {
		s.fail(w, r, httpBadRequest("Body contains invalid data"))
		return
	}
	v, ok := info["bgp_speaker_id"]
	if !ok {
		s.fail(w, r, httpBadRequest("Unable to find 'bgp_speaker_id' in request body"))
		return
	}
	speakerID, _ := v.(string)
	err = s.update(r.Context(), func(st *state) error {
		a, err := dragentFor(st, r.PathValue("id"), true)
		if err != nil {
			return err
		}
		sp := st.bgpSpeaker(speakerID)
		if sp == nil {
			return bgpSpeakerNotFound(pyStr(v))
		}
		// The binding's key is the agent: one speaker per agent.
		if len(a.BGPSpeakers) > 0 {
			return conflict("DrAgentAssociationError", "BgpDrAgent %s is already associated to a BGP speaker.", a.ID)
		}
		a.BGPSpeakers = append(a.BGPSpeakers, sp.ID)
		st.mark(a)
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, nil)
}

// removeSpeakerFromDragent is DELETE
// /v2.0/agents/{id}/bgp-drinstances/{speaker}: 204.
func (s *Service) removeSpeakerFromDragent(w http.ResponseWriter, r *http.Request, c *caller) {
	if err := dragentPolicy(c, "remove_bgp_speaker_from_dragent"); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.update(r.Context(), func(st *state) error {
		a, err := dragentFor(st, r.PathValue("id"), false)
		if err != nil {
			return err
		}
		id := r.PathValue("speaker")
		i := slices.Index(a.BGPSpeakers, id)
		if i < 0 {
			return notFound("DrAgentNotHostingBgpSpeaker", "BGP speaker %s is not hosted by the BgpDrAgent %s.", id, a.ID)
		}
		a.BGPSpeakers = slices.Delete(a.BGPSpeakers, i, i+1)
		st.mark(a)
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
