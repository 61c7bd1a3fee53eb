#!/usr/bin/env bash
# gnmi_cli, OpenConfig's reference gNMI client, which the gNMI server's
# client tests (internal/gnmi, TestGNMICLI*) run against a lab. Built from
# its Go module into $HOME/.cache/intercloud/bin; without the Go module
# proxy those tests skip and say how to get it.
set -u
bin="$HOME/.cache/intercloud/bin"
if [ -x "$bin/gnmi_cli" ]; then
	exit 0
fi
mkdir -p "$bin"
echo "building gnmi_cli from github.com/openconfig/gnmi for the gNMI client tests"
if ! GOBIN="$bin" go install github.com/openconfig/gnmi/cmd/gnmi_cli@v0.14.1 >/dev/null 2>&1; then
	echo "warning: building gnmi_cli failed (no Go module proxy?); the gnmi_cli tests will skip" >&2
fi
exit 0
