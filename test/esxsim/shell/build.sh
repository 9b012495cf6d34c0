#!/bin/sh
# Builds test/esxsim/bin/esxsim-shell: static (CGO_ENABLED=0) so that it runs
# inside the sshd chroot. Uses Debian's golang-go and govmomi source, no network.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../bin/esxsim-shell}
mkdir -p "$(dirname "$out")"
cd "$here"
# one build at a time per checkout (beds may start together)
if [ -z "${ESXSIM_BUILD_LOCKED:-}" ] && command -v flock >/dev/null; then
	export ESXSIM_BUILD_LOCKED=1
	exec 9>"$(dirname "$out")/.build.lock"
	flock 9
	# another start may have built it while we waited
	if [ -x "$out" ] && [ -z "$(find "$here" -newer "$out" -type f \( -name '*.go' -o -name build.sh \) -print -quit)" ]; then
		exit 0
	fi
fi
GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE=${GOCACHE:-/root/.cache/go-build} \
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$out.tmp.$$" .
mv -f "$out.tmp.$$" "$out"
