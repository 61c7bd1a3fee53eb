package neutron

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"

	"github.com/intercloud/intercloud/internal/openstack/ostest"
)

// ifMatch sends a request with an If-Match header to cloud1's Neutron.
func ifMatch(t *testing.T, lb *lab, token, method, path, header string, body any) (int, map[string]any) {
	t.Helper()
	code, _, out := ostest.Call(t, method, lb.URL+"/cloud1/network"+path,
		map[string]string{"X-Auth-Token": token, "If-Match": header}, body)
	return code, out
}

func TestAnUpdateConstrainedToAStaleRevisionIsRefusedWith412(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	ctx := testCtx(t)
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r1"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	rev := rt.RevisionNumber
	// gophercloud's RevisionNumber is "If-Match: revision_number=N".
	up, err := routers.Update(ctx, demo, rt.ID, routers.UpdateOpts{Name: "r2", RevisionNumber: ptr(rev)}).Extract()
	if err != nil {
		t.Fatalf("update at the current revision: %v", err)
	}
	if up.Name != "r2" || up.RevisionNumber != rev+1 {
		t.Errorf("after the update: name %q revision %d, want r2 and %d", up.Name, up.RevisionNumber, rev+1)
	}
	_, err = routers.Update(ctx, demo, rt.ID, routers.UpdateOpts{Name: "r3", RevisionNumber: ptr(rev)}).Extract()
	gcError(t, "update at a stale revision", err, http.StatusPreconditionFailed, "RevisionNumberConstraintFailed",
		fmt.Sprintf("Constrained to %d, but current revision is %d", rev, rev+1))
	if got, _ := routers.Get(ctx, demo, rt.ID).Extract(); got == nil || got.Name != "r2" || got.RevisionNumber != rev+1 {
		t.Errorf("a refused update changed the router: %+v", got)
	}

	tok := demo.Token()
	path := "/v2.0/routers/" + rt.ID
	name := map[string]any{"router": map[string]any{"name": "x"}}
	code, body := ifMatch(t, lb, tok, "PUT", path, `"revision_number=1", "revision_number=2"`, name)
	wantNeutronError(t, "two revision etags", code, body, http.StatusBadRequest, "BadRequest",
		"Bad if-match request: Multiple revision_number etags are not supported..") // Neutron's message ends in a dot, and so does its format
	code, body = ifMatch(t, lb, tok, "PUT", path, "revision_number=one", name)
	wantNeutronError(t, "a revision that is not a number", code, body, http.StatusBadRequest, "BadRequest",
		"Bad if-match request: Revision number etag must be in the format of revision_number=<int>.")
	// Other entity tags are not Neutron's business.
	if code, body := ifMatch(t, lb, tok, "PUT", path, `"abc"`, name); code != http.StatusOK {
		t.Errorf("If-Match without a revision: %d %v", code, body)
	}

	code, body = ifMatch(t, lb, tok, "DELETE", path, fmt.Sprintf("revision_number=%d", rev), nil)
	wantNeutronError(t, "delete at a stale revision", code, body, http.StatusPreconditionFailed, "RevisionNumberConstraintFailed",
		fmt.Sprintf("Constrained to %d, but current revision is %d", rev, rev+2))
	if code, body := ifMatch(t, lb, tok, "DELETE", path, fmt.Sprintf("revision_number=%d", rev+2), nil); code != http.StatusNoContent {
		t.Errorf("delete at the current revision: %d %v", code, body)
	}

	// Address scopes have no revision to match.
	code, body = raw(t, lb, demo, "POST", "/v2.0/address-scopes", map[string]any{"address_scope": map[string]any{"name": "s", "ip_version": 4}})
	if code != http.StatusCreated {
		t.Fatalf("address scope create: %d %v", code, body)
	}
	id := body["address_scope"].(map[string]any)["id"].(string)
	code, body = ifMatch(t, lb, tok, "PUT", "/v2.0/address-scopes/"+id, "revision_number=0", map[string]any{"address_scope": map[string]any{"name": "t"}})
	wantNeutronError(t, "address scope with If-Match", code, body, http.StatusBadRequest, "BadRequest",
		"Bad address_scopes request: Revision matching not supported for this resource.")
}
