package ostest

import (
	"context"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// Authenticate signs user in on project (both in the Default domain)
// through the Keystone at keystoneURL (its root), as gophercloud does,
// bounded to 30 s.
func Authenticate(t testing.TB, keystoneURL, user, password, project string) *gophercloud.ProviderClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: keystoneURL + "/v3/", Username: user, Password: password,
		DomainName: "Default", TenantName: project,
	})
	if err != nil {
		t.Fatalf("authenticate %s/%s: %v", user, project, err)
	}
	return p
}
