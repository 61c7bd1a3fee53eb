package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"go.yaml.in/yaml/v3"
)

// useEnv makes env the process's whole OS_* environment for the test, as
// `eval "$(intercloud openrc ...)"` in a clean shell would.
func useEnv(t *testing.T, env [][2]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OS_") {
			t.Setenv(k, "") // restored after the test
			os.Unsetenv(k)
		}
	}
	for _, kv := range env {
		t.Setenv(kv[0], kv[1])
	}
}

// gophercloudFromEnv authenticates as gophercloud's documentation says:
// AuthOptionsFromEnv, then a network client for $OS_REGION_NAME.
func gophercloudFromEnv(t *testing.T) (*gophercloud.ProviderClient, *gophercloud.ServiceClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts, err := openstack.AuthOptionsFromEnv()
	if err != nil {
		t.Fatalf("AuthOptionsFromEnv: %v", err)
	}
	provider, err := openstack.AuthenticatedClient(ctx, opts)
	if err != nil {
		t.Fatalf("authenticate from the environment: %v", err)
	}
	c, err := openstack.NewNetworkV2(provider, gophercloud.EndpointOpts{Region: os.Getenv("OS_REGION_NAME")})
	if err != nil {
		t.Fatalf("network client: %v", err)
	}
	return provider, c
}

func envValue(env [][2]string, key string) string {
	for _, kv := range env {
		if kv[0] == key {
			return kv[1]
		}
	}
	return ""
}

// TestOpenrcEnvironmentAloneAuthenticatesGophercloud: gophercloud reads
// openrc's environment, gets a token scoped to OS_PROJECT_ID, and lists
// and creates networks in OS_REGION_NAME's Neutron, as the demo user and
// as the admin.
func TestOpenrcEnvironmentAloneAuthenticatesGophercloud(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon")
	}
	api, _ := freeAPI(t)
	startUp(t, api, t.TempDir(), "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	demo := openrc(t, "cloud2", api)
	for _, key := range []string{"OS_PROJECT_ID", "OS_USER_DOMAIN_ID", "OS_PROJECT_DOMAIN_ID", "OS_DOMAIN_ID", "OS_AUTH_TYPE"} {
		if envValue(demo, key) == "" {
			t.Errorf("openrc cloud2 has no %s: %v", key, demo)
		}
	}
	useEnv(t, demo)
	provider, c := gophercloudFromEnv(t)
	project, err := tokens.Get(ctx, mustIdentity(t, provider), provider.Token()).ExtractProject()
	if err != nil || project == nil || project.ID != envValue(demo, "OS_PROJECT_ID") || project.Name != "demo-cloud2" {
		t.Fatalf("token scope %+v (%v), want project demo-cloud2 %s", project, err, envValue(demo, "OS_PROJECT_ID"))
	}
	if _, err := networks.Create(ctx, c, networks.CreateOpts{Name: "from-env"}).Extract(); err != nil {
		t.Fatalf("create a network from the environment: %v", err)
	}
	// Besides the cloud's initial networks: demo's private and the
	// admin's external public.
	if names := gcNetworkNames(t, c); !slices.Equal(names, []string{"from-env", "private", "public"}) {
		t.Errorf("demo-cloud2 lists %v, want [from-env private public]", names)
	}

	admin := openrc(t, "cloud2", "--admin", api)
	if envValue(admin, "OS_PROJECT_ID") == envValue(demo, "OS_PROJECT_ID") || envValue(admin, "OS_USERNAME") != "admin" {
		t.Fatalf("openrc --admin: %v", admin)
	}
	useEnv(t, admin)
	_, c = gophercloudFromEnv(t)
	if names := gcNetworkNames(t, c); !slices.Equal(names, []string{"from-env", "private", "public"}) {
		t.Errorf("admin lists %v in cloud2, want the demo project's networks and public", names)
	}

	// A project openrc does not know by id is scoped by name and domain.
	other := openrc(t, "cloud2", "--admin", "--project", "demo-cloud1", api)
	if envValue(other, "OS_PROJECT_ID") != "" || envValue(other, "OS_PROJECT_NAME") != "demo-cloud1" {
		t.Fatalf("openrc --project demo-cloud1: %v", other)
	}
}

func mustIdentity(t *testing.T, p *gophercloud.ProviderClient) *gophercloud.ServiceClient {
	t.Helper()
	c, err := openstack.NewIdentityV3(p, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func gcNetworkNames(t *testing.T, c *gophercloud.ServiceClient) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pages, err := networks.List(c, networks.ListOpts{}).AllPages(ctx)
	if err != nil {
		t.Fatalf("list networks: %v", err)
	}
	ns, err := networks.ExtractNetworks(pages)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range ns {
		names = append(names, n.Name)
	}
	slices.Sort(names)
	return names
}

// TestOpenrcCloudsYAMLServesOpenstackOSCloud writes a clouds.yaml into a
// file that has another cloud in it, and the openstack CLI uses the lab's
// clouds by name with --os-cloud; the other cloud and its comment are kept.
func TestOpenrcCloudsYAMLServesOpenstackOSCloud(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon")
	}
	api, addr := freeAPI(t)
	startUp(t, api, t.TempDir(), "")
	file := filepath.Join(t.TempDir(), "openstack", "clouds.yaml")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	mine := "# my production cloud\nclouds:\n  prod:\n    auth: {auth_url: 'https://keystone.example:5000/v3'}\n"
	if err := os.WriteFile(file, []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, "openrc", "--clouds-yaml="+file, api); code != 0 || !strings.Contains(out, "wrote 6 clouds") {
		t.Fatalf("openrc --clouds-yaml=FILE: %d %s %s", code, out, errOut)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Clouds map[string]struct {
			Auth       map[string]string `yaml:"auth"`
			RegionName string            `yaml:"region_name"`
		} `yaml:"clouds"`
	}
	if err := yaml.Unmarshal(written, &doc); err != nil {
		t.Fatalf("clouds.yaml does not parse: %v\n%s", err, written)
	}
	if !strings.HasPrefix(string(written), "# my production cloud\n") || doc.Clouds["prod"].Auth["auth_url"] != "https://keystone.example:5000/v3" {
		t.Errorf("the existing cloud or its comment was lost:\n%s", written)
	}
	c3 := doc.Clouds["cloud3-admin"]
	if len(doc.Clouds) != 7 || c3.RegionName != "cloud3" || c3.Auth["username"] != "admin" || c3.Auth["project_id"] == "" ||
		c3.Auth["auth_url"] != "http://"+addr+"/identity/v3" {
		t.Errorf("clouds.yaml entries:\n%s", written)
	}
	// Written again, it stays the same: entries are replaced, not added.
	if _, errOut, code := run(t, "openrc", "--clouds-yaml="+file, api); code != 0 {
		t.Fatalf("second write: %s", errOut)
	}
	if again, _ := os.ReadFile(file); string(again) != string(written) {
		t.Errorf("a second write changed the file:\n%s\nthen\n%s", written, again)
	}
	// One cloud on stdout.
	out, _, code := run(t, "openrc", "cloud1", "--clouds-yaml", api)
	if code != 0 || !strings.HasPrefix(out, "clouds:\n  cloud1:\n    auth:\n") || !strings.Contains(out, "  cloud1-admin:\n") || strings.Contains(out, "cloud2") {
		t.Errorf("openrc cloud1 --clouds-yaml:\n%s", out)
	}

	cfg := [][2]string{{"OS_CLIENT_CONFIG_FILE", file}}
	openstackCLI(t, cfg, "--os-cloud", "cloud1", "network", "create", "by-name")
	// The admin sees it besides the cloud's initial networks.
	if names := networkNames(t, append(cfg, [2]string{"OS_CLOUD", "cloud1-admin"})); !slices.Equal(names, []string{"by-name", "private", "public"}) {
		t.Errorf("openstack --os-cloud cloud1-admin network list: %v, want [by-name private public]", names)
	}
	if names := networkNames(t, append(cfg, [2]string{"OS_CLOUD", "cloud2"})); !slices.Equal(names, []string{"private", "public"}) {
		t.Errorf("cloud2 lists %v, want its initial networks alone", names)
	}
}

// TestOpenrcRefusesWhatItCannotDoAndKeepsTheFile: no CLOUD without
// --clouds-yaml, --admin with --clouds-yaml, and a file that is not a
// clouds.yaml are refused, and the file is left as it was.
func TestOpenrcRefusesWhatItCannotDoAndKeepsTheFile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon")
	}
	api, _ := freeAPI(t)
	startUp(t, api, t.TempDir(), "")
	if _, errOut, code := run(t, "openrc", api); code != 2 || !strings.Contains(errOut, "openrc needs CLOUD") {
		t.Errorf("openrc without CLOUD: %d %q", code, errOut)
	}
	if _, errOut, code := run(t, "openrc", "--clouds-yaml", "--admin", api); code != 2 || !strings.Contains(errOut, "do not apply") {
		t.Errorf("openrc --clouds-yaml --admin: %d %q", code, errOut)
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"list.yaml":   "- a\n- b\n",
		"clouds.yaml": "clouds: [a, b]\n",
		"broken.yaml": "clouds: {a: [\n",
		"two.yaml":    "clouds: {a: {}}\n---\nclouds: {b: {}}\n",
		"twice.yaml":  "clouds: {a: {}}\nclouds: {b: {}}\n",
	} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, errOut, code := run(t, "openrc", "--clouds-yaml="+file, api); code != 1 || !strings.Contains(errOut, "left as it is") {
			t.Errorf("%s: %d %q", name, code, errOut)
		}
		if got, _ := os.ReadFile(file); string(got) != content {
			t.Errorf("%s changed to %q", name, got)
		}
	}
	if _, errOut, code := run(t, "openrc", "--clouds-yaml", filepath.Join(dir, "new.yaml"), api); code != 1 ||
		!strings.Contains(errOut, `no cloud "`) || !strings.Contains(errOut, "--clouds-yaml=FILE") {
		t.Errorf("openrc --clouds-yaml FILE (a space, not =): %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.yaml")); !os.IsNotExist(err) {
		t.Errorf("openrc --clouds-yaml FILE wrote FILE: %v", err)
	}
}
