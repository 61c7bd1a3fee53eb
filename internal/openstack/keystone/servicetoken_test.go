package keystone

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// The daemon's in-process token acts as the seeded user on the project,
// with the user's roles there (the admin is admin of the demo projects, as
// in DevStack), expires when asked and is gone once revoked.
func TestServiceToken(t *testing.T) {
	clock := &testClock{t: time.Now()}
	ts := startServer(t, t.TempDir(), clock)
	ctx := t.Context()
	tok, err := ts.svc.ServiceToken(ctx, AdminUser, DemoName("cloud2"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ts.svc.Validate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, r := range id.Roles {
		roles = append(roles, r.Name)
	}
	if id.User.Name != AdminUser || id.Project.Name != "demo-cloud2" || !slices.Contains(roles, RoleAdmin) {
		t.Errorf("identity %+v, roles %v", id, roles)
	}
	if got := id.ExpiresAt.Sub(id.IssuedAt); got != time.Minute {
		t.Errorf("lives %v, want 1m", got)
	}
	if err := ts.svc.RevokeToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.svc.Validate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("revoked token: %v, want ErrUnauthorized", err)
	}
	// A member has no role on another cloud's demo project.
	if _, err := ts.svc.ServiceToken(ctx, DemoName("cloud1"), DemoName("cloud2"), 0); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("demo-cloud1 on demo-cloud2: %v, want ErrUnauthorized", err)
	}
	if _, err := ts.svc.ServiceToken(ctx, "nobody", AdminProject, 0); err == nil {
		t.Error("a token for an unknown user")
	}
}
