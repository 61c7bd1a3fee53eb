package keystone

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrUnauthorized means a token is missing, unknown, revoked or expired, or
// credentials do not match. It is what Validate returns (wrapped).
var ErrUnauthorized = errors.New("keystone: unauthorized")

// Ref is an object's id and name, as token bodies show users' and
// projects' domains and roles.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Identity is what a valid token stands for. Other OpenStack services
// (Neutron) authorize requests with it.
type Identity struct {
	User          Ref
	UserDomain    Ref
	Project       Ref // zero for an unscoped token
	ProjectDomain Ref
	Roles         []Ref // roles on Project; none for an unscoped token
	Methods       []string
	AuditIDs      []string
	IssuedAt      time.Time
	ExpiresAt     time.Time
}

// Scoped reports whether the token is scoped to a project.
func (id Identity) Scoped() bool { return id.Project.ID != "" }

// HasRole reports whether the token carries the named role.
func (id Identity) HasRole(name string) bool {
	return slices.ContainsFunc(id.Roles, func(r Ref) bool { return r.Name == name })
}

// IsAdmin reports whether the token carries the admin role, which in
// Keystone's (and Neutron's) default policy makes it a cloud administrator.
func (id Identity) IsAdmin() bool { return id.HasRole(RoleAdmin) }

// Validate returns the identity of a token, or an error wrapping
// ErrUnauthorized when the token is unknown, revoked or expired, or its
// user or project is disabled or no longer assigned a role.
func (s *Service) Validate(ctx context.Context, token string) (Identity, error) {
	return s.lookupToken(ctx, token)
}

// loadUser reads a user and its domain. Unknown or disabled users are
// ErrUnauthorized: authentication never says which part was wrong.
func loadUser(ctx context.Context, q querier, where string, args ...any) (Ref, Ref, string, error) {
	var u, d Ref
	var hash string
	var enabled bool
	err := q.QueryRowContext(ctx, `SELECT u.id, u.name, d.id, d.name, u.password_hash, u.enabled AND d.enabled
		FROM users u JOIN domains d ON d.id = u.domain_id WHERE `+where, args...).
		Scan(&u.ID, &u.Name, &d.ID, &d.Name, &hash, &enabled)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !enabled) {
		return Ref{}, Ref{}, "", fmt.Errorf("%w: unknown or disabled user", ErrUnauthorized)
	}
	if err != nil {
		return Ref{}, Ref{}, "", fmt.Errorf("keystone: read user: %w", err)
	}
	return u, d, hash, nil
}

// loadProject reads a project and its domain; ok is false when it does not
// exist or is disabled.
func loadProject(ctx context.Context, q querier, where string, args ...any) (p, d Ref, ok bool, err error) {
	var enabled bool
	err = q.QueryRowContext(ctx, `SELECT p.id, p.name, d.id, d.name, p.enabled AND d.enabled
		FROM projects p JOIN domains d ON d.id = p.domain_id WHERE `+where, args...).
		Scan(&p.ID, &p.Name, &d.ID, &d.Name, &enabled)
	if errors.Is(err, sql.ErrNoRows) {
		return Ref{}, Ref{}, false, nil
	}
	if err != nil {
		return Ref{}, Ref{}, false, fmt.Errorf("keystone: read project: %w", err)
	}
	return p, d, enabled, nil
}

// loadRoles lists the roles a user holds on a project, by name.
func loadRoles(ctx context.Context, q querier, userID, projectID string) ([]Ref, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.name FROM assignments a JOIN roles r ON r.id = a.role_id
		WHERE a.user_id = ? AND a.project_id = ? ORDER BY r.name`, userID, projectID)
	if err != nil {
		return nil, fmt.Errorf("keystone: read roles: %w", err)
	}
	defer rows.Close()
	var roles []Ref
	for rows.Next() {
		var r Ref
		if err := rows.Scan(&r.ID, &r.Name); err != nil {
			return nil, fmt.Errorf("keystone: read roles: %w", err)
		}
		roles = append(roles, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keystone: read roles: %w", err)
	}
	return roles, nil
}

// querier is what both *sql.DB and *sql.Tx offer for reads.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
