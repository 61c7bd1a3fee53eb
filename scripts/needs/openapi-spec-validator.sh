#!/usr/bin/env bash
# openapi-spec-validator (Python), which checks the daemon's OpenAPI
# document against the OpenAPI 3.1 schema (internal/api,
# TestOpenAPIPassesOpenAPISpecValidator). Installed with pip when
# missing; otherwise that test skips and says how to get it.
set -u
if command -v openapi-spec-validator >/dev/null 2>&1; then
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
	echo "warning: openapi-spec-validator missing and pip is not there (pip install openapi-spec-validator); the OpenAPI validation test will skip" >&2
	exit 0
fi
echo "installing openapi-spec-validator with pip for the OpenAPI document's test"
if ! python3 -m pip install --quiet --user openapi-spec-validator >/dev/null 2>&1; then
	echo "warning: installing openapi-spec-validator failed; the OpenAPI validation test will skip" >&2
fi
exit 0
