package keystone

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// TestTokenExpiry: a token is refused from the instant it expires, as a
// caller's token (401) and as a subject (404), and by Validate.
func TestTokenExpiry(t *testing.T) {
	ctx := context.Background()
	// Whole microseconds, as tokens carry, so the boundary is exact.
	clock := &testClock{t: time.Now().Truncate(time.Microsecond)}
	ts := startServer(t, t.TempDir(), clock)
	admin := ts.issueToken(t, "admin", "admin")
	clock.Advance(30 * time.Minute)
	fresh := ts.issueToken(t, "admin", "admin") // expires 30 minutes after admin
	clock.Advance(30*time.Minute - time.Microsecond)
	if _, err := ts.svc.Validate(ctx, admin); err != nil {
		t.Fatalf("token refused before its expiry: %v", err)
	}
	clock.Advance(time.Microsecond)
	if _, err := ts.svc.Validate(ctx, admin); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Validate(expired) = %v, want ErrUnauthorized", err)
	}
	code, _, body := ts.do(t, "GET", "/v3/auth/projects", map[string]string{"X-Auth-Token": admin}, nil)
	wantKeystoneError(t, "expired X-Auth-Token", code, body, http.StatusUnauthorized)
	code, _, body = ts.do(t, "GET", "/v3/auth/tokens", map[string]string{"X-Auth-Token": fresh, "X-Subject-Token": admin}, nil)
	wantKeystoneError(t, "expired X-Subject-Token", code, body, http.StatusNotFound)

	// gophercloud with the expired token and no way to re-authenticate.
	provider, err := openstack.NewClient(ts.URL + "/v3/")
	if err != nil {
		t.Fatal(err)
	}
	provider.SetToken(admin)
	idc, err := openstack.NewIdentityV3(provider, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tokens.Get(ctx, idc, fresh).Err; !gophercloud.ResponseCodeIs(err, http.StatusUnauthorized) {
		t.Errorf("gophercloud with an expired token: %v, want 401", err)
	}
}

// TestRestartKeepsState reopens the store, as a daemon restart does:
// identities keep their ids, unexpired tokens stay valid (on a server at a
// new address, whose catalog follows it), expired and revoked ones do not
// come back, and Bootstrap adds nothing twice.
func TestRestartKeepsState(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := &testClock{t: time.Now()}
	ts := startServer(t, dir, clock)
	old := ts.issueToken(t, "demo-cloud1", "demo-cloud1")
	revoked := ts.issueToken(t, "demo-cloud1", "demo-cloud1")
	if code, _, body := ts.do(t, "DELETE", "/v3/auth/tokens", map[string]string{"X-Auth-Token": old, "X-Subject-Token": revoked}, nil); code != http.StatusNoContent {
		t.Fatalf("revoke: %d %v", code, body)
	}
	clock.Advance(59 * time.Minute)
	live := ts.issueToken(t, "admin", "admin")
	before, err := ts.svc.Validate(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	counts := tableCounts(t, ts)
	ts.stop()

	clock.Advance(2 * time.Minute) // old has expired meanwhile
	ts2 := startServer(t, dir, clock)
	after, err := ts2.svc.Validate(ctx, live)
	if err != nil {
		t.Fatalf("token issued before the restart: %v", err)
	}
	if after.User != before.User || after.Project != before.Project || !after.ExpiresAt.Equal(before.ExpiresAt) || after.AuditIDs[0] != before.AuditIDs[0] {
		t.Errorf("identity changed across restart:\n before %+v\n after  %+v", before, after)
	}
	for name, tok := range map[string]string{"expired": old, "revoked": revoked} {
		if _, err := ts2.svc.Validate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s token after restart: %v, want ErrUnauthorized", name, err)
		}
	}
	if got := tableCounts(t, ts2); got != counts {
		t.Errorf("rows after a second Bootstrap %v, before %v", got, counts)
	}

	// The users' passwords and the catalog work through a real client; the
	// catalog names the new server's address.
	provider, err := openstack.AuthenticatedClient(ctx, authOpts(ts2, "demo-cloud2", testPassword, "demo-cloud2"))
	if err != nil {
		t.Fatal(err)
	}
	net, err := openstack.NewNetworkV2(provider, gophercloud.EndpointOpts{Region: "cloud2"})
	if err != nil {
		t.Fatal(err)
	}
	if want := ts2.URL + "/cloud2/network/"; net.Endpoint != want {
		t.Errorf("network endpoint after restart %q, want %q", net.Endpoint, want)
	}
}

type rowCounts struct{ domains, projects, users, roles, assignments, regions, services, endpoints int }

func tableCounts(t *testing.T, ts *testServer) rowCounts {
	t.Helper()
	var c rowCounts
	for table, dst := range map[string]*int{
		"domains": &c.domains, "projects": &c.projects, "users": &c.users, "roles": &c.roles,
		"assignments": &c.assignments, "regions": &c.regions, "services": &c.services, "endpoints": &c.endpoints,
	} {
		if err := ts.st.DB().QueryRow(`SELECT count(*) FROM ` + table).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	want := rowCounts{domains: 1, projects: 4, users: 4, roles: 2, assignments: 7, regions: 3, services: 4, endpoints: 4 * 3 * 3}
	if c != want {
		t.Errorf("rows %+v, want %+v", c, want)
	}
	return c
}

// TestConcurrentAuth authenticates, validates and revokes from several
// goroutines at once (run with -race).
func TestConcurrentAuth(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for _, cloud := range []string{"cloud1", "cloud2", "cloud3", "cloud1"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				p, err := openstack.AuthenticatedClient(ctx, authOpts(ts, DemoName(cloud), testPassword, DemoName(cloud)))
				if err != nil {
					errs <- err
					return
				}
				idc, err := openstack.NewIdentityV3(p, gophercloud.EndpointOpts{Region: cloud})
				if err != nil {
					errs <- err
					return
				}
				if ok, err := tokens.Validate(ctx, idc, p.Token()); !ok || err != nil {
					errs <- errors.Join(errors.New("own token not valid"), err)
					return
				}
				if err := tokens.Revoke(ctx, idc, p.Token()).Err; err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestAValidatedTokenStopsWorkingAsSoonAsWhatItStandsForChanges: a token
// a service has just validated (and Keystone remembers) is refused at the
// next request once its role is taken away, its user or project is
// disabled, or its user's password changes, as Keystone refuses it.
func TestAValidatedTokenStopsWorkingAsSoonAsWhatItStandsForChanges(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	admin := ts.issueToken(t, "admin", "admin")
	auth := map[string]string{"X-Auth-Token": admin}
	id, err := ts.svc.Validate(ctx, ts.issueToken(t, "demo-cloud1", "demo-cloud1"))
	if err != nil {
		t.Fatal(err)
	}
	user, project, role := id.User.ID, id.Project.ID, id.Roles[0].ID
	changes := []struct {
		name          string
		method, path  string
		body          any
		undo          string // the request that gives the grant back
		undoBody      any
		wantAfterUndo bool // the old token is good again (not so after a password change)
	}{
		{"its role taken away", "DELETE", "/v3/projects/" + project + "/users/" + user + "/roles/" + role, nil,
			"PUT /v3/projects/" + project + "/users/" + user + "/roles/" + role, nil, true},
		{"its user disabled", "PATCH", "/v3/users/" + user, map[string]any{"user": map[string]any{"enabled": false}},
			"PATCH /v3/users/" + user, map[string]any{"user": map[string]any{"enabled": true}}, true},
		{"its project disabled", "PATCH", "/v3/projects/" + project, map[string]any{"project": map[string]any{"enabled": false}},
			"PATCH /v3/projects/" + project, map[string]any{"project": map[string]any{"enabled": true}}, true},
		{"its user's password changed", "PATCH", "/v3/users/" + user, map[string]any{"user": map[string]any{"password": testPassword}},
			"", nil, false},
	}
	for _, c := range changes {
		tok := ts.issueToken(t, "demo-cloud1", "demo-cloud1")
		for range 2 { // the second answer comes from what Keystone remembers
			if _, err := ts.svc.Validate(ctx, tok); err != nil {
				t.Fatalf("%s: token refused before the change: %v", c.name, err)
			}
		}
		if code, _, body := ts.do(t, c.method, c.path, auth, c.body); code/100 != 2 {
			t.Fatalf("%s: %s %s: %d %v", c.name, c.method, c.path, code, body)
		}
		if _, err := ts.svc.Validate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: Validate = %v, want ErrUnauthorized", c.name, err)
		}
		code, _, body := ts.do(t, "GET", "/v3/auth/projects", map[string]string{"X-Auth-Token": tok}, nil)
		wantKeystoneError(t, c.name+": the token as X-Auth-Token", code, body, http.StatusUnauthorized)
		if c.undo == "" {
			continue
		}
		method, path, _ := strings.Cut(c.undo, " ")
		if code, _, body := ts.do(t, method, path, auth, c.undoBody); code/100 != 2 {
			t.Fatalf("%s: undo %s: %d %v", c.name, c.undo, code, body)
		}
		if _, err := ts.svc.Validate(ctx, tok); (err == nil) != c.wantAfterUndo {
			t.Errorf("%s, then undone: Validate = %v", c.name, err)
		}
	}

	// Revoked, a validated token goes; another validated one stays.
	tok, other := ts.issueToken(t, "demo-cloud1", "demo-cloud1"), ts.issueToken(t, "demo-cloud1", "demo-cloud1")
	for _, k := range []string{tok, other} {
		if _, err := ts.svc.Validate(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, body := ts.do(t, "DELETE", "/v3/auth/tokens", map[string]string{"X-Auth-Token": admin, "X-Subject-Token": tok}, nil); code != http.StatusNoContent {
		t.Fatalf("revoke: %d %v", code, body)
	}
	if _, err := ts.svc.Validate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("revoked: Validate = %v, want ErrUnauthorized", err)
	}
	if _, err := ts.svc.Validate(ctx, other); err != nil {
		t.Errorf("another token, after one was revoked: %v", err)
	}
}

// TestATokenValidatedWhileItsUserIsDisabledIsRefusedOnceTheChangeIsAnswered:
// services validating a token all the while, as many clients' requests
// do, never leave Keystone remembering it as it was before a change that
// has been answered.
func TestATokenValidatedWhileItsUserIsDisabledIsRefusedOnceTheChangeIsAnswered(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	auth := map[string]string{"X-Auth-Token": ts.issueToken(t, "admin", "admin")}
	tok := ts.issueToken(t, "demo-cloud1", "demo-cloud1")
	id, err := ts.svc.Validate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					ts.svc.Validate(ctx, tok)
				}
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for i := range 20 {
		enabled := i%2 == 1
		body := map[string]any{"user": map[string]any{"enabled": enabled}}
		if code, _, b := ts.do(t, "PATCH", "/v3/users/"+id.User.ID, auth, body); code != http.StatusOK {
			t.Fatalf("PATCH enabled=%v: %d %v", enabled, code, b)
		}
		if _, err := ts.svc.Validate(ctx, tok); (err == nil) != enabled {
			t.Fatalf("round %d: user enabled=%v, Validate = %v", i, enabled, err)
		}
	}
}
