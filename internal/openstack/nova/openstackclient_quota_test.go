package nova

import (
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/openstack/ostest"
)

// `openstack quota show` and `quota set` (python3-openstackclient 6.0)
// read and change a project's compute quotas in Nova and its network
// quotas in Neutron; with no volume endpoint the CLI shows the rest.
func TestOpenstackClientQuotaShowAndSet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLab(t, "")
	const demo = "demo-cloud1"
	var q map[string]any
	cli(t, lb, demo, &q, "quota", "show")
	for k, want := range map[string]float64{"instances": 10, "cores": 20, "ram": 51200, "key-pairs": 100, "networks": 100, "ports": 500} {
		if q[k] != want {
			t.Errorf("quota show %s = %v, want %v (%v)", k, q[k], want, q)
		}
	}
	if q["project_name"] != demo {
		t.Errorf("quota show project_name %v", q["project_name"])
	}
	cli(t, lb, "admin", nil, "quota", "set", "--instances", "5", "--networks", "50", demo)
	cli(t, lb, "admin", &q, "quota", "show", demo)
	if q["instances"] != float64(5) || q["networks"] != float64(50) || q["cores"] != float64(20) {
		t.Errorf("after quota set: %v", q)
	}
	cli(t, lb, demo, &q, "quota", "show", "--default")
	if q["instances"] != float64(10) {
		t.Errorf("quota show --default: %v", q)
	}
	// A member may not set quotas: Nova's 403 reaches the user.
	id := projectOf(t, lb.clients(t, demo, demo, "cloud1").compute)
	_, stderr, err := ostest.CLI(t, ostest.Openrc(lb.URL+"/v3", "cloud1", demo, testPassword, demo), "quota", "set", "--instances", "50", id)
	if err == nil || !strings.Contains(stderr, "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed. (HTTP 403)") {
		t.Errorf("a member's quota set: %v %s", err, stderr)
	}
}
