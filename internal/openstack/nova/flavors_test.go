package nova

import (
	"context"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
)

// TestFlavorExtraSpecs: a seeded flavor's extra specs are an empty map
// (Terraform's openstack_compute_flavor_v2 data source and `openstack
// flavor list` read them), a key it lacks and a flavor that does not
// exist are Nova's 404s.
func TestFlavorExtraSpecs(t *testing.T) {
	lb := startLab(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")

	specs, err := flavors.ListExtraSpecs(ctx, demo.compute, "1").Extract()
	if err != nil || specs == nil || len(specs) != 0 {
		t.Fatalf("extra specs of m1.tiny: %v %v, want an empty map", specs, err)
	}
	code, _, body := call(t, demo.compute, "GET", demo.compute.Endpoint+"flavors/1/os-extra_specs", nil, nil)
	if es, ok := body["extra_specs"].(map[string]any); code != 200 || !ok || len(es) != 0 || len(body) != 1 {
		t.Errorf("GET os-extra_specs: %d %v", code, body)
	}
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"flavors/1/os-extra_specs/hw:cpu_policy", nil, nil)
	wantFault(t, "a key m1.tiny lacks", code, body, 404, "itemNotFound", "Flavor 1 has no extra specs with key hw:cpu_policy.")
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"flavors/nope/os-extra_specs", nil, nil)
	wantFault(t, "a flavor that does not exist", code, body, 404, "itemNotFound", "Flavor nope could not be found.")
}
