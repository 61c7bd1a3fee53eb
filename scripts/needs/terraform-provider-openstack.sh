#!/usr/bin/env bash
# The Terraform OpenStack provider for the Terraform test in cmd/intercloud,
# installed from its Go module into $HOME/.cache/intercloud/bin (about a
# minute, once). The test points OpenTofu at it with dev_overrides.
set -u
version=v3.4.0
bin="$HOME/.cache/intercloud/bin"
if [ -x "$bin/terraform-provider-openstack" ]; then
	exit 0
fi
if ! command -v go >/dev/null 2>&1; then
	echo "warning: no go to build terraform-provider-openstack; the Terraform test will skip" >&2
	exit 0
fi
mkdir -p "$bin" || exit 0
echo "building terraform-provider-openstack $version into $bin (about a minute, once)"
GOBIN="$bin" nice go install "github.com/terraform-provider-openstack/terraform-provider-openstack/v3@$version" ||
	echo "warning: cannot build terraform-provider-openstack $version; the Terraform test will skip" >&2
exit 0
