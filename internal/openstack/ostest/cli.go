// Package ostest is test support for the OpenStack services: running
// Debian's openstack CLI (python3-openstackclient) as a user would, and
// sending raw JSON requests where a test needs exact bytes and statuses,
// and signing in through Keystone as gophercloud does.
package ostest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// CLI runs the openstack CLI with args and exactly env (KEY=VALUE, what an
// openrc exports) besides PATH and a scratch HOME, so nothing of the
// caller's OS_* environment or clouds.yaml leaks in. Each run is bounded
// to 90 s; the test skips when the CLI is not installed.
func CLI(t testing.TB, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin, err := exec.LookPath("openstack")
	if err != nil {
		t.Skip("openstack CLI not installed (Debian package python3-openstackclient)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// Openrc is the environment DevStack's openrc sets for user on project
// (both in the Default domain) in region, authenticating at authURL
// (Keystone's …/v3).
func Openrc(authURL, region, user, password, project string) []string {
	return []string{
		"OS_AUTH_URL=" + authURL,
		"OS_USERNAME=" + user,
		"OS_PASSWORD=" + password,
		"OS_PROJECT_NAME=" + project,
		"OS_USER_DOMAIN_NAME=Default",
		"OS_PROJECT_DOMAIN_NAME=Default",
		"OS_REGION_NAME=" + region,
		"OS_IDENTITY_API_VERSION=3",
		"OS_INTERFACE=public",
	}
}

// Call sends one JSON request to url (body: nil, a string sent as is, or
// a value encoded as JSON) with headers, bounded to 30 s, and returns the
// status, the headers and the decoded JSON body (nil when empty).
func Call(t testing.TB, method, url string, headers map[string]string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v: %s", method, url, err, raw)
		}
	}
	return resp.StatusCode, resp.Header, out
}
