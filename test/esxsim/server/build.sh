#!/bin/sh
# Build test/esxsim/bin/esxsim-server and test/esxsim/bin/esxsim-client
# offline with Debian's golang-go + golang-github-vmware-govmomi-dev.
# Idempotent; does nothing when the binaries are newer than the sources.
# -f forces a rebuild.
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$here/.." && pwd)/bin
mkdir -p "$bin"
gopath="$bin/.gopath"
export GOCACHE="${GOCACHE:-$bin/.gocache}"
export GO111MODULE=off GOFLAGS= GOPATH="/usr/share/gocode:$gopath"

stale() { # stale BINARY DIR: true if BINARY is missing or older than DIR/*.go
	[ "$force" = 1 ] || [ ! -x "$1" ] || [ -n "$(find "$2" -maxdepth 1 -name '*.go' -newer "$1")" ]
}
force=0; [ "$1" = "-f" ] && force=1
# One build at a time per checkout (beds and server tests may start
# together): the others wait, then find the binaries fresh.
if [ -z "${ESXSIM_BUILD_LOCKED:-}" ] && command -v flock >/dev/null; then
	export ESXSIM_BUILD_LOCKED=1
	exec 9>"$bin/.build.lock"
	flock 9
fi
if stale "$bin/esxsim-server" "$here" || stale "$bin/esxsim-client" "$here/client"; then
	mkdir -p "$gopath/src"
	ln -sfn "$here" "$gopath/src/esxsim-server"
fi
if stale "$bin/esxsim-server" "$here"; then
	(cd "$gopath/src/esxsim-server" && go build -o "$bin/esxsim-server.tmp.$$" . && mv -f "$bin/esxsim-server.tmp.$$" "$bin/esxsim-server")
fi
if stale "$bin/esxsim-client" "$here/client"; then
	(cd "$gopath/src/esxsim-server/client" && go build -o "$bin/esxsim-client.tmp.$$" . && mv -f "$bin/esxsim-client.tmp.$$" "$bin/esxsim-client")
fi
