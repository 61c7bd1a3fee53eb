package keystone

import (
	"context"
	"fmt"
	"time"
)

// ServiceToken issues, in process, a token for the Default domain's user
// scoped to its project, without the user's password, for the daemon's own
// set-up calls to the other services (as keystone-manage bootstrap acts
// with the database's authority, not a password). The token lives for ttl
// (the service's token lifetime when zero or longer); revoke it when done.
// No HTTP client can reach this.
func (s *Service) ServiceToken(ctx context.Context, user, project string, ttl time.Duration) (string, error) {
	u, d, _, err := loadUser(ctx, s.st.DB(), "u.name = ? AND d.id = ?", user, DefaultDomainID)
	if err != nil {
		return "", fmt.Errorf("keystone: service token for %s: %w", user, err)
	}
	req := issueRequest{user: u, userDomain: d, methods: []string{"password"},
		scopeWhere: "p.name = ? AND d.id = ?", scopeArgs: []any{project, DefaultDomainID}}
	if ttl > 0 && ttl < s.ttl {
		req.expiresAt = s.now().UTC().Truncate(time.Microsecond).Add(ttl)
	}
	token, _, err := s.issue(ctx, req)
	if err != nil {
		return "", fmt.Errorf("keystone: service token for %s on %s: %w", user, project, err)
	}
	return token, nil
}

// RevokeToken revokes a token ServiceToken issued.
func (s *Service) RevokeToken(ctx context.Context, token string) error {
	return s.revoke(ctx, token)
}
