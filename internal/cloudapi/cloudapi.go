// Package cloudapi runs the OpenStack APIs of a lab's clouds inside the lab
// daemon: one Keystone for the whole lab, in which each cloud is a region,
// and one Neutron per cloud, all keeping their state in the store in the
// lab's state directory. The daemon mounts them on the listener that serves
// the lab API (/api/v1), so one address serves everything:
//
//	BASE/identity/v3              Keystone (OS_AUTH_URL)
//	BASE/cloud/CLOUD/network/     cloud CLOUD's Neutron (its catalog entry)
//	BASE/cloud/CLOUD/compute/     cloud CLOUD's Nova (catalog: .../compute/v2.1)
//	BASE/cloud/CLOUD/image/       cloud CLOUD's Glance (catalog: .../image)
//
// Open bootstraps Keystone from the model on every start: what exists is
// kept (users, projects, and every Neutron resource, which live in the
// same database), what is missing is created, and the catalog's endpoints
// follow the daemon's current address.
//
// The package sits between cmd/intercloud and the OpenStack services so
// that internal/api, the lab API, does not depend on them: the API only
// mounts handlers (api.Server.Handle) and reports what Describe returns.
package cloudapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/interconnect"
	"github.com/intercloud/intercloud/internal/openstack/glance"
	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
	"github.com/intercloud/intercloud/internal/openstack/nova"
	"github.com/intercloud/intercloud/internal/store"
	"github.com/intercloud/intercloud/internal/topology"
)

// Where the services are mounted, below the daemon's base URL.
const (
	IdentityPath = "/identity" // Keystone; OS_AUTH_URL is BASE/identity/v3
	CloudsPath   = "/cloud"    // cloud C's Neutron is at BASE/cloud/C/network/
)

// Options tune Open. The zero value is the daemon's configuration.
type Options struct {
	// Password of the seeded users; keystone.DefaultPassword when empty.
	// Users created by an earlier start keep theirs.
	Password string
	// Logger receives the services' warnings and errors; nil discards them.
	Logger *slog.Logger
	// OnChange, when set, is told the cloud whose Neutron committed a
	// change (after the commit, before the API call answers): how
	// internal/cloud keeps the lab in line with the clouds.
	OnChange func(cloud string)
	// Clock times the interconnections' retries (the lab's); the real
	// clock when nil.
	Clock clock.Clock
}

// Clouds is a running Keystone and the Neutrons of a lab's clouds.
type Clouds struct {
	st       *store.Store
	ks       *keystone.Service
	neutron  []*neutron.Service // in the model's order of clouds
	nova     []*nova.Service    // likewise
	glance   []*glance.Service  // likewise
	base     string
	password string
	// projectIDs are the seeded projects' ids, by name, for Describe.
	projectIDs map[string]string
	// inter are the clouds' interconnection engines (interconnect.go).
	inter []*interconnect.Engine
}

// Open opens (or creates) the store in stateDir, applies the services'
// migrations, bootstraps Keystone with a region per cloud of m, whose
// endpoints are under baseURL (the daemon's address, "http://HOST:PORT"),
// and makes a Neutron per cloud. Close releases the store.
func Open(ctx context.Context, stateDir string, m *topology.Model, baseURL string, opts Options) (*Clouds, error) {
	if len(m.Clouds) == 0 {
		return nil, errors.New("cloudapi: the topology has no clouds")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	password := opts.Password
	if password == "" {
		password = keystone.DefaultPassword
	}
	base := strings.TrimRight(baseURL, "/")
	st, err := store.Open(ctx, stateDir, store.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	c := &Clouds{st: st, base: base, password: password}
	if err := c.start(ctx, m, log, opts.OnChange); err != nil {
		st.Close()
		return nil, err
	}
	if err := c.startInterconnections(ctx, m, log, opts.Clock); err != nil {
		c.stopInterconnections()
		st.Close()
		return nil, err
	}
	return c, nil
}

func (c *Clouds) start(ctx context.Context, m *topology.Model, log *slog.Logger, onChange func(string)) error {
	ks, err := keystone.New(ctx, c.st, keystone.Config{Logger: log.With("service", "keystone")})
	if err != nil {
		return err
	}
	// SeedFromModel puts each cloud's Neutron at ROOT/CLOUD/network/ and
	// Keystone at ROOT; Keystone has a mount of its own here.
	seed := keystone.SeedFromModel(m, c.base+CloudsPath, c.password)
	seed.IdentityURL = c.base + IdentityPath
	seed.InterconnectionPeer = true // interconnect.go's service user
	if err := ks.Bootstrap(ctx, seed); err != nil {
		return err
	}
	c.ks = ks
	c.projectIDs = map[string]string{}
	for _, name := range append([]string{keystone.AdminProject}, demoProjects(m)...) {
		if c.projectIDs[name], err = ks.ProjectID(ctx, name); err != nil {
			return err
		}
	}
	for _, cl := range m.Clouds {
		var changed func()
		if onChange != nil {
			name := cl.Name
			changed = func() { onChange(name) }
		}
		n, err := neutron.New(ctx, c.st, ks, neutron.Config{
			Region:  cl.Name,
			AuthURI: c.base + IdentityPath,
			Logger:  log.With("service", "neutron"),
			// Two dragents, as an HA deployment runs them: a speaker
			// moves to the second when the admin takes it off the first.
			DRAgentHosts: []string{cl.Name + "-network", cl.Name + "-network-2"},
			// DevStack's: the public network is flat on "public",
			// physnet1 is for the admin's provider networks.
			PhysicalNetworks: []string{PublicPhysnet, "physnet1"},
			OnChange:         changed,
		})
		if err != nil {
			return err
		}
		c.neutron = append(c.neutron, n)
		// Nova calls its cloud's Neutron as the user; servers go to the
		// cloud's compute nodes.
		var computes []string
		hostIPs := map[string]string{}
		for _, cn := range cl.Computes {
			computes = append(computes, cn.Name)
			// its address on the cloud's underlay, as Nova's host_ip
			if node := m.Node(cn.Name); node != nil && len(node.Interfaces) > 0 {
				hostIPs[cn.Name] = node.Interfaces[0].Addr.Addr().String()
			}
		}
		nv, err := nova.New(ctx, c.st, ks, nova.Config{
			Region: cl.Name, Neutron: n.Handler(), Computes: computes, HostIPs: hostIPs,
			AuthURI: c.base + IdentityPath, Logger: log.With("service", "nova"),
		})
		if err != nil {
			return err
		}
		c.nova = append(c.nova, nv)
		g, err := glance.New(ks, glance.Config{Owner: c.projectIDs[keystone.AdminProject],
			AuthURI: c.base + IdentityPath, Logger: log.With("service", "glance")})
		if err != nil {
			return err
		}
		c.glance = append(c.glance, g)
	}
	return c.initialNetworks(ctx, m, log)
}

// Mounter is where the services are mounted: *api.Server, or an
// *http.ServeMux wrapped to return nil.
type Mounter interface {
	Handle(pattern string, h http.Handler) error
}

// Mount serves Keystone at /identity/ and each cloud's Neutron, Nova and
// Glance at /cloud/CLOUD/network/, /cloud/CLOUD/compute/ and
// /cloud/CLOUD/image/.
func (c *Clouds) Mount(m Mounter) error {
	if err := m.Handle(IdentityPath+"/", http.StripPrefix(IdentityPath, c.ks.Handler())); err != nil {
		return err
	}
	for i, n := range c.neutron {
		r := n.Region()
		for _, mt := range []struct {
			path  string
			h     http.Handler
			exact bool // also the path without its slash, which clients' discovery asks for
		}{
			{networkPath(r), n.Handler(), false},
			{CloudsPath + "/" + r + "/compute", c.nova[i].Handler(), true},
			{CloudsPath + "/" + r + "/image", c.glance[i].Handler(), true},
		} {
			h := http.StripPrefix(mt.path, mt.h)
			if err := m.Handle(mt.path+"/", h); err != nil {
				return err
			}
			if mt.exact {
				if err := m.Handle(mt.path, h); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// demoProjects are the names of the clouds' demo projects.
func demoProjects(m *topology.Model) []string {
	var names []string
	for _, cl := range m.Clouds {
		names = append(names, keystone.DemoName(cl.Name))
	}
	return names
}

func networkPath(cloud string) string { return CloudsPath + "/" + cloud + "/network" }

// AuthURL is OS_AUTH_URL: Keystone's v3 root.
func (c *Clouds) AuthURL() string { return c.base + IdentityPath + "/v3" }

// Keystone is the lab's identity service.
func (c *Clouds) Keystone() *keystone.Service { return c.ks }

// Neutron is cloud's network service, nil for an unknown cloud.
func (c *Clouds) Neutron(cloud string) *neutron.Service {
	for _, n := range c.neutron {
		if n.Region() == cloud {
			return n
		}
	}
	return nil
}

// Nova is cloud's compute service, nil for an unknown cloud.
func (c *Clouds) Nova(cloud string) *nova.Service {
	for _, n := range c.nova {
		if n.Region() == cloud {
			return n
		}
	}
	return nil
}

// Describe says what a client needs to use the APIs: for the daemon's
// GET /api/v1/openstack, status and openrc.
func (c *Clouds) Describe() *api.OpenStack {
	o := &api.OpenStack{
		AuthURL: c.AuthURL(), Domain: keystone.DefaultDomainName, Password: c.password,
		AdminUser: keystone.AdminUser, AdminProject: keystone.AdminProject,
		AdminProjectID: c.projectIDs[keystone.AdminProject],
	}
	for _, n := range c.neutron {
		r := n.Region()
		o.Regions = append(o.Regions, api.OpenStackRegion{
			Name: r, NetworkURL: c.base + networkPath(r) + "/",
			User: keystone.DemoName(r), Project: keystone.DemoName(r),
			ProjectID: c.projectIDs[keystone.DemoName(r)],
		})
	}
	return o
}

// Close closes the store. Every change the APIs acknowledged is already
// committed; stop serving requests first.
func (c *Clouds) Close() error {
	c.stopInterconnections()
	if err := c.st.Close(); err != nil {
		return fmt.Errorf("cloudapi: %w", err)
	}
	return nil
}
