package neutron

import (
	"context"
	"slices"
)

// A deleted half's peer must hear of it, or its BGPVPN keeps importing a
// route target nobody exports any more. The engine tells it after the
// delete commits; so that a daemon killed before the peer was reached
// still tells it when it comes back, the delete's transaction also
// stores a notice of what is owed, which the engine takes away once the
// peer has been told. While a notice is pending its half's route target
// stays reserved: given to another interconnection, it would reach a peer
// that still imports it.

const kindInterconnectionNotice = "interconnection_notice"

// interconnectionNotice is a deleted half whose peer has not been told
// yet. It is in no API.
type interconnectionNotice struct {
	Common
	// Half is the deleted half as it was, state TEARDOWN.
	Half Interconnection `json:"half"`
}

func (s *state) interconnectionNotices() []*interconnectionNotice {
	return all[*interconnectionNotice](s, kindInterconnectionNotice)
}

// noteDeleted stores the notice that gone's peer is to be told.
func (s *Service) noteDeleted(st *state, gone Interconnection) {
	n := &interconnectionNotice{Half: gone}
	n.Half.BGPVPNIDs = slices.Clone(gone.BGPVPNIDs)
	n.ProjectID = gone.ProjectID
	n.Name = "deleted:" + gone.ID
	s.stamp(&n.Common)
	st.add(kindInterconnectionNotice, n)
}

// PendingDeletions are the deleted halves whose peers have not been told
// yet (DeletionTold not called), oldest first: after a restart the
// engine tells them.
func (s *Service) PendingDeletions(ctx context.Context) ([]Interconnection, error) {
	cur, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	var out []Interconnection
	for _, n := range cur.detached().interconnectionNotices() {
		out = append(out, n.Half)
	}
	return out, nil
}

// DeletionTold drops the notice of deleted half id: its peer was told
// (or answered that nothing there points at it).
func (s *Service) DeletionTold(ctx context.Context, id string) error {
	return s.update(ctx, func(st *state) error {
		for _, n := range st.interconnectionNotices() {
			if n.Half.ID == id {
				st.remove(n.ID)
			}
		}
		return nil
	})
}
