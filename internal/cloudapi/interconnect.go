package cloudapi

import (
	"context"
	"log/slog"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/interconnect"
	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
	"github.com/intercloud/intercloud/internal/topology"
)

// maxInterconnectRTs bounds each cloud's share of the lab's RT pool for
// interconnections.
const maxInterconnectRTs = 1000

// interconnectPool is cloud i's route targets for interconnections:
// PROVIDER_ASN:N with N in a slice of the lab's RT pool of its own,
// taken from the pool's top (the topology's VPNs take theirs from the
// bottom), so that no two clouds, and no VPN of the topology, share one.
func interconnectPool(m *topology.Model, i int) neutron.RTPool {
	rng, asn := m.Pools.RT, m.ProviderASN
	if rng.First == 0 && rng.Last == 0 { // a model not resolved from YAML
		rng = topology.DefaultRT
	}
	if asn == 0 {
		asn = topology.DefaultProviderASN
	}
	n := uint64(len(m.Clouds))
	size := uint64(rng.Last) - uint64(rng.First) + 1
	span := min(size/(2*n), maxInterconnectRTs)
	if rng.Last < rng.First || span == 0 {
		return neutron.RTPool{}
	}
	last := uint64(rng.Last) - uint64(i)*span
	return neutron.RTPool{ASN: asn, First: uint32(last - span + 1), Last: uint32(last)}
}

// startInterconnections gives each cloud's Neutron an engine that talks
// to the other clouds as the interconnection service user (which
// Keystone's bootstrap made, with the peer role), then looks at what the
// store holds: work left over from before a restart resumes.
func (c *Clouds) startInterconnections(ctx context.Context, m *topology.Model, log *slog.Logger, clk clock.Clock) error {
	for i, n := range c.neutron {
		e, err := interconnect.New(interconnect.Config{
			Neutron: n, Clock: clk, Logger: log.With("service", "interconnect"),
			Credentials: interconnect.Credentials{User: keystone.InterconnectionUser, Password: c.password,
				Project: keystone.ServiceProject, Domain: keystone.DefaultDomainName},
		})
		if err != nil {
			return err
		}
		c.inter = append(c.inter, e)
		n.SetInterconnector(e, interconnectPool(m, i))
	}
	for _, e := range c.inter {
		if err := e.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// stopInterconnections stops the engines' retries and waits for their
// work under way, before the store closes.
func (c *Clouds) stopInterconnections() {
	for _, e := range c.inter {
		e.Close()
	}
	c.inter = nil
}
