package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/ostest"
	"github.com/intercloud/intercloud/internal/store"
)

// freeAPI returns an --api flag for a free loopback port.
func freeAPI(t *testing.T) (flag, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	return "--api=" + addr, addr
}

// upConverged runs `intercloud up API ARGS...` in-process until the lab
// has converged (within limit), and returns the channel up's output comes
// on when it returns. The lab's BGP listens on the API's port: free on
// 127.0.0.1, and mostly on the routers' 127/8 addresses too; when another
// test's connection holds it on one of them, up tries another port (three
// in all). An up that exits otherwise fails the test with what it said.
func upConverged(t *testing.T, limit time.Duration, api string, args ...string) chan string {
	t.Helper()
	bgpPort := api[strings.LastIndexByte(api, ':')+1:]
	for attempt := 1; ; attempt++ {
		full := append([]string{"up", api, "--bgp-port=" + bgpPort}, args...)
		done := make(chan string, 1)
		go func() {
			out, errOut, _ := run(t, full...)
			done <- out + errOut
		}()
		exited := ""
		waitUntil(t, limit, "lab up", func() (bool, string) {
			select {
			case exited = <-done:
				return true, exited
			default:
			}
			out, errOut, code := run(t, "status", api)
			return code == 0 && strings.Contains(out, "converged"), out + errOut
		})
		if exited == "" {
			return done
		}
		if attempt < 3 && strings.Contains(exited, "bgp listen") && strings.Contains(exited, "address already in use") {
			_, fresh := freeAPI(t)
			bgpPort = fresh[strings.LastIndexByte(fresh, ':')+1:]
			continue
		}
		t.Fatalf("up exited before the lab was up:\n%s", exited)
	}
}

// startUp runs `intercloud up` in-process on a lab (the seed lab without
// file) until it has converged, and returns a function that stops it with
// `intercloud down` (also run at cleanup; calling it twice is harmless).
func startUp(t *testing.T, api, stateDir, file string) (stop func()) {
	t.Helper()
	// Every command the test runs afterwards finds the lab's token there.
	useStateDir(t, stateDir)
	args := []string{"--state-dir=" + stateDir}
	if file != "" {
		args = append(args, file)
	}
	upDone := upConverged(t, 30*time.Second, api, args...)
	var once sync.Once
	stop = func() {
		once.Do(func() {
			if out, errOut, code := run(t, "down", api); code != 0 {
				t.Errorf("down: %d %s %s", code, out, errOut)
			}
			select {
			case out := <-upDone:
				// The seed has clouds; a file may or may not.
				if (file == "" && !strings.Contains(out, "OpenStack: Keystone on http://")) || !strings.Contains(out, " stopped") {
					t.Errorf("up printed:\n%s", out)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("up did not return after down")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// openrc runs `intercloud openrc` and returns its variables, in order.
func openrc(t *testing.T, args ...string) [][2]string {
	t.Helper()
	out, errOut, code := run(t, append([]string{"openrc"}, args...)...)
	if code != 0 {
		t.Fatalf("openrc %v: %d %s", args, code, errOut)
	}
	var env [][2]string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		k, v, ok2 := strings.Cut(kv, "=")
		if !ok || !ok2 || strings.ContainsAny(v, `'"`) {
			t.Fatalf("openrc line %q", line)
		}
		env = append(env, [2]string{k, v})
	}
	return env
}

// openstackCLI runs Debian's openstack CLI with exactly env (plus PATH
// and a scratch HOME, so no clouds.yaml or OS_* of the caller leaks in).
func openstackCLI(t *testing.T, env [][2]string, args ...string) string {
	t.Helper()
	var kvs []string
	for _, kv := range env {
		kvs = append(kvs, kv[0]+"="+kv[1])
	}
	stdout, stderr, err := ostest.CLI(t, kvs, args...)
	if err != nil {
		t.Fatalf("openstack %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout
}

// networkNames lists the networks as `openstack network list -f json`.
func networkNames(t *testing.T, env [][2]string) []string {
	t.Helper()
	out := openstackCLI(t, env, "network", "list", "-f", "json")
	var nets []struct{ ID, Name string }
	if err := json.Unmarshal([]byte(out), &nets); err != nil {
		t.Fatalf("network list output %q: %v", out, err)
	}
	var names []string
	for _, n := range nets {
		names = append(names, n.Name)
	}
	slices.Sort(names)
	return names
}

// TestOpenrcAndOpenstackCLI runs the seed lab, uses cloud1's Neutron
// through Keystone with the openstack CLI and openrc's environment, and
// finds the network again after the daemon restarts on the same state
// directory (on another port: the catalog follows the address).
func TestOpenrcAndOpenstackCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon")
	}
	stateDir := t.TempDir()
	api, addr := freeAPI(t)
	stop := startUp(t, api, stateDir, "")

	out, _, code := run(t, "status", api)
	if want := "OpenStack: identity http://" + addr + "/identity/v3, regions cloud1, cloud2, cloud3"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("status lacks %q:\n%s", want, out)
	}
	out, _, _ = run(t, "status", api, "-o", "json")
	var st struct {
		OpenStack struct {
			AuthURL string `json:"auth_url"`
			Regions []struct {
				Name       string `json:"name"`
				NetworkURL string `json:"network_url"`
			} `json:"regions"`
		} `json:"openstack"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.OpenStack.AuthURL != "http://"+addr+"/identity/v3" ||
		len(st.OpenStack.Regions) != 3 || st.OpenStack.Regions[0].NetworkURL != "http://"+addr+"/cloud/cloud1/network/" {
		t.Errorf("status -o json: %v\n%s", err, out)
	}

	env := openrc(t, "cloud1", api)
	want := [][2]string{
		{"OS_AUTH_URL", "http://" + addr + "/identity/v3"},
		{"OS_AUTH_TYPE", "password"},
		{"OS_USERNAME", "demo-cloud1"},
		{"OS_PASSWORD", "intercloud"},
		{"OS_PROJECT_NAME", "demo-cloud1"},
		{"OS_PROJECT_ID", envValue(env, "OS_PROJECT_ID")}, // Keystone's random id; openrc_test.go checks it
		{"OS_REGION_NAME", "cloud1"},
		{"OS_USER_DOMAIN_ID", "default"},
		{"OS_PROJECT_DOMAIN_ID", "default"},
		{"OS_DOMAIN_ID", "default"},
		{"OS_IDENTITY_API_VERSION", "3"},
	}
	if !slices.Equal(env, want) || envValue(env, "OS_PROJECT_ID") == "" {
		t.Errorf("openrc cloud1:\n got %v\nwant %v", env, want)
	}
	adminEnv := openrc(t, "cloud2", "--admin", api)
	if envValue(adminEnv, "OS_USERNAME") != "admin" || envValue(adminEnv, "OS_PROJECT_NAME") != "admin" || envValue(adminEnv, "OS_REGION_NAME") != "cloud2" {
		t.Errorf("openrc cloud2 --admin: %v", adminEnv)
	}
	out, _, code = run(t, "openrc", "cloud3", "--project", "other project", "-o", "json", api)
	var obj map[string]string
	if err := json.Unmarshal([]byte(out), &obj); code != 0 || err != nil || obj["OS_PROJECT_NAME"] != "other project" ||
		obj["OS_USERNAME"] != "demo-cloud3" || obj["OS_REGION_NAME"] != "cloud3" || len(obj) != 10 {
		t.Errorf("openrc -o json: %d %v %s", code, err, out)
	}
	out, _, _ = run(t, "openrc", "cloud3", "--project", "it's", api)
	if !strings.Contains(out, `export OS_PROJECT_NAME='it'\''s'`) {
		t.Errorf("openrc does not quote: %s", out)
	}
	if _, errOut, code := run(t, "openrc", "cloud9", api); code != 1 || !strings.Contains(errOut, `no cloud "cloud9"`) || !strings.Contains(errOut, "cloud1, cloud2, cloud3") {
		t.Errorf("openrc cloud9: %d %q", code, errOut)
	}

	openstackCLI(t, env, "network", "create", "net1")
	if names := networkNames(t, env); !slices.Contains(names, "net1") {
		t.Fatalf("network list after create: %v", names)
	}
	stop()

	if _, errOut, code := run(t, "openrc", "cloud1", api); code != 1 || !strings.Contains(errOut, "no lab is running") {
		t.Errorf("openrc with no lab: %d %q", code, errOut)
	}

	api2, _ := freeAPI(t)
	startUp(t, api2, stateDir, "")
	env2 := openrc(t, "cloud1", api2)
	// net1 and the cloud's initial networks, each once.
	if names := networkNames(t, env2); !slices.Equal(names, []string{"net1", "private", "public"}) {
		t.Errorf("network list after restart: %v, want [net1 private public]", names)
	}
	// cloud2 is another region: its Neutron has its own initial networks only.
	if names := networkNames(t, openrc(t, "cloud2", api2)); !slices.Equal(names, []string{"private", "public"}) {
		t.Errorf("cloud2 lists %v", names)
	}
}

// TestOpenrcWithoutClouds: a lab without clouds serves no OpenStack APIs
// and opens no database.
func TestOpenrcWithoutClouds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "core.yaml")
	if err := os.WriteFile(file, []byte("links: [p1-p2, pe1-p1, pe2-p2, ce1-pe1, ce2-pe2]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stateDir := filepath.Join(dir, "state")
	api, _ := freeAPI(t)
	startUp(t, api, stateDir, file)
	if _, errOut, code := run(t, "openrc", "cloud1", api); code != 1 || !strings.Contains(errOut, "serves no OpenStack APIs") {
		t.Errorf("openrc: %d %q", code, errOut)
	}
	if out, _, _ := run(t, "status", api); strings.Contains(out, "OpenStack") {
		t.Errorf("status mentions OpenStack:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(stateDir, store.FileName)); !os.IsNotExist(err) {
		t.Errorf("a lab without clouds opened the database: %v", err)
	}
}

// A test's up whose BGP port is taken on a router's address (by another
// test's connection, say) comes up on another port rather than failing.
func TestUpConvergedTriesAnotherBGPPortWhenItsOwnIsTaken(t *testing.T) {
	// The seed lab's first router speaks BGP from 127.65.0.1.
	held, err := net.Listen("tcp", "127.65.0.1:0")
	if err != nil {
		t.Skipf("cannot listen on 127.65.0.1: %v", err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	api := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if ln, err := net.Listen("tcp", api); err != nil {
		t.Skipf("port %d is not free on 127.0.0.1 as well: %v", port, err)
	} else {
		ln.Close()
	}
	useStateDir(t, t.TempDir())
	done := upConverged(t, 30*time.Second, "--api="+api)
	run(t, "down", "--api="+api)
	select {
	case out := <-done:
		if !strings.Contains(out, " stopped") {
			t.Errorf("up printed:\n%s", out)
		}
	case <-time.After(20 * time.Second):
		t.Error("up did not return after down")
	}
}
