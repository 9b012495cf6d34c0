#!/bin/bash
# src/lib/ssh.c against a throw-away OpenSSH server on 127.0.0.1:
# commands, exit codes, streams, stdin, large output, host-key refusal
# (unknown, changed), wrong client key, connection refused, timeouts,
# SFTP round trip, interrupted upload leaves nothing.
. "$ESXMAD_SRC/test/ssh/sshd.sh"
set -x
sshd_start
H=$HELPER
T=$SSHD_DIR/t; mkdir -p "$T"

# exit codes 0 and 3, stdout/stderr separation
$H run 'echo out; echo err >&2' >"$T/o" 2>"$T/e"
[ "$(cat "$T/o")" = out ]; [ "$(cat "$T/e")" = err ]
set +e; $H run 'echo out3; echo err3 >&2; exit 3' >"$T/o" 2>"$T/e"; rc=$?; set -e
[ $rc = 3 ]; [ "$(cat "$T/o")" = out3 ]; [ "$(cat "$T/e")" = err3 ]
# a command that calls exit itself and one with no trailing newline on stderr
set +e; $H run 'printf x >&2; exit 7' 2>"$T/e"; rc=$?; set -e
[ $rc = 7 ]; [ "$(cat "$T/e")" = x ]
# run_ok: the remote stderr is in the message
set +e; $H runok 'echo "disk is gone" >&2; exit 4' 2>"$T/e"; rc=$?; set -e
[ $rc = 1 ]; grep -q "disk is gone (exit 4)" "$T/e"

# stdin feed
printf 'line1\nline2 $(x) `y`\n' > "$T/in"
$H run 'tr a-z A-Z' "$T/in" > "$T/o"
[ "$(cat "$T/o")" = "$(tr a-z A-Z < "$T/in")" ]
# large stdin and large output (10 MiB each way)
head -c 10485760 /dev/urandom > "$T/big"
$H run 'md5sum' "$T/big" > "$T/o"
[ "$(cut -d' ' -f1 "$T/o")" = "$(md5sum < "$T/big" | cut -d' ' -f1)" ]
[ "$($H run 'head -c 10485760 /dev/zero; echo done >&2' 2>/dev/null | wc -c)" = 10485760 ]

# killed remote shell: no exit status = failure
set +e; $H run 'kill -9 $$' 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -Eq 'no exit status|killed by signal' "$T/e"

# unknown host key: refused, message says how to add it
: > "$T/kh-empty"
set +e; SSHT_KH="$T/kh-empty" $H run true 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -q "unknown host key" "$T/e"
grep -q "ssh-keyscan -p $SSHD_PORT 127.0.0.1 >> $T/kh-empty" "$T/e"
# a key for the plain host (port 22 form) does not count for another port
sed "s/^\[127.0.0.1\]:$SSHD_PORT/127.0.0.1/" "$KH" > "$T/kh-plain"
set +e; SSHT_KH="$T/kh-plain" $H run true 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -q "unknown host key" "$T/e"
# missing known_hosts file
set +e; SSHT_KH="$T/nonexistent" $H run true 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -q "ssh-keyscan -p $SSHD_PORT" "$T/e"

# hashed known_hosts entry is accepted
cp "$KH" "$T/kh-hashed"; ssh-keygen -H -f "$T/kh-hashed" >/dev/null 2>&1
grep -q '^|1|' "$T/kh-hashed"
SSHT_KH="$T/kh-hashed" $H run true

# changed host key: refused, names the file and line
ssh-keygen -q -t ed25519 -N '' -f "$T/other" >/dev/null
{ echo "# comment"; echo "other.example ssh-ed25519 $(cut -d' ' -f2 "$T/other.pub")";
  echo "[127.0.0.1]:$SSHD_PORT ssh-ed25519 $(cut -d' ' -f2 "$T/other.pub")"; } > "$T/kh-changed"
set +e; SSHT_KH="$T/kh-changed" $H run true 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -q "has CHANGED" "$T/e"; grep -q "line 3 of '$T/kh-changed'" "$T/e"
# the same, hashed
cp "$T/kh-changed" "$T/kh-changed-h"; ssh-keygen -H -f "$T/kh-changed-h" >/dev/null 2>&1
set +e; SSHT_KH="$T/kh-changed-h" $H run true 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -q "has CHANGED" "$T/e"

# a key marked @revoked is refused even when also listed
{ sed 's/^/@revoked /' "$KH"; cat "$KH"; } > "$T/kh-revoked"
set +e; SSHT_KH="$T/kh-revoked" $H run true 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -q "@revoked" "$T/e"

# wrong client key
set +e; SSHT_KEY="$T/other" $H run true 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -q "public key refused" "$T/e"
# missing client key
set +e; SSHT_KEY="$T/nokey" $H run true 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -q "nokey" "$T/e"

# connection refused
p2=$(free_port)
set +e; SSHT_PORT=$p2 $H run true 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -qi "refused" "$T/e"

# timeout: a command silent for longer than the timeout
set +e; SSHT_TIMEOUT=1 timeout 20 $H run 'sleep 5' 2>"$T/e"; rc=$?; set -e
[ $rc = 255 ]; grep -q "timeout" "$T/e"
# timeout: a server that accepts but never speaks
p3=$(free_port)
sleep 30 | busybox nc -l -p "$p3" >/dev/null & ncpid=$!
sleep 0.3
set +e; SSHT_PORT=$p3 SSHT_TIMEOUT=1 timeout 20 $H run true 2>"$T/e"; rc=$?; set -e
kill $ncpid 2>/dev/null || true
[ $rc = 255 ]; grep -q "timeout" "$T/e"

# SFTP: mkdir -p, upload/download round trip, stat, readlink, remove
R=$T/remote
$H mkdir "$R/a/b"
[ -d "$R/a/b" ]
$H upload "$T/big" "$R/a/b/big.bin"
[ "$(md5sum < "$R/a/b/big.bin")" = "$(md5sum < "$T/big")" ]
ls -a "$R/a/b" | grep -v esxmad-part >/dev/null; ! ls -a "$R/a/b" | grep -q esxmad-part
$H download "$R/a/b/big.bin" "$T/back.bin"
cmp "$T/big" "$T/back.bin"
[ "$($H stat "$R/a/b/big.bin")" = "size=10485760 dir=0" ]
[ "$($H stat "$R/nothing")" = absent ]
ln -s big.bin "$R/a/b/link"
[ "$($H readlink "$R/a/b/link")" = big.bin ]
# a sparse file stays sparse and equal
truncate -s 200M "$T/sparse"; printf 'hello' | dd of="$T/sparse" bs=1 seek=100000000 conv=notrunc 2>/dev/null
$H upload "$T/sparse" "$R/sparse"
cmp "$T/sparse" "$R/sparse"
[ "$(du -k "$R/sparse" | cut -f1)" -lt 1024 ]
# and a download keeps the holes
$H download "$R/sparse" "$T/sparse.back"
cmp "$T/sparse" "$T/sparse.back"
[ "$(du -k "$T/sparse.back" | cut -f1)" -lt 1024 ]
# large files go over two connections in parallel (64 MiB of data or more)
head -c 100M /dev/urandom > "$T/mid"
$H upload "$T/mid" "$R/mid"; cmp "$T/mid" "$R/mid"
ESXMAD_SSH_STREAMS=3 $H upload "$T/mid" "$R/mid3"; cmp "$T/mid" "$R/mid3"
truncate -s 300M "$T/sparse2"
head -c 40M /dev/urandom | dd of="$T/sparse2" bs=1M seek=10 conv=notrunc 2>/dev/null
head -c 40M /dev/urandom | dd of="$T/sparse2" bs=1M seek=200 conv=notrunc 2>/dev/null
$H upload "$T/sparse2" "$R/sparse2"; cmp "$T/sparse2" "$R/sparse2"
[ "$(du -k "$R/sparse2" | cut -f1)" -lt $((90 * 1024)) ]
rm -f "$T/mid" "$R/mid" "$R/mid3" "$T/sparse2" "$R/sparse2"
# overwrite an existing file
$H upload-mem "v1" "$R/f"; $H upload-mem "v2" "$R/f"; [ "$(cat "$R/f")" = v2 ]
$H remove "$R/f"; [ ! -e "$R/f" ]
[ "$($H remove "$R/f")" = absent ]
# hostile file names
name=$'we ird\'$(touch CANARY)`x`;|&\n.bin'
$H upload-mem "data" "$R/$name"
[ "$(cat "$R/$name")" = data ]; [ ! -e CANARY ] && [ ! -e "$R/CANARY" ]
# download of a missing file fails and leaves nothing
set +e; $H download "$R/missing" "$T/dl" 2>"$T/e"; rc=$?; set -e
[ $rc = 1 ]; [ ! -e "$T/dl" ]; ! ls "$T" | grep -q esxmad-part

# an upload whose connection is killed mid-way leaves no file
head -c 300M /dev/urandom > "$T/huge"
( set +e; $H upload "$T/huge" "$R/huge.bin" 2>"$T/e"; echo $? > "$T/rc" ) &
up=$!
for i in $(seq 100); do ls -a "$R" | grep -q 'huge.bin.esxmad-part' && break; sleep 0.05; done
# kill the per-connection sshd serving the upload (children of the listener)
for c in $(pgrep -P "$SSHD_PID"); do kill -9 "$c"; done
wait $up || true
[ "$(cat "$T/rc")" = 1 ]
[ ! -e "$R/huge.bin" ]
! ls -a "$R" | grep -q esxmad-part
cat "$T/e"
echo OK
