#!/usr/bin/env bash
# Debian's Chromium, which the web UI's browser tests (cmd/intercloud,
# TestWebUI*) drive headless through chromedp. Installed as root when
# missing; otherwise those tests skip and say how to get it.
set -u
if [ -x /usr/bin/chromium ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "warning: chromium missing and cannot be installed here (apt-get install chromium as root); the web UI's browser tests will skip" >&2
	exit 0
fi
echo "installing chromium from Debian for the web UI's browser tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1
if ! apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
	echo "warning: installing chromium failed; the web UI's browser tests will skip" >&2
fi
exit 0
