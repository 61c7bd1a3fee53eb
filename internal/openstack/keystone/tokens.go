package keystone

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/intercloud/intercloud/internal/store"
)

// newToken returns a fresh token and the hash it is stored under.
func newToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("keystone: random token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token), nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// newAuditID makes an audit id shaped like Keystone's (22 URL-safe chars).
func newAuditID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("keystone: random audit id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// issueRequest is an authenticated user asking for a token.
type issueRequest struct {
	user       Ref
	userDomain Ref
	methods    []string
	auditIDs   []string  // audit ids of the token this one is derived from, if any
	expiresAt  time.Time // zero: now + TTL
	// scope selects the project, as a WHERE clause on projects p / domains d.
	scopeWhere string
	scopeArgs  []any
}

// issue stores a new token and returns it with its identity. A scope the
// user cannot use (unknown or disabled project, no role on it) is
// ErrUnauthorized, as Keystone answers 401 for it.
func (s *Service) issue(ctx context.Context, req issueRequest) (string, Identity, error) {
	token, hash, err := newToken()
	if err != nil {
		return "", Identity{}, err
	}
	audit, err := newAuditID()
	if err != nil {
		return "", Identity{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	id := Identity{
		User: req.user, UserDomain: req.userDomain, Methods: req.methods,
		AuditIDs: append([]string{audit}, chainOf(req.auditIDs)...),
		IssuedAt: now, ExpiresAt: req.expiresAt,
	}
	if id.ExpiresAt.IsZero() {
		id.ExpiresAt = now.Add(s.ttl)
	}
	err = s.st.Tx(ctx, func(tx *sql.Tx) error {
		var projectID sql.NullString
		if req.scopeWhere != "" {
			p, d, ok, err := loadProject(ctx, tx, req.scopeWhere, req.scopeArgs...)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: unknown or disabled project", ErrUnauthorized)
			}
			roles, err := loadRoles(ctx, tx, req.user.ID, p.ID)
			if err != nil {
				return err
			}
			if len(roles) == 0 {
				return fmt.Errorf("%w: user %s has no role on project %s", ErrUnauthorized, req.user.ID, p.ID)
			}
			id.Project, id.ProjectDomain, id.Roles = p, d, roles
			projectID = sql.NullString{String: p.ID, Valid: true}
		}
		// Sweep expired tokens while holding the write lock anyway.
		if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE expires_at <= ?`, now.UnixNano()); err != nil {
			return fmt.Errorf("keystone: sweep tokens: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, user_id, project_id, methods, audit_ids, issued_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, req.user.ID, projectID, strings.Join(id.Methods, " "),
			strings.Join(id.AuditIDs, " "), id.IssuedAt.UnixNano(), id.ExpiresAt.UnixNano())
		if err != nil {
			return fmt.Errorf("keystone: store token: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", Identity{}, err
	}
	s.log.Info("token issued", "user", id.User.Name, "project", id.Project.Name, "methods", id.Methods, "audit_id", audit)
	return token, id, nil
}

// chainOf is the audit chain id a derived token carries after its own
// audit id: the audit id of the first token of the chain, which is the
// last of its origin's ids.
func chainOf(origin []string) []string {
	if len(origin) == 0 {
		return nil
	}
	return origin[len(origin)-1:]
}

// lookupToken returns a live token's identity, from the token cache or
// read with its user, project and roles, so that a change to them takes
// effect on existing tokens.
func (s *Service) lookupToken(ctx context.Context, token string) (Identity, error) {
	if token == "" {
		return Identity{}, fmt.Errorf("%w: no token", ErrUnauthorized)
	}
	hash := tokenHash(token)
	id, ok, gen := s.tokens.get(hash)
	if ok && s.now().Before(id.ExpiresAt) {
		return id.clone(), nil
	}
	id, err := s.readToken(ctx, hash)
	if err == nil {
		s.tokens.put(hash, id.clone(), gen)
	}
	return id, err
}

// readToken reads what a token stands for from the store. The statements
// are prepared once for the store (SQLite's parse cost more than running
// them), not on every request.
func (s *Service) readToken(ctx context.Context, hash string) (Identity, error) {
	db := prepared{s.st}
	var userID, methods, audits string
	var projectID sql.NullString
	var issued, expires int64
	err := db.QueryRowContext(ctx, `SELECT user_id, project_id, methods, audit_ids, issued_at, expires_at FROM tokens WHERE hash = ?`,
		hash).Scan(&userID, &projectID, &methods, &audits, &issued, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Identity{}, fmt.Errorf("%w: unknown or revoked token", ErrUnauthorized)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("keystone: read token: %w", err)
	}
	id := Identity{
		Methods: strings.Fields(methods), AuditIDs: strings.Fields(audits),
		IssuedAt: time.Unix(0, issued).UTC(), ExpiresAt: time.Unix(0, expires).UTC(),
	}
	if !s.now().Before(id.ExpiresAt) {
		return Identity{}, fmt.Errorf("%w: token expired at %s", ErrUnauthorized, id.ExpiresAt.Format(time.RFC3339))
	}
	if id.User, id.UserDomain, _, err = loadUser(ctx, db, `u.id = ?`, userID); err != nil {
		return Identity{}, err
	}
	if projectID.Valid {
		p, d, ok, err := loadProject(ctx, db, `p.id = ?`, projectID.String)
		if err != nil {
			return Identity{}, err
		}
		if !ok {
			return Identity{}, fmt.Errorf("%w: project of the token is gone or disabled", ErrUnauthorized)
		}
		roles, err := loadRoles(ctx, db, userID, p.ID)
		if err != nil {
			return Identity{}, err
		}
		if len(roles) == 0 {
			return Identity{}, fmt.Errorf("%w: user no longer has a role on the token's project", ErrUnauthorized)
		}
		id.Project, id.ProjectDomain, id.Roles = p, d, roles
	}
	return id, nil
}

// revoke deletes a token; revoking an unknown token is ErrUnauthorized.
func (s *Service) revoke(ctx context.Context, token string) error {
	hash := tokenHash(token)
	defer s.tokens.forgetOne(hash)
	return s.st.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE hash = ?`, hash)
		if err != nil {
			return fmt.Errorf("keystone: revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: unknown token", ErrUnauthorized)
		}
		return nil
	})
}

// prepared is a querier whose statements are prepared once for the life
// of the store (store.Stmt) and run on any of its connections. The reads
// see committed state, as the database's own would.
type prepared struct{ st *store.Store }

func (p prepared) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.st.Stmt(ctx, query)
	if err != nil {
		// The same query unprepared reports the same error through Scan.
		return p.st.DB().QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (p prepared) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.st.Stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}
