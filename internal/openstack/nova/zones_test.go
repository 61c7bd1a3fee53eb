package nova

import (
	"context"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/availabilityzones"
)

// TestAvailabilityZones: the cloud's computes are in Nova's default zone,
// nova, which every user lists (Terraform's availability zones data
// source) and the admin lists with its hosts; the detail is the admin's.
func TestAvailabilityZones(t *testing.T) {
	lb := startLab(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	admin := lb.clients(t, "admin", "admin", "cloud1")

	pages, err := availabilityzones.List(demo.compute).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	zones, err := availabilityzones.ExtractAvailabilityZones(pages)
	if err != nil || len(zones) != 1 || zones[0].ZoneName != "nova" || !zones[0].ZoneState.Available || zones[0].Hosts != nil {
		t.Fatalf("zones: %v %+v", err, zones)
	}
	pages, err = availabilityzones.ListDetail(admin.compute).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	zones, err = availabilityzones.ExtractAvailabilityZones(pages)
	if err != nil || len(zones) != 1 || len(zones[0].Hosts) == 0 {
		t.Fatalf("zones in detail: %v %+v", err, zones)
	}
	for host, services := range zones[0].Hosts {
		if svc, ok := services["nova-compute"]; !ok || !svc.Available || !svc.Active {
			t.Errorf("host %s runs %+v, want an available, active nova-compute", host, services)
		}
	}
	code, _, body := call(t, demo.compute, "GET", demo.compute.Endpoint+"os-availability-zone/detail", nil, nil)
	wantFault(t, "detail as the demo user", code, body, 403, "forbidden", "Policy doesn't allow os_compute_api:os-availability-zone:detail to be performed.")
}
