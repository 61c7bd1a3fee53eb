package keystone

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// Project is a project as the API shows it.
type Project struct {
	ID          string
	Name        string
	DomainID    string
	Description string
	Enabled     bool
}

// User is a user as the API shows it (never its password).
type User struct {
	ID       string
	Name     string
	DomainID string
	Enabled  bool
	// DefaultProjectID is the project a client scopes to when it names
	// none ("" for none); Extra the free attributes (email, description).
	DefaultProjectID string
	Extra            map[string]string
}

// filter is a conjunction of column = value conditions built from a
// request's query, on columns the caller names (never on user input).
type filter struct {
	where []string
	args  []any
}

func (f *filter) add(cond string, args ...any) {
	f.where = append(f.where, cond)
	f.args = append(f.args, args...)
}

func (f *filter) sql() string {
	if len(f.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.where, " AND ")
}

// projects lists projects matching f, by name.
func (s *Service) projects(ctx context.Context, f filter) ([]Project, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT p.id, p.name, p.domain_id, p.description, p.enabled FROM projects p`+f.sql()+` ORDER BY p.name, p.id`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("keystone: list projects: %w", err)
	}
	return scanAll(rows, func(rows *sql.Rows) (Project, error) {
		var p Project
		err := rows.Scan(&p.ID, &p.Name, &p.DomainID, &p.Description, &p.Enabled)
		return p, err
	})
}

// users lists users matching f, by name.
func (s *Service) users(ctx context.Context, f filter) ([]User, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT u.id, u.name, u.domain_id, u.enabled, u.default_project_id, u.extra FROM users u`+f.sql()+` ORDER BY u.name, u.id`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("keystone: list users: %w", err)
	}
	return scanAll(rows, func(rows *sql.Rows) (User, error) {
		var u User
		var extra string
		if err := rows.Scan(&u.ID, &u.Name, &u.DomainID, &u.Enabled, &u.DefaultProjectID, &extra); err != nil {
			return u, err
		}
		u.Extra = map[string]string{}
		return u, json.Unmarshal([]byte(extra), &u.Extra)
	})
}

// roles lists roles matching f, by name.
func (s *Service) roles(ctx context.Context, f filter) ([]Ref, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT r.id, r.name FROM roles r`+f.sql()+` ORDER BY r.name`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("keystone: list roles: %w", err)
	}
	return scanAll(rows, func(rows *sql.Rows) (Ref, error) {
		var r Ref
		err := rows.Scan(&r.ID, &r.Name)
		return r, err
	})
}

// regions lists region ids with their descriptions.
func (s *Service) regions(ctx context.Context, f filter) ([]Ref, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT g.id, g.description FROM regions g`+f.sql()+` ORDER BY g.id`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("keystone: list regions: %w", err)
	}
	return scanAll(rows, func(rows *sql.Rows) (Ref, error) {
		var r Ref
		err := rows.Scan(&r.ID, &r.Name)
		return r, err
	})
}

// scanAll reads every row with scan and closes rows.
func scanAll[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("keystone: scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keystone: scan: %w", err)
	}
	return out, nil
}

// memberOf is the condition "the user holds a role on project p".
const memberOf = `EXISTS (SELECT 1 FROM assignments a WHERE a.project_id = p.id AND a.user_id = ?)`
