# Helpers for esxsim-server tests (sourced). Each test starts its own server.
SRVDIR=$(cd "$(dirname "$0")" && pwd)
BIN="$SRVDIR/../bin/esxsim-server"
FAILS=0
T=$(mktemp -d /tmp/esxsim-srv-test.XXXXXX)
SRV_PIDS=""
cleanup() {
	for p in $SRV_PIDS; do kill "$p" 2>/dev/null; done
	for p in $SRV_PIDS; do wait "$p" 2>/dev/null; done
	[ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

skip() { echo "SKIP: $*"; exit 77; }
ok() { echo "ok   - $*"; }
nok() { echo "FAIL - $*"; FAILS=$((FAILS+1)); }
check() { # check DESC CMD...
	d=$1; shift
	if "$@" >"$T/last.out" 2>&1; then ok "$d"; else nok "$d"; sed 's/^/     | /' "$T/last.out" | head -20; fi
}
finish() { [ "$FAILS" -eq 0 ] && { echo "PASS"; exit 0; }; echo "$FAILS failure(s)"; exit 1; }

command -v virsh >/dev/null 2>&1 || skip "virsh not installed"
[ -x "$BIN" ] || "$SRVDIR/build.sh" || skip "cannot build esxsim-server"
"$SRVDIR/build.sh" >/dev/null 2>&1 || true

echo secret > "$T/pw"
cat > "$T/auth.conf" <<EOT
[credentials-test]
username=root
password=secret

[auth-esx-127.0.0.1]
credentials=test
[auth-vpx-127.0.0.1]
credentials=test
EOT
export LIBVIRT_AUTH_FILE="$T/auth.conf"
export LIBVIRT_LOG_OUTPUTS="1:file:$T/libvirt.log"

# start_server NAME ARGS... : starts a server, sources its ready file into NAME_* vars
start_server() {
	name=$1; shift
	mkdir -p "$T/$name"
	"$BIN" -root "$T/$name/root" -user root -password-file "$T/pw" -ready-file "$T/$name/ready" "$@" \
		>"$T/$name/stdout" 2>"$T/$name/stderr" &
	pid=$!
	SRV_PIDS="$SRV_PIDS $pid"
	i=0
	while [ ! -f "$T/$name/ready" ]; do
		i=$((i+1))
		if [ $i -gt 600 ] || ! kill -0 $pid 2>/dev/null; then
			echo "server $name did not start"; cat "$T/$name/stderr"; exit 1
		fi
		sleep 0.05
	done
	. "$T/$name/ready"
	ROOT_DIR="$T/$name/root"
}

ctl() { # ctl METHOD PATH
	curl -sf -X "$1" "http://127.0.0.1:$PORT$2" 2>/dev/null || curl -skf -X "$1" "https://127.0.0.1:$PORT$2"
}

# mkvmdk DSDIR REL SIZE_MB: write an ESX-style thin vmdk pair (as vmkfstools -d thin)
mkvmdk() {
	d=$1; rel=$2; mb=$3
	mkdir -p "$d/$(dirname "$rel")"
	base=$(basename "$rel" .vmdk)
	sectors=$((mb * 2048))
	truncate -s "${mb}M" "$d/$(dirname "$rel")/$base-flat.vmdk"
	cat > "$d/$rel" <<EOT
# Disk DescriptorFile
version=1
encoding="UTF-8"
CID=fffffffe
parentCID=ffffffff
createType="vmfs"

# Extent description
RW $sectors VMFS "$base-flat.vmdk"

# The Disk Data Base
#DDB

ddb.adapterType = "lsilogic"
ddb.thinProvisioned = "1"
ddb.uuid = "60 00 C2 91 2a 3b 4c 5d-6e 7f 80 91 a2 b3 c4 d5"
ddb.virtualHWVersion = "13"
EOT
}
