package interconnect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// remoteHalf is an interconnection as another cloud's Neutron shows it
// to a peer.
type remoteHalf struct {
	ID                      string         `json:"id"`
	Type                    string         `json:"type"`
	State                   string         `json:"state"`
	LocalResourceID         string         `json:"local_resource_id"`
	RemoteResourceID        string         `json:"remote_resource_id"`
	RemoteRegion            string         `json:"remote_region"`
	RemoteInterconnectionID *string        `json:"remote_interconnection_id"`
	LocalParameters         map[string]any `json:"local_parameters"`
	RemoteParameters        map[string]any `json:"remote_parameters"`
}

// rt is the route target a parameters object carries ("" when none).
func rt(params map[string]any) string {
	s, _ := params["bgpvpn"].(string)
	return s
}

// peer is a client of one remote cloud's Neutron, signed in on its
// Keystone as the interconnection service user (gophercloud signs in
// again when the token expires).
type peer struct {
	sc *gophercloud.ServiceClient
}

type peerKey struct{ keystone, region string }

// peers keeps a client per (Keystone, region).
type peers struct {
	creds Credentials
	hc    *http.Client
	mu    sync.Mutex
	m     map[peerKey]*peer
}

// Credentials are the interconnection service user's, the same on every
// cloud's Keystone (each lab cloud's Keystone grants it the peer role).
type Credentials struct {
	User, Password, Project, Domain string
}

// get signs in on keystone (once) and finds region's network endpoint
// in the catalog.
func (ps *peers) get(ctx context.Context, keystone, region string) (*peer, error) {
	k := peerKey{keystone, region}
	ps.mu.Lock()
	p := ps.m[k]
	ps.mu.Unlock()
	if p != nil {
		return p, nil
	}
	endpoint := strings.TrimRight(keystone, "/") + "/"
	if !strings.HasSuffix(endpoint, "/v3/") {
		endpoint += "v3/"
	}
	pc, err := openstack.NewClient(endpoint)
	if err != nil {
		return nil, fmt.Errorf("Keystone URL %s: %w", keystone, err)
	}
	pc.HTTPClient = *ps.hc
	err = openstack.Authenticate(ctx, pc, gophercloud.AuthOptions{
		IdentityEndpoint: endpoint, Username: ps.creds.User, Password: ps.creds.Password,
		DomainName: ps.creds.Domain, TenantName: ps.creds.Project, AllowReauth: true,
	})
	if err != nil {
		return nil, fmt.Errorf("sign in on %s as %s: %w", keystone, ps.creds.User, err)
	}
	sc, err := openstack.NewNetworkV2(pc, gophercloud.EndpointOpts{Region: region})
	var missing *gophercloud.ErrEndpointNotFound
	if errors.As(err, &missing) {
		return nil, &permanent{fmt.Errorf("no network endpoint for region %s in the catalog of %s", region, keystone)}
	}
	if err != nil {
		return nil, fmt.Errorf("network endpoint of region %s: %w", region, err)
	}
	p = &peer{sc: sc}
	ps.mu.Lock()
	ps.m[k] = p
	ps.mu.Unlock()
	return p, nil
}

// forget drops the client of (keystone, region), to sign in anew.
func (ps *peers) forget(keystone, region string) {
	ps.mu.Lock()
	delete(ps.m, peerKey{keystone, region})
	ps.mu.Unlock()
}

// permanent is an answer that retrying will not change.
type permanent struct{ error }

func (p *permanent) Unwrap() error { return p.error }

func isNotFound(err error) bool { return gophercloud.ResponseCodeIs(err, http.StatusNotFound) }

func (p *peer) url(parts ...string) string {
	return p.sc.ServiceURL(append([]string{"interconnection", "interconnections"}, parts...)...)
}

// show is GET .../interconnections/ID.
func (p *peer) show(ctx context.Context, id string) (*remoteHalf, error) {
	var out struct {
		Interconnection remoteHalf `json:"interconnection"`
	}
	if _, err := p.sc.Get(ctx, p.url(id), &out, nil); err != nil {
		return nil, err
	}
	return &out.Interconnection, nil
}

// pointingAt lists the remote halves whose local resource is remoteRes
// and remote resource is localRes.
func (p *peer) pointingAt(ctx context.Context, remoteRes, localRes string) ([]remoteHalf, error) {
	q := url.Values{"local_resource_id": {remoteRes}, "remote_resource_id": {localRes}}
	var out struct {
		Interconnections []remoteHalf `json:"interconnections"`
	}
	if _, err := p.sc.Get(ctx, p.url()+"?"+q.Encode(), &out, nil); err != nil {
		if isNotFound(err) {
			return nil, &permanent{errors.New("its Neutron has no interconnection API")}
		}
		return nil, err
	}
	return out.Interconnections, nil
}

// refresh is PUT .../interconnections/ID/refresh.
func (p *peer) refresh(ctx context.Context, id string) error {
	_, err := p.sc.Put(ctx, p.url(id, "refresh"), map[string]any{}, nil, &gophercloud.RequestOpts{OkCodes: []int{http.StatusOK}})
	return err
}

// gophercloud401 reports a refused token: the client signs in anew.
func gophercloud401(err error) bool { return gophercloud.ResponseCodeIs(err, http.StatusUnauthorized) }
