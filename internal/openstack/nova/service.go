package nova

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/store"
)

const component = "nova"

// TokenValidator checks an X-Auth-Token; *keystone.Service is one.
type TokenValidator interface {
	Validate(ctx context.Context, token string) (keystone.Identity, error)
}

// Config describes one cloud's Nova.
type Config struct {
	// Region is the cloud's name (its Keystone region). Required.
	Region string
	// Neutron is the region's Networking API (neutron.Service.Handler),
	// which Nova calls in process with the requesting user's token, as
	// Nova calls Neutron. Required.
	Neutron http.Handler
	// Computes are the cloud's compute nodes; [REGION-cn1] when empty.
	Computes []string
	// HostIPs are the computes' addresses (os-hypervisors' host_ip).
	HostIPs map[string]string
	// BootTime is how long a new server is BUILD; 2 s when zero.
	BootTime time.Duration
	// AuthURI is the Keystone URL a 401 names in WWW-Authenticate.
	AuthURI string
	// Now stamps servers; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Service is one region's Nova.
type Service struct {
	st  *store.Store
	ks  TokenValidator
	cfg Config
	log *slog.Logger
}

// New applies Nova's migrations to st (shared by every region) and
// returns region cfg.Region's service.
func New(ctx context.Context, st *store.Store, ks TokenValidator, cfg Config) (*Service, error) {
	if cfg.Region == "" || cfg.Neutron == nil || ks == nil {
		return nil, errors.New("nova: region, Neutron and token validator are required")
	}
	if err := st.Migrate(ctx, component, migrations()); err != nil {
		return nil, fmt.Errorf("nova: %w", err)
	}
	if len(cfg.Computes) == 0 {
		cfg.Computes = []string{cfg.Region + "-cn1"}
	}
	if cfg.BootTime <= 0 {
		cfg.BootTime = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, ks: ks, cfg: cfg, log: log.With("region", cfg.Region)}, nil
}

// Region is the region the service serves.
func (s *Service) Region() string { return s.cfg.Region }

// migrations: a server is a row whose body is its record as JSON; seq
// numbers servers across regions (their instance-%08x names).
func migrations() []store.Migration {
	return []store.Migration{
		{Version: 1, Name: "nova servers", Up: store.SQL(
			`CREATE TABLE nova_servers (
				region     TEXT    NOT NULL,
				id         TEXT    NOT NULL PRIMARY KEY,
				seq        INTEGER NOT NULL UNIQUE,
				project_id TEXT    NOT NULL,
				host       TEXT    NOT NULL,
				body       TEXT    NOT NULL
			)`,
			`CREATE INDEX nova_servers_region ON nova_servers (region, seq)`,
		)},
		// Key pairs are a user's in every region, as Nova's API database
		// keeps them for the whole deployment.
		{Version: 2, Name: "nova key pairs", Up: store.SQL(
			`CREATE TABLE nova_keypairs (
				user_id     TEXT NOT NULL,
				name        TEXT NOT NULL,
				type        TEXT NOT NULL,
				public_key  TEXT NOT NULL,
				fingerprint TEXT NOT NULL,
				created     TEXT NOT NULL,
				PRIMARY KEY (user_id, name)
			)`,
		)},
		// Quotas an admin set over the defaults, per region as each
		// region's Nova keeps its own.
		{Version: 3, Name: "nova quotas", Up: store.SQL(
			`CREATE TABLE nova_quotas (
				region     TEXT    NOT NULL,
				project_id TEXT    NOT NULL,
				resource   TEXT    NOT NULL,
				hard_limit INTEGER NOT NULL,
				PRIMARY KEY (region, project_id, resource)
			)`,
		)},
		// Server groups, and each server's group (its members are the
		// servers naming it).
		{Version: 4, Name: "nova server groups", Up: store.SQL(
			`CREATE TABLE nova_server_groups (
				region       TEXT    NOT NULL,
				id           TEXT    NOT NULL PRIMARY KEY,
				project_id   TEXT    NOT NULL,
				user_id      TEXT    NOT NULL,
				name         TEXT    NOT NULL,
				policy       TEXT    NOT NULL,
				max_per_host INTEGER NOT NULL
			)`,
			`ALTER TABLE nova_servers ADD COLUMN server_group TEXT NOT NULL DEFAULT ''`,
		)},
	}
}

// server is a server's record.
type server struct {
	ID          string            `json:"id"`
	Seq         int64             `json:"-"`
	Name        string            `json:"name"`
	Description *string           `json:"description"`
	ProjectID   string            `json:"project_id"`
	UserID      string            `json:"user_id"`
	ImageID     string            `json:"image_id"`
	FlavorID    string            `json:"flavor_id"`
	Host        string            `json:"host"`
	Created     time.Time         `json:"created"`
	Metadata    map[string]string `json:"metadata"`
	KeyName     *string           `json:"key_name"`
	// KeyFingerprint is the key pair's when the server was made, which
	// the guest's console shows.
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
	// SecurityGroups are the names the create asked for.
	SecurityGroups []string `json:"security_groups"`
	// Ports are the server's ports in order; OwnPorts those Nova made,
	// deleted with the server (the others are unbound).
	Ports    []string `json:"ports"`
	OwnPorts []string `json:"own_ports"`
	AccessV4 string   `json:"access_ipv4"`
	AccessV6 string   `json:"access_ipv6"`
	// Group is the server group the create's scheduler hints named.
	Group string `json:"server_group,omitempty"`
	// Fault is why the server is in ERROR (nil while it is not).
	Fault *fault `json:"fault,omitempty"`
}

// fault is a server's instance fault, as GET /servers shows it.
type fault struct {
	Code    int       `json:"code"`
	Message string    `json:"message"`
	Created time.Time `json:"created"`
}

// servers reads the region's servers in creation order.
func (s *Service) servers(ctx context.Context) ([]*server, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT seq, body FROM nova_servers WHERE region = ? ORDER BY seq`, s.cfg.Region)
	if err != nil {
		return nil, fmt.Errorf("nova: read servers: %w", err)
	}
	defer rows.Close()
	var out []*server
	for rows.Next() {
		var body string
		sv := &server{}
		if err := rows.Scan(&sv.Seq, &body); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), sv); err != nil {
			return nil, fmt.Errorf("nova: server record: %w", err)
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}

// server reads one server of the region, nil when there is none.
func (s *Service) server(ctx context.Context, id string) (*server, error) {
	var body string
	sv := &server{}
	err := s.st.DB().QueryRowContext(ctx, `SELECT seq, body FROM nova_servers WHERE region = ? AND id = ?`, s.cfg.Region, id).Scan(&sv.Seq, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("nova: read server: %w", err)
	}
	if err := json.Unmarshal([]byte(body), sv); err != nil {
		return nil, fmt.Errorf("nova: server record: %w", err)
	}
	return sv, nil
}

// insert stores a new server on the least loaded compute node of the
// region (the first in Computes' order among equals) that its server
// group's policy allows, as the scheduler spreads instances, and
// numbers it. When the policy leaves no host the server is stored in
// ERROR, with no host.
func (s *Service) insert(ctx context.Context, sv *server) error {
	return s.st.Tx(ctx, func(tx *sql.Tx) error {
		load := map[string]int{}
		rows, err := tx.QueryContext(ctx, `SELECT host, count(*) FROM nova_servers WHERE region = ? GROUP BY host`, s.cfg.Region)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h string
			var n int
			if err := rows.Scan(&h, &n); err != nil {
				rows.Close()
				return err
			}
			load[h] = n
		}
		rows.Close()
		var g *serverGroup
		var members []groupMember
		if sv.Group != "" {
			if g, err = s.group(ctx, tx, sv.Group); err != nil {
				return err
			}
			if g == nil {
				return badRequest("Instance group %s could not be found.", sv.Group)
			}
			if members, err = s.members(ctx, tx, g.ID); err != nil {
				return err
			}
			limits, err := s.quotaLimits(ctx, tx, sv.ProjectID)
			if err != nil {
				return err
			}
			if max := limits["server_group_members"]; max >= 0 && len(members)+1 > max {
				return &apiError{http.StatusForbidden, "Quota exceeded, too many servers in group"}
			}
		}
		host, err := place(s.cfg.Computes, load, g, members)
		if errors.Is(err, errNoValidHost) {
			sv.Fault = &fault{Code: http.StatusInternalServerError, Message: err.Error(), Created: s.cfg.Now().UTC()}
		}
		sv.Host = host
		if err := s.checkQuota(ctx, tx, sv); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM nova_servers`).Scan(&sv.Seq); err != nil {
			return err
		}
		body, err := json.Marshal(sv)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO nova_servers (region, id, seq, project_id, host, body, server_group) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			s.cfg.Region, sv.ID, sv.Seq, sv.ProjectID, sv.Host, string(body), sv.Group)
		return err
	})
}

// Nova's default quotas per project (in each region).
const (
	quotaInstances = 10
	quotaCores     = 20
	quotaRAM       = 51200 // MiB
)

// checkQuota refuses a server that would take its project past its
// quotas (-1 is unlimited), as Nova's 403 words it.
func (s *Service) checkQuota(ctx context.Context, tx *sql.Tx, sv *server) error {
	used, err := s.quotaUsage(ctx, tx, sv.ProjectID)
	if err != nil {
		return err
	}
	limits, err := s.quotaLimits(ctx, tx, sv.ProjectID)
	if err != nil {
		return err
	}
	f, _ := lookupFlavor(sv.FlavorID)
	for _, q := range []struct {
		name string
		req  int
	}{{"instances", 1}, {"cores", f.VCPUs}, {"ram", f.RAM}} {
		if max := limits[q.name]; max >= 0 && used[q.name]+q.req > max {
			return &apiError{http.StatusForbidden, fmt.Sprintf("Quota exceeded for %s: Requested %d, but already used %d of %d %s", q.name, q.req, used[q.name], max, q.name)}
		}
	}
	return nil
}

func (s *Service) remove(ctx context.Context, id string) error {
	return s.st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM nova_servers WHERE region = ? AND id = ?`, s.cfg.Region, id)
		return err
	})
}

// newUUID makes a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// adminPass is a new server's generated root password, as Nova makes
// one: 12 characters, no look-alikes.
func adminPass() string {
	const chars = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
	var b [12]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b[:])
}
