#!/bin/sh
# Builds test/esxsim/bin/esxsim-shell: static (CGO_ENABLED=0) so that it runs
# inside the sshd chroot. Uses Debian's golang-go and govmomi source, no network.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../bin/esxsim-shell}
mkdir -p "$(dirname "$out")"
cd "$here"
GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE=${GOCACHE:-/root/.cache/go-build} \
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$out.tmp" .
mv -f "$out.tmp" "$out"
