package neutron

import (
	"fmt"
	"slices"
	"testing"
)

// cliNames are the Name column of an openstack ... list -f json.
func cliNames(t *testing.T, lb *lab, user, project string, args ...string) []string {
	t.Helper()
	var rows []map[string]any
	cliJSON(t, lb, user, project, &rows, args...)
	var names []string
	for _, r := range rows {
		names = append(names, fmt.Sprint(r["Name"]))
	}
	slices.Sort(names)
	return names
}

func TestTheOpenstackCLISetsTagsRoutesAndPoolPrefixes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLab(t)
	const user, project = "demo-cloud1", "demo-cloud1"
	run := func(t *testing.T, args ...string) {
		t.Helper()
		if out, err := openstackCLI(t, lb, user, project, args...); err != nil {
			t.Fatalf("openstack %v: %v\n%s", args, err, out)
		}
	}
	// Three independent stories, side by side: the CLI's start is most of
	// each step's time.
	t.Run("tags", func(t *testing.T) {
		t.Parallel()
		run(t, "network", "create", "--tag", "red", "n1")
		run(t, "network", "create", "--tag", "blue", "--tag", "green", "n2")
		run(t, "network", "set", "--tag", "blue", "n1")
		if got := cliNames(t, lb, user, project, "network", "list", "--tags", "red,blue", "-c", "Name"); !slices.Equal(got, []string{"n1"}) {
			t.Errorf("network list --tags red,blue: %v", got)
		}
		run(t, "network", "unset", "--tag", "blue", "n1")
		if got := cliNames(t, lb, user, project, "network", "list", "--any-tags", "blue", "-c", "Name"); !slices.Equal(got, []string{"n2"}) {
			t.Errorf("network list --any-tags blue after unset --tag blue n1: %v", got)
		}
	})
	// router add route and remove route are extraroute-atomic's.
	t.Run("routes", func(t *testing.T) {
		t.Parallel()
		run(t, "network", "create", "inside")
		run(t, "subnet", "create", "--network", "inside", "--subnet-range", "10.0.0.0/24", "s1")
		run(t, "router", "create", "r1")
		run(t, "router", "add", "subnet", "r1", "s1")
		run(t, "router", "add", "route", "--route", "destination=192.0.2.0/24,gateway=10.0.0.5",
			"--route", "destination=198.51.100.0/24,gateway=10.0.0.6", "r1")
		var r1 map[string]any
		cliJSON(t, lb, user, project, &r1, "router", "remove", "route", "--route", "destination=192.0.2.0/24,gateway=10.0.0.5", "r1")
		routes, _ := r1["routes"].([]any)
		if len(routes) != 1 || fmt.Sprint(routes[0]) != "map[destination:198.51.100.0/24 nexthop:10.0.0.6]" {
			t.Errorf("r1's routes after add route and remove route: %v", r1["routes"])
		}
	})
	// subnet pool set --pool-prefix adds a prefix, merged with the one there.
	t.Run("pool", func(t *testing.T) {
		t.Parallel()
		run(t, "subnet", "pool", "create", "--pool-prefix", "10.1.0.0/24", "p1")
		run(t, "subnet", "pool", "set", "--pool-prefix", "10.1.1.0/24", "p1")
		var p1 map[string]any
		cliJSON(t, lb, user, project, &p1, "subnet", "pool", "show", "p1")
		if ps, _ := p1["prefixes"].([]any); len(ps) != 1 || ps[0] != "10.1.0.0/23" {
			t.Errorf("p1's prefixes after set --pool-prefix: %v", p1["prefixes"])
		}
	})
}
