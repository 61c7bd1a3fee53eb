package cloudapi

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/store"
	"github.com/intercloud/intercloud/internal/topology"
)

// Names of DevStack's initial networks (lib/neutron's
// create_neutron_initial_network), as each cloud starts with them.
const (
	InitialAddressScope = "shared-default-address-scope-v4"
	InitialSubnetPool   = "shared-default-subnetpool-v4"
	PublicNetwork       = "public"
	PublicSubnet        = "public-subnet"
	PrivateNetwork      = "private"
	PrivateSubnet       = "private-subnet"
	DemoRouter          = "router1"
	// PublicPhysnet is the physical network the public network is flat
	// on, DevStack's PUBLIC_PHYSICAL_NETWORK; physnet1 stays free for the
	// provider networks an admin makes.
	PublicPhysnet = "public"
)

// Prefix lengths of the public and private subnets, as DevStack sizes them
// (a /24 of floating IPs, SUBNETPOOL_SIZE_V4 for tenants), or one bit
// longer than a smaller cloud prefix.
const (
	publicPrefixLen  = 24
	privatePrefixLen = 26
	// maxInitialBits is the longest cloud prefix the networks fit in:
	// two subnets of four addresses.
	maxInitialBits = 29
)

// initialMigration records the clouds whose initial networks are made,
// so that they are made once: a network the user deletes stays deleted
// across restarts, and a restart after a crash midway finishes the set
// (every step first looks for what an earlier run made).
func initialMigration() []store.Migration {
	return []store.Migration{{Version: 1, Name: "initial networks made", Up: store.SQL(
		`CREATE TABLE cloudapi_initial_networks (
			region  TEXT    NOT NULL PRIMARY KEY,
			made_at INTEGER NOT NULL
		)`,
	)}}
}

// initialNetworks gives each cloud whose model asks for them DevStack's
// initial networks, once: a shared address scope and default subnet pool
// over the cloud's allocated prefix; the admin's flat external network
// public with public-subnet from the pool (floating IPs come from it, and
// the cloud's CE announces it in a floating-ip cloud); and, in the cloud's
// demo project, the network private with private-subnet from the pool and
// router1 joining it to public. As the pool is in one address scope with
// public, router1 routes private without SNAT, as neutron-dynamic-routing
// wants it. The default security groups of admin and demo are made by
// their first use. Everything is asked of the cloud's Neutron through its
// API, as the admin (DevStack's devstack-admin and, for demo's resources,
// the admin scoped to demo), so ids, revisions, quotas and change events
// are those of any client's requests.
func (c *Clouds) initialNetworks(ctx context.Context, m *topology.Model, log *slog.Logger) error {
	if err := c.st.Migrate(ctx, "cloudapi", initialMigration()); err != nil {
		return fmt.Errorf("cloudapi: %w", err)
	}
	// The admin's token is Keystone's and good at every cloud's Neutron:
	// one serves them all. The admin scoped to a cloud's demo project is
	// the cloud's own.
	var admin *neutronClient
	defer func() {
		if admin != nil {
			admin.close()
		}
	}()
	for _, cl := range m.Clouds {
		if !cl.InitialNetworks {
			continue
		}
		made, err := c.initialMade(ctx, cl.Name)
		if err != nil {
			return err
		}
		if made {
			continue
		}
		if cl.Prefix.Bits() > maxInitialBits || !cl.Prefix.Addr().Is4() {
			log.Warn("no initial networks: the cloud's prefix is too small for them", "cloud", cl.Name, "prefix", cl.Prefix)
			continue
		}
		n := c.Neutron(cl.Name)
		if admin == nil {
			admin, err = c.asUser(ctx, n, keystone.AdminUser, keystone.AdminProject)
		}
		var adminDemo *neutronClient
		if err == nil {
			adminDemo, err = c.asUser(ctx, n, keystone.AdminUser, keystone.DemoName(cl.Name))
		}
		if err == nil {
			err = c.makeInitial(ctx, cl, admin.on(n), adminDemo)
			if err == nil {
				err = c.initialBGPVPN(ctx, m, cl, admin.on(n), adminDemo) // initial_bgpvpn.go
			}
			adminDemo.close()
		}
		if err != nil {
			// A state directory from before initial networks may hold a
			// user's own public or private network that clashes with them:
			// the lab still comes up, says why, and tries again next start.
			log.Warn("initial networks not made: "+err.Error()+" (set initial_networks: false for this cloud, or remove what clashes)", "cloud", cl.Name)
			continue
		}
		if _, err := c.st.DB().ExecContext(ctx, `INSERT INTO cloudapi_initial_networks (region, made_at) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, cl.Name, time.Now().Unix()); err != nil {
			return fmt.Errorf("cloudapi: %w", err)
		}
		log.Info("initial networks made", "cloud", cl.Name, "prefix", cl.Prefix)
	}
	return nil
}

func (c *Clouds) initialMade(ctx context.Context, region string) (bool, error) {
	var one int
	err := c.st.DB().QueryRowContext(ctx, `SELECT 1 FROM cloudapi_initial_networks WHERE region = ?`, region).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cloudapi: %w", err)
	}
	return true, nil
}

// makeInitial makes what is missing of one cloud's initial networks, as
// admin (the admin scoped to its project) and adminDemo (scoped to the
// cloud's demo project), both clients of the cloud's Neutron.
func (c *Clouds) makeInitial(ctx context.Context, cl *topology.Cloud, admin, adminDemo *neutronClient) error {
	prefix := cl.Prefix.Masked()
	pubLen := max(publicPrefixLen, prefix.Bits()+1)
	privLen := max(privatePrefixLen, prefix.Bits()+1)
	scope, err := admin.ensure(ctx, "address-scopes", "address_scope", "name="+InitialAddressScope,
		map[string]any{"name": InitialAddressScope, "ip_version": 4, "shared": true})
	if err != nil {
		return err
	}
	pool, err := admin.ensure(ctx, "subnetpools", "subnetpool", "name="+InitialSubnetPool,
		map[string]any{"name": InitialSubnetPool, "prefixes": []string{prefix.String()}, "default_prefixlen": privLen,
			"address_scope_id": scope, "shared": true, "is_default": true,
			"description": fmt.Sprintf("cloud %s's allocated prefix %v", cl.Name, prefix)})
	if err != nil {
		return err
	}
	public, err := admin.ensure(ctx, "networks", "network", "name="+PublicNetwork+"&router:external=true",
		map[string]any{"name": PublicNetwork, "router:external": true,
			"provider:network_type": "flat", "provider:physical_network": PublicPhysnet})
	if err != nil {
		return err
	}
	if _, err := admin.ensure(ctx, "subnets", "subnet", "name="+PublicSubnet+"&network_id="+public,
		map[string]any{"name": PublicSubnet, "network_id": public, "ip_version": 4,
			"subnetpool_id": pool, "prefixlen": pubLen, "enable_dhcp": false}); err != nil {
		return err
	}
	private, err := adminDemo.ensure(ctx, "networks", "network", "name="+PrivateNetwork+"&project_id="+adminDemo.project,
		map[string]any{"name": PrivateNetwork})
	if err != nil {
		return err
	}
	privSubnet, err := adminDemo.ensure(ctx, "subnets", "subnet", "name="+PrivateSubnet+"&network_id="+private,
		map[string]any{"name": PrivateSubnet, "network_id": private, "ip_version": 4, "subnetpool_id": pool, "prefixlen": privLen})
	if err != nil {
		return err
	}
	router, err := adminDemo.ensure(ctx, "routers", "router", "name="+DemoRouter+"&project_id="+adminDemo.project,
		map[string]any{"name": DemoRouter, "external_gateway_info": map[string]any{"network_id": public}})
	if err != nil {
		return err
	}
	ifaces, err := adminDemo.list(ctx, "ports", "device_id="+router+"&device_owner=network:router_interface&fixed_ips=subnet_id%3D"+privSubnet)
	if err != nil {
		return err
	}
	if len(ifaces) == 0 {
		if _, err := adminDemo.call(ctx, "PUT", "/v2.0/routers/"+router+"/add_router_interface", map[string]any{"subnet_id": privSubnet}); err != nil {
			return err
		}
	}
	// Listing its groups makes a project's default group, as it does
	// for any client.
	for _, u := range []*neutronClient{admin, adminDemo} {
		if _, err := u.list(ctx, "security-groups", "name=default&project_id="+u.project); err != nil {
			return err
		}
	}
	return nil
}
