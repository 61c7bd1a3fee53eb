package ldp

import (
	"net/netip"
	"slices"
)

// Downstream on demand (RFC 5036 2.6.1, 3.5.8; RFC 7032 for access
// nodes). A session is on demand when both ends propose it in their Init;
// then neither sends the other a mapping it did not ask for. The upstream
// end asks with a Request for each FEC of its table that leaves through
// the peer, and releases those it no longer needs; the downstream end
// answers each open request with its mapping as soon as it has the FEC,
// and keeps it up to date (a withdrawal when the FEC goes, a new mapping
// when it comes back) until the request is released. An access node
// thereby holds labels for its BGP next hops only, and its aggregation
// routers hold one per access node, however large the rest of the
// network.

// proposesOnDemand says whether we propose downstream on demand to a
// session's peer: on a link session over an OnDemand interface.
func (in *Instance) proposesOnDemand(s *session) bool {
	return s.via != "" && slices.Contains(in.cfg.OnDemand, s.via)
}

// request handles a peer's Label Request or Release.
func (in *Instance) request(m *Request) {
	s := in.sessions[m.LSRID]
	if s == nil || !s.operational || !s.onDemand {
		return
	}
	for _, p := range m.FECs {
		if !p.Addr().Is4() {
			continue
		}
		k := keyOf(p.Masked())
		if m.Release {
			delete(s.requested, k)
			continue
		}
		if _, open := s.requested[k]; open {
			continue
		}
		s.requested[k] = struct{}{}
		if l, ok := in.local[k]; ok {
			s.out = append(s.out, Mapping{FEC: k.prefix(), Label: l})
		}
	}
	in.scheduleFlush()
}

// askOnDemand brings each on-demand session's open requests in line with
// the FEC table: a request for every FEC that leaves through the peer, a
// release for every one that no longer does (its label forgotten). Each
// request open is stamped with the pass that last wanted it, so that a
// pass finds those to release without building the set it wants: an
// access node's LDP runs this at every update while a lab comes up.
func (in *Instance) askOnDemand() {
	in.askPass++
	pass := in.askPass
	for _, f := range in.fecs {
		if f.egress {
			continue
		}
		for _, nh := range f.nexthops {
			s := in.peerFor(nh)
			if s == nil || !s.onDemand {
				continue
			}
			if _, ok := s.asked[f.key]; !ok {
				s.ask = append(s.ask, f.key.prefix())
			}
			s.asked[f.key] = pass
		}
	}
	for _, p := range in.peers {
		s := in.sessions[p]
		if !s.operational || !s.onDemand {
			continue
		}
		var release []netip.Prefix
		for k, last := range s.asked {
			if last != pass {
				delete(s.asked, k)
				delete(s.remote, k)
				release = append(release, k.prefix())
			}
		}
		if ask := s.ask; len(ask) > 0 {
			s.ask = nil // the Request keeps it
			slices.SortFunc(ask, comparePrefix)
			in.send(s, &Request{LSRID: in.cfg.LSRID, FECs: ask})
		}
		if len(release) > 0 {
			slices.SortFunc(release, comparePrefix)
			in.send(s, &Request{LSRID: in.cfg.LSRID, FECs: release, Release: true})
		}
	}
}

// forPeer keeps of ms what the peer is to hear: everything on a session
// downstream unsolicited, only what it asked for on one on demand.
func forPeer(s *session, ms []Mapping) []Mapping {
	if !s.onDemand {
		return ms
	}
	var out []Mapping
	for _, m := range ms {
		if _, ok := s.requested[keyOf(m.FEC)]; ok {
			out = append(out, m)
		}
	}
	return out
}
