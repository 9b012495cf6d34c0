#!/bin/sh
# Build test/esxsim/bin/esxsim-server (offline, Debian's Go + govmomi).
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/../bin"
out="$bin/esxsim-server"
mkdir -p "$bin"
if [ -x "$out" ] && [ -z "$(find "$here" -name '*.go' -newer "$out")" ] && [ "$1" != "-f" ]; then
	exit 0
fi
gopath="$bin/.gopath"
mkdir -p "$gopath/src"
ln -sfn "$here" "$gopath/src/esxsim-server"
export GOCACHE="${GOCACHE:-$bin/.gocache}"
cd "$gopath/src/esxsim-server"
GO111MODULE=off GOFLAGS= GOPATH=/usr/share/gocode:$gopath go build -o "$out.tmp" .
mv "$out.tmp" "$out"
