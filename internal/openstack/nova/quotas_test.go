package nova

import (
	"context"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/quotasets"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// projectOf is the id of the project c's token is scoped to.
func projectOf(t *testing.T, c *gophercloud.ServiceClient) string {
	t.Helper()
	res, ok := c.ProviderClient.GetAuthResult().(tokens.CreateResult)
	if !ok {
		t.Fatal("no v3 token")
	}
	p, err := res.ExtractProject()
	if err != nil || p == nil {
		t.Fatalf("token project: %v", err)
	}
	return p.ID
}

// A project reads its quotas with gophercloud as Nova answers them: the
// defaults, the network ones -1 before 2.36, usage in the detail; an
// admin raises and lowers them, not below what is used unless forced,
// and the new limits refuse a server as they say.
func TestQuotaSetsShowUpdateAndEnforce(t *testing.T) {
	lb := startLab(t, "")
	ctx := context.Background()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	admin := lb.clients(t, "admin", "admin", "cloud1")
	tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	project := projectOf(t, demo.compute)

	qs, err := quotasets.Get(ctx, demo.compute, project).Extract()
	if err != nil {
		t.Fatal(err)
	}
	want := quotasets.QuotaSet{ID: project, Cores: 20, FixedIPs: -1, FloatingIPs: -1, InjectedFileContentBytes: 10240,
		InjectedFilePathBytes: 255, InjectedFiles: 5, Instances: 10, KeyPairs: 100, MetadataItems: 128, RAM: 51200,
		SecurityGroupRules: -1, SecurityGroups: -1, ServerGroups: 10, ServerGroupMembers: 10}
	if *qs != want {
		t.Errorf("quota show:\n%+v, want\n%+v", *qs, want)
	}
	code, _, body := call(t, demo.compute, "GET", demo.compute.Endpoint+"os-quota-sets/"+project+"/defaults",
		map[string]string{"OpenStack-API-Version": "compute 2.57"}, nil)
	got := body["quota_set"].(map[string]any)
	if code != 200 || len(got) != 8 || got["id"] != project || got["instances"] != float64(10) || got["fixed_ips"] != nil || got["injected_files"] != nil {
		t.Errorf("defaults at 2.57: %d %v", code, body)
	}

	code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil,
		map[string]any{"server": map[string]any{"name": "vm1", "imageRef": firstImage(t), "flavorRef": "2"}})
	if code != 202 {
		t.Fatalf("create: %d %v", code, body)
	}
	detail, err := quotasets.GetDetail(ctx, demo.compute, project).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if detail.Instances != (quotasets.QuotaDetail{InUse: 1, Limit: 10}) || detail.RAM != (quotasets.QuotaDetail{InUse: 2048, Limit: 51200}) ||
		detail.Cores != (quotasets.QuotaDetail{InUse: 1, Limit: 20}) {
		t.Errorf("detail: %+v", detail)
	}

	// A member may not change its quotas, nor read another project's.
	_, err = quotasets.Update(ctx, demo.compute, project, quotasets.UpdateOpts{Instances: gophercloud.IntToPointer(50)}).Extract()
	if !gophercloud.ResponseCodeIs(err, 403) {
		t.Errorf("member update: %v", err)
	}
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"os-quota-sets/"+projectOf(t, admin.compute), nil, nil)
	wantFault(t, "another project's quotas", code, body, 403, "forbidden", "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.")

	updated, err := quotasets.Update(ctx, admin.compute, project, quotasets.UpdateOpts{Instances: gophercloud.IntToPointer(2), Cores: gophercloud.IntToPointer(-1)}).Extract()
	if err != nil || updated.Instances != 2 || updated.Cores != -1 || updated.ID != "" {
		t.Errorf("admin update: %+v %v", updated, err)
	}
	code, _, body = call(t, admin.compute, "PUT", admin.compute.Endpoint+"os-quota-sets/"+project, nil,
		map[string]any{"quota_set": map[string]any{"ram": 1024}})
	wantFault(t, "ram below use", code, body, 400, "badRequest", "Quota limit 1024 for ram must be greater than or equal to already used and reserved 2048.")
	code, _, body = call(t, admin.compute, "PUT", admin.compute.Endpoint+"os-quota-sets/"+project, nil,
		map[string]any{"quota_set": map[string]any{"instances": -2}})
	wantFault(t, "below -1", code, body, 400, "badRequest", "Invalid input for field/attribute instances. Value: -2. -2 is less than the minimum of -1")
	code, _, body = call(t, admin.compute, "PUT", admin.compute.Endpoint+"os-quota-sets/"+project,
		map[string]string{"OpenStack-API-Version": "compute 2.36"}, map[string]any{"quota_set": map[string]any{"floating_ips": 5}})
	if code != 400 || !strings.Contains(body["badRequest"].(map[string]any)["message"].(string), "Additional properties are not allowed ('floating_ips' was unexpected)") {
		t.Errorf("floating_ips at 2.36: %d %v", code, body)
	}

	for i, want := range []int{202, 403} {
		code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil,
			map[string]any{"server": map[string]any{"name": "more", "imageRef": firstImage(t), "flavorRef": "5"}})
		if code != want {
			t.Fatalf("server %d under instances=2: %d %v", i+2, code, body)
		}
	}
	wantFault(t, "a third server", code, body, 403, "forbidden", "Quota exceeded for instances: Requested 1, but already used 2 of 2 instances")
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"limits", nil, nil)
	abs := body["limits"].(map[string]any)["absolute"].(map[string]any)
	if abs["maxTotalInstances"] != float64(2) || abs["maxTotalCores"] != float64(-1) {
		t.Errorf("limits after update: %v", abs)
	}

	// A forced update goes below use; a delete goes back to the defaults.
	code, _, body = call(t, admin.compute, "PUT", admin.compute.Endpoint+"os-quota-sets/"+project, nil,
		map[string]any{"quota_set": map[string]any{"instances": "1", "force": "true"}})
	if code != 200 || body["quota_set"].(map[string]any)["instances"] != float64(1) {
		t.Errorf("forced: %d %v", code, body)
	}
	if err := quotasets.Delete(ctx, admin.compute, project).Err; err != nil {
		t.Fatal(err)
	}
	if qs, err := quotasets.Get(ctx, demo.compute, project).Extract(); err != nil || *qs != want {
		t.Errorf("after delete: %+v %v", qs, err)
	}
}

// A user's key pairs are held to the key_pairs quota, as Nova words it.
func TestKeyPairQuota(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	admin := lb.clients(t, "admin", "admin", "cloud1")
	code, _, body := call(t, admin.compute, "PUT", admin.compute.Endpoint+"os-quota-sets/"+projectOf(t, demo.compute), nil,
		map[string]any{"quota_set": map[string]any{"key_pairs": 1}})
	if code != 200 {
		t.Fatalf("update: %d %v", code, body)
	}
	for i, want := range []int{200, 403} {
		pub, _ := newKey("k")
		code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"os-keypairs", nil,
			map[string]any{"keypair": map[string]any{"name": "k" + string(rune('1'+i)), "public_key": pub}})
		if code != want {
			t.Fatalf("key pair %d: %d %v", i+1, code, body)
		}
	}
	wantFault(t, "second key pair", code, body, 403, "forbidden", "Quota exceeded, too many key pairs.")
}
