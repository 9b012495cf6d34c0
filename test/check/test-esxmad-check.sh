#!/bin/bash
# esxmad-check against the simulated ESX: a ready host passes every check;
# a wrong thumbprint, an unknown SSH host key and a wrong password each
# fail the right check with a fix, and the password never shows.
set -u
. "$ESXMAD_SRC/test/lib.sh"
esxmad_need_bed
esxmad_bed_start
bin="$ESXMAD_BUILD/bin/esxmad-check"
work=$(mktemp -d); trap 'rm -rf "$work"; esxmad_bed_stop' EXIT
export VMWARERC=$work/vmwarerc ESXMAD_CACHE_DIR=$work/cache
esxmad_vmwarerc "$VMWARERC"
sed -i "s|^:ssh_user:.*|&\n:cache_dir: \"$work/cache\"|" "$VMWARERC"
pw=$(head -n1 "$PASSWORD_FILE")
rc=0
ck() { local label=$1; shift; if "$@"; then echo "ok - $label"; else echo "FAIL - $label"; rc=1; fi; }

"$bin" esx1 >"$work/out" 2>&1; st=$?
cat "$work/out"
ck "ready host: exit 0" test $st = 0
ck "tls pinned" grep -q '^\[OK  \] tls .*tls_thumbprint' "$work/out"
ck "api login" grep -q '^\[OK  \] api login' "$work/out"
ck "libvirt" grep -q '^\[OK  \] libvirt' "$work/out"
ck "ssh login" grep -q '^\[OK  \] ssh login' "$work/out"
ck "vmkfstools found" grep -q '^\[OK  \] vmkfstools' "$work/out"
ck "vim-cmd found" grep -q '^\[OK  \] vim-cmd' "$work/out"
ck "datastore 0 writable" grep -q '^\[OK  \] datastore 0 ' "$work/out"
ck "summary line" grep -q ' 0 failed' "$work/out"

# Wrong thumbprint: refused, and the real one is offered.
sed "s|$ESX_THUMBPRINT|00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33|" "$VMWARERC" >"$work/rc2"
VMWARERC=$work/rc2 "$bin" esx1 >"$work/out2" 2>&1; st=$?
cat "$work/out2"
ck "wrong thumbprint: exit 1" test $st = 1
ck "wrong thumbprint: tls fails" grep -q '^\[FAIL\] tls' "$work/out2"
ck "wrong thumbprint: real one shown" grep -q "$ESX_THUMBPRINT" "$work/out2"

# Unknown host key: ssh fails with the way to add it.
: >"$work/empty_known_hosts"
sed "s|$KNOWN_HOSTS|$work/empty_known_hosts|" "$VMWARERC" >"$work/rc3"
VMWARERC=$work/rc3 "$bin" esx1 >"$work/out3" 2>&1; st=$?
cat "$work/out3"
ck "unknown host key: exit 1" test $st = 1
ck "unknown host key: ssh fails" grep -q '^\[FAIL\] ssh login' "$work/out3"
ck "unknown host key: says how to fix" grep -qi 'ssh-keyscan\|known' "$work/out3"

# Wrong password: the login fails, the password is in no output.
echo "not-the-password" >"$work/pw"; chmod 600 "$work/pw"
sed "s|$PASSWORD_FILE|$work/pw|" "$VMWARERC" >"$work/rc4"
VMWARERC=$work/rc4 "$bin" esx1 >"$work/out4" 2>&1; st=$?
cat "$work/out4"
ck "wrong password: exit 1" test $st = 1
ck "wrong password: api login fails" grep -q '^\[FAIL\] api login' "$work/out4"
if grep -qF -- "$pw" "$work/out" "$work/out2" "$work/out3" "$work/out4"; then
  echo "FAIL - password printed"; rc=1
else
  echo "ok - password never printed"
fi
ck "--help" grep -q "usage" <("$bin" --help)
exit $rc
