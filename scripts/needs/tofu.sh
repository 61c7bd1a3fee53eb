#!/usr/bin/env bash
# OpenTofu (the Terraform CLI) for the Terraform test in cmd/intercloud,
# built from its Go module: it is not in Debian and `go install` refuses it
# (its go.mod has replace directives). About 10 minutes on 2 cores, once;
# the binary is kept in $HOME/.cache/intercloud/bin. A Terraform CLI already
# on PATH serves the test as well (it uses tofu first, else terraform), so
# then nothing is built.
set -u
version=v1.12.6
bin="$HOME/.cache/intercloud/bin"
if [ -x "$bin/tofu" ] || command -v tofu >/dev/null 2>&1 || command -v terraform >/dev/null 2>&1; then
	exit 0
fi
if ! command -v go >/dev/null 2>&1; then
	echo "warning: no go to build OpenTofu; the Terraform test will skip" >&2
	exit 0
fi
mkdir -p "$bin" || exit 0
src=$(mktemp -d) || exit 0
trap 'chmod -R u+w "$src" 2>/dev/null; rm -rf "$src"' EXIT
echo "building OpenTofu $version into $bin (about 10 minutes, once)"
if ! dir=$(go mod download -json "github.com/opentofu/opentofu@$version" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'); then
	echo "warning: cannot download OpenTofu $version (no module proxy?); the Terraform test will skip" >&2
	exit 0
fi
# The module cache is read-only, and a main module must be writable;
# version.dev=no makes it report v1.12.6, not v1.12.6-dev.
cp -r "$dir/." "$src/" && chmod -R u+w "$src" &&
	(cd "$src" && nice go build -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$bin/tofu.part" ./cmd/tofu) &&
	mv "$bin/tofu.part" "$bin/tofu" ||
	{
		rm -f "$bin/tofu.part"
		echo "warning: building OpenTofu $version failed; the Terraform test will skip" >&2
	}
exit 0
