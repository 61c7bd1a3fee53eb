#!/bin/sh
# Reruns the FRR reference comparison of docs/PERFORMANCE.md ("intercloud
# against FRR"): the seed lab and generated labs of 50 and 200 routers on
# intercloud and on FRR in network namespaces (default and fast timers),
# and forwarding through four namespaces against intercloud's LSP.
# Needs root and Debian's frr (apt-get install -y frr); takes about 11
# minutes on a quiet 2-core machine. Run it quiet: the figures are times
# and CPU.
# Extra arguments go to the program, e.g. -sizes seed,50,200,400.
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "frrref.sh: run as root (network namespaces)" >&2
	exit 2
fi
if [ ! -x /usr/lib/frr/bgpd ]; then
	apt-get install -y frr >&2
fi
bin="${TMPDIR:-/tmp}/frrref.$$"
trap 'rm -f "$bin"' EXIT
go build -o "$bin" ./bench/frrref
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(git rev-parse --short HEAD)" >&2
"$bin" "$@"
