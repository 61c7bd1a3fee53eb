// Package ostest is test support for the OpenStack services: running
// Debian's openstack CLI (python3-openstackclient) as a user would.
package ostest

import (
	"context"
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
