package keystone

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/ostest"
)

// openstackCLI runs the python-openstackclient (Debian package
// python3-openstackclient) against ts with the environment an openrc sets,
// and nothing else of the caller's OS_* or clouds.yaml.
func openstackCLI(t *testing.T, ts *testServer, user, password, project string, args ...string) (string, string, error) {
	t.Helper()
	return ostest.CLI(t, ostest.Openrc(ts.URL+"/v3", "cloud2", user, password, project), args...)
}

func TestOpenstackClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})

	out, errOut, err := openstackCLI(t, ts, "admin", testPassword, "admin", "token", "issue", "-f", "json")
	if err != nil {
		t.Fatalf("openstack token issue: %v\n%s", err, errOut)
	}
	if reqs := ts.takeRequests(); !slices.Equal(reqs, []string{"GET /v3", "POST /v3/auth/tokens"}) {
		t.Errorf("token issue sent %v, want GET /v3 then POST /v3/auth/tokens", reqs)
	}
	var tok struct {
		ID        string `json:"id"`
		ProjectID string `json:"project_id"`
		UserID    string `json:"user_id"`
		Expires   string `json:"expires"`
	}
	if err := json.Unmarshal([]byte(out), &tok); err != nil {
		t.Fatalf("token issue output %q: %v", out, err)
	}
	id, err := ts.svc.Validate(t.Context(), tok.ID)
	if err != nil {
		t.Fatalf("the CLI's token does not validate: %v", err)
	}
	if id.User.ID != tok.UserID || id.Project.ID != tok.ProjectID || id.Project.Name != "admin" {
		t.Errorf("CLI token %+v, identity %+v", tok, id)
	}

	out, errOut, err = openstackCLI(t, ts, "admin", testPassword, "admin", "project", "list", "-f", "json")
	if err != nil {
		t.Fatalf("openstack project list: %v\n%s", err, errOut)
	}
	var projects []struct{ ID, Name string }
	if err := json.Unmarshal([]byte(out), &projects); err != nil {
		t.Fatalf("project list output %q: %v", out, err)
	}
	var names []string
	for _, p := range projects {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"admin", "demo-cloud1", "demo-cloud2", "demo-cloud3"}) {
		t.Errorf("project list: %v", names)
	}

	// Names resolve as the CLI resolves them: GET by id, then ?name=.
	out, errOut, err = openstackCLI(t, ts, "admin", testPassword, "admin", "role", "assignment", "list", "--project", "demo-cloud1", "--names", "-f", "json")
	if err != nil {
		t.Fatalf("openstack role assignment list: %v\n%s", err, errOut)
	}
	var assignments []struct{ Role, User, Project string }
	err = json.Unmarshal([]byte(out), &assignments)
	slices.SortFunc(assignments, func(a, b struct{ Role, User, Project string }) int { return strings.Compare(a.User, b.User) })
	if err != nil || len(assignments) != 2 ||
		assignments[0].Role != "admin" || assignments[0].User != "admin@Default" || assignments[0].Project != "demo-cloud1@Default" ||
		assignments[1].Role != "member" || assignments[1].User != "demo-cloud1@Default" || assignments[1].Project != "demo-cloud1@Default" {
		t.Errorf("role assignment list --project demo-cloud1: %q (%v)", out, err)
	}

	// A member may not list every project; the CLI then lists the
	// user's own (GET /v3/users/{id}/projects).
	out, errOut, err = openstackCLI(t, ts, "demo-cloud2", testPassword, "demo-cloud2", "project", "list", "-f", "json")
	if err != nil {
		t.Fatalf("openstack project list as a member: %v\n%s", err, errOut)
	}
	projects = nil
	if err := json.Unmarshal([]byte(out), &projects); err != nil || len(projects) != 1 || projects[0].Name != "demo-cloud2" {
		t.Errorf("member's project list %q (%v), want demo-cloud2 only", out, err)
	}

	out, errOut, err = openstackCLI(t, ts, "demo-cloud2", testPassword, "demo-cloud2", "catalog", "list", "-f", "json")
	if err != nil {
		t.Fatalf("openstack catalog list: %v\n%s", err, errOut)
	}
	var catalog []struct {
		Name, Type string
		Endpoints  []struct{ Interface, Region, URL string }
	}
	if err := json.Unmarshal([]byte(out), &catalog); err != nil {
		t.Fatalf("catalog list output %q: %v", out, err)
	}
	var network []string
	for _, svc := range catalog {
		for _, ep := range svc.Endpoints {
			if svc.Type == "network" && ep.Interface == "public" {
				network = append(network, ep.Region+" "+ep.URL)
			}
		}
	}
	want := []string{"cloud1 " + ts.URL + "/cloud1/network/", "cloud2 " + ts.URL + "/cloud2/network/", "cloud3 " + ts.URL + "/cloud3/network/"}
	if !slices.Equal(network, want) {
		t.Errorf("public network endpoints in the CLI's catalog %v, want %v", network, want)
	}

	// A wrong password: the CLI fails and shows Keystone's message.
	_, errOut, err = openstackCLI(t, ts, "admin", "wrong", "admin", "token", "issue", "-f", "json")
	if err == nil || !strings.Contains(errOut, "HTTP 401") || !strings.Contains(errOut, msgUnauthorized) {
		t.Errorf("wrong password: err %v, stderr %q; want a 401 with Keystone's message", err, errOut)
	}
}
