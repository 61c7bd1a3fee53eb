package keystone

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/intercloud/intercloud/internal/topology"
)

// Names of what Bootstrap creates.
const (
	DefaultDomainID   = "default"
	DefaultDomainName = "Default"
	AdminProject      = "admin"
	AdminUser         = "admin"
	RoleAdmin         = "admin"
	RoleMember        = "member"
	// RoleInterconnectionPeer lets a cloud's Neutron read every
	// project's interconnections in another cloud and ask it to refresh
	// one (neutron-interconnection's peer role); InterconnectionUser
	// holds it on ServiceProject.
	RoleInterconnectionPeer = "interconnection-peer"
	InterconnectionUser     = "neutron-interconnection"
	ServiceProject          = "service"
	// DefaultPassword is every seeded user's password unless Seed.Password
	// says otherwise.
	DefaultPassword = "intercloud"
)

// DemoName is the name of cloud's demo project and of its member user.
func DemoName(cloud string) string { return "demo-" + cloud }

// Seed is what Bootstrap makes sure exists.
type Seed struct {
	// IdentityURL is the Keystone root as clients reach it (no /v3), for
	// the catalog's identity endpoints, e.g. http://127.0.0.1:5000.
	IdentityURL string
	// Regions are the clouds, each a region with its Neutron endpoint.
	Regions []Region
	// Password of every seeded user; DefaultPassword when empty.
	Password string
	// InterconnectionPeer also makes the role RoleInterconnectionPeer and
	// the service user InterconnectionUser holding it on ServiceProject,
	// which the clouds' Neutrons use to check each other's halves of
	// an interconnection.
	InterconnectionPeer bool
}

// Region is one cloud as the catalog shows it.
type Region struct {
	Name string // the cloud's name, used as region id
	// NetworkURL is the cloud's Neutron root (clients append "v2.0/").
	NetworkURL string
	// ComputeURL is the cloud's Nova v2.1 root and ImageURL its Glance
	// root, as DevStack lists them; no endpoint when empty.
	ComputeURL, ImageURL string
}

// SeedFromModel makes a Seed with a region per cloud of m: Keystone at
// baseURL and each cloud's Neutron at baseURL/CLOUD/network/, its Nova at
// baseURL/CLOUD/compute/v2.1 and its Glance at baseURL/CLOUD/image. (The lab
// daemon passes ADDR/cloud and then sets IdentityURL to ADDR/identity.)
func SeedFromModel(m *topology.Model, baseURL, password string) Seed {
	base := strings.TrimRight(baseURL, "/")
	s := Seed{IdentityURL: base, Password: password}
	for _, c := range m.Clouds {
		s.Regions = append(s.Regions, Region{Name: c.Name, NetworkURL: base + "/" + c.Name + "/network/",
			ComputeURL: base + "/" + c.Name + "/compute/v2.1", ImageURL: base + "/" + c.Name + "/image"})
	}
	return s
}

// Bootstrap creates what seed describes, in one transaction, leaving what
// already exists alone (an existing user keeps its password) apart from
// endpoint URLs, which follow the seed so a daemon on a new address lists
// its new address. Running it on every start is the intent.
func (s *Service) Bootstrap(ctx context.Context, seed Seed) error {
	if seed.IdentityURL == "" {
		return errors.New("keystone: bootstrap: no identity URL")
	}
	password := seed.Password
	if password == "" {
		password = DefaultPassword
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		b := bootstrapper{ctx: ctx, tx: tx, password: password, hash: new(string)}
		if _, err := tx.ExecContext(ctx, `INSERT INTO domains (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			DefaultDomainID, DefaultDomainName); err != nil {
			return fmt.Errorf("domain: %w", err)
		}
		admin, err := b.role(RoleAdmin)
		if err != nil {
			return err
		}
		member, err := b.role(RoleMember)
		if err != nil {
			return err
		}
		if err := b.grant(AdminUser, AdminProject, "Bootstrap project for initializing the cloud.", admin); err != nil {
			return err
		}
		if seed.InterconnectionPeer {
			peer, err := b.role(RoleInterconnectionPeer)
			if err != nil {
				return err
			}
			if err := b.grant(InterconnectionUser, ServiceProject, "Service users of the clouds.", peer); err != nil {
				return err
			}
		}
		identity, err := b.service("identity", "keystone")
		if err != nil {
			return err
		}
		network, err := b.service("network", "neutron")
		if err != nil {
			return err
		}
		idURL := strings.TrimRight(seed.IdentityURL, "/") + "/v3/"
		for _, r := range seed.Regions {
			if r.Name == "" || r.NetworkURL == "" {
				return fmt.Errorf("region %q: name and network URL are required", r.Name)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO regions (id, description) VALUES (?, ?) ON CONFLICT DO NOTHING`,
				r.Name, "intercloud cloud "+r.Name); err != nil {
				return fmt.Errorf("region %s: %w", r.Name, err)
			}
			if err := b.endpoints(identity, r.Name, idURL); err != nil {
				return err
			}
			if err := b.endpoints(network, r.Name, r.NetworkURL); err != nil {
				return err
			}
			for _, e := range []struct{ typ, name, url string }{{"compute", "nova", r.ComputeURL}, {"image", "glance", r.ImageURL}} {
				if e.url == "" {
					continue
				}
				id, err := b.service(e.typ, e.name)
				if err != nil {
					return err
				}
				if err := b.endpoints(id, r.Name, e.url); err != nil {
					return err
				}
			}
			if err := b.grant(DemoName(r.Name), DemoName(r.Name), "Demo project of cloud "+r.Name+".", member); err != nil {
				return err
			}
			// As DevStack does, the admin is admin of the demo projects too.
			if err := b.grant(AdminUser, DemoName(r.Name), "", admin); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("keystone: bootstrap: %w", err)
	}
	s.log.Info("keystone bootstrapped", "regions", len(seed.Regions))
	return nil
}

// bootstrapper holds one Bootstrap transaction's context.
type bootstrapper struct {
	ctx      context.Context
	tx       *sql.Tx
	password string
	// hash is password's hash, made for the first user created and given
	// to the others: every user a bootstrap creates has the one password
	// it was given, so equal hashes tell a copy of the database nothing
	// new, and a lab of 1,000 clouds (a demo user each) hashes once, not
	// 1,000 times at some 4 ms of CPU each.
	hash *string
}

// ensure returns the id of the row that query finds, or inserts one with a
// new id by insert (which takes the id as its first argument).
func (b bootstrapper) ensure(query string, qargs []any, insert string, iargs []any) (string, error) {
	var id string
	err := b.tx.QueryRowContext(b.ctx, query, qargs...).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if id, err = newID(); err != nil {
		return "", err
	}
	if _, err := b.tx.ExecContext(b.ctx, insert, append([]any{id}, iargs...)...); err != nil {
		return "", err
	}
	return id, nil
}

func (b bootstrapper) role(name string) (string, error) {
	id, err := b.ensure(`SELECT id FROM roles WHERE name = ?`, []any{name},
		`INSERT INTO roles (id, name) VALUES (?, ?)`, []any{name})
	if err != nil {
		return "", fmt.Errorf("role %s: %w", name, err)
	}
	return id, nil
}

func (b bootstrapper) service(typ, name string) (string, error) {
	id, err := b.ensure(`SELECT id FROM services WHERE type = ?`, []any{typ},
		`INSERT INTO services (id, type, name) VALUES (?, ?, ?)`, []any{typ, name})
	if err != nil {
		return "", fmt.Errorf("service %s: %w", typ, err)
	}
	return id, nil
}

// endpoints registers url as the public, internal and admin endpoint of a
// service in a region (one address serves all three in a lab).
func (b bootstrapper) endpoints(serviceID, region, url string) error {
	for _, iface := range []string{"public", "internal", "admin"} {
		id, err := newID()
		if err != nil {
			return err
		}
		if _, err := b.tx.ExecContext(b.ctx, `INSERT INTO endpoints (id, service_id, region_id, interface, url) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (service_id, region_id, interface) DO UPDATE SET url = excluded.url`,
			id, serviceID, region, iface, url); err != nil {
			return fmt.Errorf("endpoint %s %s: %w", region, iface, err)
		}
	}
	return nil
}

// grant makes sure a project and a user of the same purpose exist in the
// Default domain and that the user has role on the project.
func (b bootstrapper) grant(user, project, description, roleID string) error {
	pid, err := b.ensure(`SELECT id FROM projects WHERE domain_id = ? AND name = ?`, []any{DefaultDomainID, project},
		`INSERT INTO projects (id, name, domain_id, description) VALUES (?, ?, ?, ?)`, []any{project, DefaultDomainID, description})
	if err != nil {
		return fmt.Errorf("project %s: %w", project, err)
	}
	var uid string
	err = b.tx.QueryRowContext(b.ctx, `SELECT id FROM users WHERE domain_id = ? AND name = ?`, DefaultDomainID, user).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		// Hash only for a user that is created: hashing is the slow part.
		uid, err = b.createUser(user)
	}
	if err != nil {
		return fmt.Errorf("user %s: %w", user, err)
	}
	if _, err := b.tx.ExecContext(b.ctx, `INSERT INTO assignments (user_id, project_id, role_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		uid, pid, roleID); err != nil {
		return fmt.Errorf("assign %s on %s: %w", user, project, err)
	}
	return nil
}

func (b bootstrapper) createUser(name string) (string, error) {
	if *b.hash == "" {
		h, err := hashPassword(b.password)
		if err != nil {
			return "", err
		}
		*b.hash = h
	}
	id, err := newID()
	if err != nil {
		return "", err
	}
	_, err = b.tx.ExecContext(b.ctx, `INSERT INTO users (id, name, domain_id, password_hash) VALUES (?, ?, ?, ?)`,
		id, name, DefaultDomainID, *b.hash)
	return id, err
}
