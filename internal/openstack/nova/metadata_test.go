package nova

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
)

// TestServerMetadata: a server's metadata read, merged, replaced, set and
// deleted key by key through gophercloud (Terraform's calls), with Nova's
// refusals: while the server builds, a key it lacks, a body whose key is
// not the URI's, a key Nova's schema refuses, beyond the quota.
func TestServerMetadata(t *testing.T) {
	lb := startLab(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	net1 := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	created, err := servers.Create(ctx, demo.compute, servers.CreateOpts{
		Name: "vm1", ImageRef: firstImage(t), FlavorRef: "1", Networks: []servers.Network{{UUID: net1}},
		Metadata: map[string]string{"role": "web"},
	}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	id := created.ID
	url := demo.compute.Endpoint + "servers/" + id + "/metadata"
	code, _, body := call(t, demo.compute, "POST", url, nil, map[string]any{"metadata": map[string]any{"a": "1"}})
	wantFault(t, "update while building", code, body, 409, "conflictingRequest", "Cannot 'update metadata' instance "+id+" while it is in vm_state building")
	lb.advance(10 * time.Second)

	if md, err := servers.Metadata(ctx, demo.compute, id).Extract(); err != nil || !maps.Equal(md, map[string]string{"role": "web"}) {
		t.Fatalf("metadata: %v %v", md, err)
	}
	md, err := servers.UpdateMetadata(ctx, demo.compute, id, servers.MetadataOpts{"tier": "front", "role": "api"}).Extract()
	if want := map[string]string{"role": "api", "tier": "front"}; err != nil || !maps.Equal(md, want) {
		t.Errorf("merge: %v %v, want %v", md, err, want)
	}
	md, err = servers.ResetMetadata(ctx, demo.compute, id, servers.MetadataOpts{"only": "this"}).Extract()
	if want := map[string]string{"only": "this"}; err != nil || !maps.Equal(md, want) {
		t.Errorf("replace: %v %v, want %v", md, err, want)
	}
	if m, err := servers.CreateMetadatum(ctx, demo.compute, id, servers.MetadatumOpts{"k": "v"}).Extract(); err != nil || !maps.Equal(m, map[string]string{"k": "v"}) {
		t.Errorf("set k: %v %v", m, err)
	}
	if m, err := servers.Metadatum(ctx, demo.compute, id, "k").Extract(); err != nil || !maps.Equal(m, map[string]string{"k": "v"}) {
		t.Errorf("get k: %v %v", m, err)
	}
	if err := servers.DeleteMetadatum(ctx, demo.compute, id, "only").ExtractErr(); err != nil {
		t.Errorf("delete only: %v", err)
	}
	if sv, err := servers.Get(ctx, demo.compute, id).Extract(); err != nil || !maps.Equal(sv.Metadata, map[string]string{"k": "v"}) {
		t.Errorf("the server shows metadata %v (%v), want k=v", sv.Metadata, err)
	}

	code, _, body = call(t, demo.compute, "GET", url+"/only", nil, nil)
	wantFault(t, "get a deleted key", code, body, 404, "itemNotFound", "Metadata item was not found")
	code, _, body = call(t, demo.compute, "DELETE", url+"/only", nil, nil)
	wantFault(t, "delete a deleted key", code, body, 404, "itemNotFound", "Metadata item was not found")
	code, _, body = call(t, demo.compute, "PUT", url+"/k", nil, map[string]any{"meta": map[string]any{"other": "v"}})
	wantFault(t, "a body naming another key", code, body, 400, "badRequest", "Request body and URI mismatch")
	code, _, body = call(t, demo.compute, "POST", url, nil, map[string]any{"metadata": map[string]any{"a/b": "v"}})
	wantFault(t, "a key with a slash", code, body, 400, "badRequest", `Invalid input for field/attribute metadata. Value: {"a/b":"v"}. Additional properties are not allowed ('a/b' was unexpected)`)
	code, _, body = call(t, demo.compute, "POST", url, nil, map[string]any{"metadata": map[string]any{"a": 1}})
	wantFault(t, "a number", code, body, 400, "badRequest", "Invalid input for field/attribute metadata/a. Value: 1. 1 is not of type 'string'")
	many := map[string]any{}
	for i := range 129 {
		many["k"+strings.Repeat("x", i)] = "v"
	}
	code, _, body = call(t, demo.compute, "PUT", url, nil, map[string]any{"metadata": many})
	wantFault(t, "129 items", code, body, 403, "forbidden", "Maximum number of metadata items exceeds 128")
	other := lb.clients(t, "demo-cloud2", "demo-cloud2", "cloud1")
	code, _, body = call(t, other.compute, "GET", other.compute.Endpoint+"servers/"+id+"/metadata", nil, nil)
	wantFault(t, "another project's server", code, body, 404, "itemNotFound", "Instance "+id+" could not be found.")
}
