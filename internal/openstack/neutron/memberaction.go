package neutron

import "net/http"

// memberAction is the handler of a member action on one resource of col,
// PUT /v2.0/{collection}/{id}/{action} (add_extraroutes, add_addresses,
// add_prefixes and their removes). read turns the request into the
// action's input before the state is locked, so a malformed body is
// refused whatever the id; apply changes the resource with the path's id,
// found as a show would find it, under the update, and returns the answer
// written with 200 OK. Each action keeps its own policy check, revision
// bump and answer in apply, as Neutron's actions differ in all three.
func memberAction[In any](s *Service, col *collection,
	read func(r *http.Request, c *caller) (In, error),
	apply func(st *state, c *caller, res resource, in In) (any, error),
) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		in, err := read(r, c)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var answer any
		err = s.update(r.Context(), func(st *state) error {
			res, err := col.find(st, c, r.PathValue("id"))
			if err != nil {
				return err
			}
			answer, err = apply(st, c, res, in)
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, answer)
	}
}
