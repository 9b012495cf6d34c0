#!/bin/bash
# The ESX shell of the test bed, checked with plain OpenSSH, sftp, qemu-img
# and stat on the machine (no esxmad code): start time, host names, busybox,
# vmkfstools formats/clone/delete/extend/rename, sftp, the drop knob, STOP.
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/lib.sh"
esxsim_need qemu-img sftp stat du md5sum

"$ESXSIM_DIR/start" --build-only || { echo "FAIL: build"; exit 1; }
t0=$(date +%s%N)
esxsim_start
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# start took ${ms} ms"
echo "     start took ${ms} ms (a figure, not a test: see bench/esxsim-start)"
for v in ESX_URI ESX_API_PORT ESX_THUMBPRINT ESX_URL ESX_HOSTNAME VPX_URI_HOST1 VPX_URI_HOST2 VPX_API_PORT \
	VPX_THUMBPRINT SSH_PORT_ESX SSH_PORT_HOST1 SSH_PORT_HOST2 SSH_KEY KNOWN_HOSTS USERNAME PASSWORD_FILE RUN \
	ESX_ROOT VPX_ROOT LIBVIRT_AUTH_FILE STOP SSH_CONFIG; do
	[ -n "${!v:-}" ] || fail "start printed no $v"
done
check "password file is 0600" test "$(stat -c %a "$PASSWORD_FILE")" = 600

# --- shell basics on the three hosts ---
for h in esx1 host1 host2; do
	check "hostname on $h" test "$(esx_ssh $h hostname)" = "$h"
done
check "ssh -F \$SSH_CONFIG host2 by name" test "$(ssh -F "$SSH_CONFIG" host2 hostname)" = host2
check "sh is busybox ash" esx_ssh esx1 'sh --help 2>&1 | head -1 | grep -q "^BusyBox"'
check "/bin/sh links to busybox" test "$(esx_ssh esx1 readlink /bin/sh)" = busybox
check "commands run in busybox sh, not bash" test "$(esx_ssh esx1 'echo "$0:${BASH_VERSION:-none}"')" = "sh:none"
check "PATH has /bin:/sbin:/usr/bin:/usr/sbin" esx_ssh esx1 'case ":$PATH:" in *:/bin:*) ;; *) exit 1;; esac; case ":$PATH:" in *:/sbin:*) ;; *) exit 1;; esac; case ":$PATH:" in *:/usr/bin:*) ;; *) exit 1;; esac; case ":$PATH:" in *:/usr/sbin:*) ;; *) exit 1;; esac'
check "tools on PATH" esx_ssh esx1 'type vmkfstools && type vim-cmd && type esxcfg-vswitch && test -x /sbin/vmkfstools && test -x /bin/vim-cmd && test -x /sbin/esxcfg-vswitch' >/dev/null
check "/vmfs/volumes shows datastores 0 1 datastore1" esx_ssh esx1 'cd /vmfs/volumes && test -d 0/ && test -d 1/ && test -d datastore1/ && test -L datastore1'
check "/dev/null /dev/zero /dev/urandom" esx_ssh esx1 'echo x >/dev/null && test "$(head -c 4 /dev/zero | wc -c)" = 4 && test "$(head -c 16 /dev/urandom | wc -c)" = 16'
check "applets (awk sed find du df md5sum tar gzip stat xargs)" esx_ssh esx1 'for a in ls cat cp mv rm mkdir ln find du df dd sed grep awk md5sum sha1sum tar gzip unzip stat readlink head tail wc sort sleep touch chmod xargs uname; do type $a >/dev/null || exit 1; done'
check "df -m lists the datastores (OpenNebula's monitor: df -m | grep)" test "$(esx_ssh esx1 'df -m | grep /vmfs/volumes/1 | wc -l')" = 1
check "du -sLm on a datastore" esx_ssh esx1 'du -sLm /vmfs/volumes/1 >/dev/null'
check "vmware -v" grep -q '^VMware ESXi' <<<"$(esx_ssh esx1 vmware -v)"
check "host1 and host2 share the vCenter datastores" esx_ssh host1 'mkdir -p /vmfs/volumes/0/shared && echo hi > /vmfs/volumes/0/shared/f'
check "... seen from host2" test "$(esx_ssh host2 cat /vmfs/volumes/0/shared/f)" = hi
check "esx1 and host1 are different machines" esx_ssh esx1 'test ! -e /vmfs/volumes/0/shared'

# --- vmkfstools ---
D=/vmfs/volumes/1/vmk
esx_ssh esx1 "mkdir -p $D"
L=$ESX_ROOT/vmfs/volumes/1/vmk   # same folder, seen from the machine
blocks_bytes() { echo $(( $(stat -c %b "$1") * 512 )); }
for f in thin zeroedthick eagerzeroedthick; do
	out=$(esx_ssh esx1 "vmkfstools -c 64M -d $f $D/$f.vmdk" 2>&1) || fail "create $f: $out"
	check "$f: descriptor createType vmfs" grep -q '^createType="vmfs"' "$L/$f.vmdk"
	check "$f: extent line" grep -q "^RW 131072 VMFS \"$f-flat.vmdk\"" "$L/$f.vmdk"
	check "$f: ddb.uuid and geometry" grep -q '^ddb.uuid = "' "$L/$f.vmdk"
	check "$f: adapter lsilogic" grep -q '^ddb.adapterType = "lsilogic"' "$L/$f.vmdk"
	if [ $f = thin ]; then
		check "thin: ddb.thinProvisioned = 1" grep -q '^ddb.thinProvisioned = "1"' "$L/$f.vmdk"
		check "thin: extent sparse ($(blocks_bytes "$L/$f-flat.vmdk") bytes allocated)" test "$(blocks_bytes "$L/$f-flat.vmdk")" -lt 1048576
	else
		check "$f: no thinProvisioned" not grep -q thinProvisioned "$L/$f.vmdk"
		check "$f: extent allocated ($(blocks_bytes "$L/$f-flat.vmdk") bytes)" test "$(blocks_bytes "$L/$f-flat.vmdk")" -ge 67108864
	fi
	check "$f: qemu-img reads it (64 MiB, vmdk)" sh -c "qemu-img info --output=json '$L/$f.vmdk' | grep -q '\"virtual-size\": 67108864'"
done
check "default format is zeroedthick" esx_ssh esx1 "vmkfstools -c 8M $D/def.vmdk >/dev/null && ! grep -q thinProvisioned $D/def.vmdk && test \$(du -k $D/def-flat.vmdk | cut -f1) -ge 8192"
check "du in the shell: thin small, thick full" esx_ssh esx1 "test \$(du -k $D/thin-flat.vmdk | cut -f1) -lt 1024 && test \$(du -k $D/zeroedthick-flat.vmdk | cut -f1) -ge 65536"
out=$(esx_ssh esx1 "vmkfstools -c 64M -d thin $D/thin.vmdk" 2>&1); rc=$?
check "create on existing target fails like ESX" test $rc != 0 -a "$out" = "Failed to create virtual disk: The file already exists (39)."
out=$(esx_ssh esx1 "vmkfstools -c 1M /vmfs/volumes/1/nodir/x.vmdk" 2>&1); rc=$?
check "create in a missing folder fails" test $rc != 0
# clone: put data in the thin source, clone thin and thick
esx_ssh esx1 "dd if=/dev/urandom of=$D/thin-flat.vmdk bs=1024 count=1024 seek=10240 conv=notrunc 2>/dev/null"
out=$(esx_ssh esx1 "vmkfstools -i $D/thin.vmdk -d thin $D/c-thin.vmdk" 2>&1) || fail "clone thin: $out"
check "clone prints ESX's lines" grep -q 'Clone: 100% done.' <<<"$out"
check "clone thin: same content" qemu-img compare -q "$L/thin.vmdk" "$L/c-thin.vmdk"
check "clone thin: sparse ($(blocks_bytes "$L/c-thin-flat.vmdk") bytes)" test "$(blocks_bytes "$L/c-thin-flat.vmdk")" -lt 4194304
check "clone thin: thinProvisioned" grep -q '^ddb.thinProvisioned = "1"' "$L/c-thin.vmdk"
check "clone thin: new ddb.uuid" test "$(grep ddb.uuid "$L/thin.vmdk")" != "$(grep ddb.uuid "$L/c-thin.vmdk")"
esx_ssh esx1 "vmkfstools -i $D/thin.vmdk -d zeroedthick $D/c-thick.vmdk" >/dev/null 2>&1 || fail "clone thick"
check "clone zeroedthick: same content" qemu-img compare -q "$L/thin.vmdk" "$L/c-thick.vmdk"
check "clone zeroedthick: allocated" test "$(blocks_bytes "$L/c-thick-flat.vmdk")" -ge 67108864
# a hosted sparse source made by qemu-img (what a user uploads)
qemu-img convert -O vmdk "$L/thin.vmdk" "$L/upload.vmdk"
out=$(esx_ssh esx1 "vmkfstools -i $D/upload.vmdk -d thin $D/c-up.vmdk" 2>&1); rc=$?
check "clone from a monolithicSparse upload (rc $rc)" test $rc = 0
check "... same content" qemu-img compare -q "$L/thin.vmdk" "$L/c-up.vmdk"
out=$(esx_ssh esx1 "vmkfstools -i $D/missing.vmdk -d thin $D/c2.vmdk" 2>&1); rc=$?
check "clone of a missing source fails ($out)" test $rc != 0 -a -n "$out"
out=$(esx_ssh esx1 "vmkfstools -i $D/thin.vmdk -d thin $D/c-thin.vmdk" 2>&1); rc=$?
check "clone onto an existing target fails" test $rc != 0
check "-X grows" esx_ssh esx1 "vmkfstools -X 128M $D/c-thin.vmdk && grep -q '^RW 262144 VMFS' $D/c-thin.vmdk"
check "... qemu-img sees 128 MiB" sh -c "qemu-img info --output=json '$L/c-thin.vmdk' | grep -q '\"virtual-size\": 134217728'"
check "-E renames descriptor and extent" esx_ssh esx1 "vmkfstools -E $D/c-thin.vmdk $D/r.vmdk && test -f $D/r.vmdk && test -f $D/r-flat.vmdk && test ! -e $D/c-thin-flat.vmdk && grep -q '\"r-flat.vmdk\"' $D/r.vmdk"
check "-U deletes descriptor and extent" esx_ssh esx1 "vmkfstools -U $D/r.vmdk && test ! -e $D/r.vmdk && test ! -e $D/r-flat.vmdk"
check "-U of a missing disk fails" not esx_ssh esx1 "vmkfstools -U $D/r.vmdk 2>/dev/null"

# --- an OpenNebula tm/vmfs "clone" script, shipped to "sh -s" as the drivers do ---
esx_ssh esx1 sh -s >/dev/null 2>&1 <<'EOS'
export LANG=C LC_ALL=C
DST=/vmfs/volumes/0/5/disk.0
DST_DIR=$(dirname $DST)
mkdir -p $DST_DIR
cd $DST_DIR
export PATH=/usr/sbin:/sbin:$PATH
mkdir -p $DST
vmkfstools -U $DST/disk.vmdk
rm -f $DST/*
vmkfstools -i /vmfs/volumes/1/vmk/thin.vmdk -d thin $DST/disk.vmdk
EOS
check "tm clone script over 'ssh sh -s' (rc $?)" qemu-img compare -q "$L/thin.vmdk" "$ESX_ROOT/vmfs/volumes/0/5/disk.0/disk.vmdk"

# --- sftp / scp (OpenSSH 9 scp speaks sftp) ---
tmp=$(mktemp -d)
head -c 3000000 /dev/urandom >"$tmp/img"
sum=$(md5sum <"$tmp/img" | cut -d' ' -f1)
printf 'mkdir /vmfs/volumes/1/up\nput %s /vmfs/volumes/1/up/img\n' "$tmp/img" |
	sftp -q -b - $(esx_ssh_opts) -P "$SSH_PORT_ESX" root@127.0.0.1 >/dev/null
check "sftp upload arrives intact" test "$(esx_ssh esx1 'md5sum /vmfs/volumes/1/up/img' | cut -d' ' -f1)" = "$sum"
scp -q $(esx_ssh_opts) -P "$SSH_PORT_HOST1" "$tmp/img" root@127.0.0.1:/vmfs/volumes/0/img >/dev/null
check "scp to host1" test "$(md5sum <"$VPX_ROOT/vmfs/volumes/0/img" | cut -d' ' -f1)" = "$sum"

# --- drop knob ---
echo 200000 >"$RUN/ssh-drop-after-esx1"
esx_ssh esx1 'cat > /tmp/cut' <"$tmp/img" 2>/dev/null; rc=$?
size=$(stat -c %s "$ESX_ROOT/tmp/cut" 2>/dev/null || echo 0)
check "drop knob cuts the transfer (rc $rc, $size of 3000000 bytes)" test $rc != 0 -a "$size" -lt 3000000
echo 0 >"$RUN/ssh-drop-after-esx1"
esx_ssh esx1 'cat > /tmp/cut' <"$tmp/img"
check "knob 0: transfer complete" test "$(stat -c %s "$ESX_ROOT/tmp/cut")" = 3000000
rm -rf "$tmp"

# --- STOP ---
pids=$(cut -d' ' -f1 "$RUN"/pids/*.pid)
run=$RUN
esxsim_stop
sleep 0.1
left=
for p in $pids; do
	[ -r /proc/$p/stat ] && [ "$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f1)" != Z ] && left="$left $p"
done
check "STOP leaves no process (left:$left)" test -z "$left"
check "STOP removes the run folder" test ! -e "$run"
check "no sshd of this bed left" not pgrep -f "$run/ssh/sshd-"
esxsim_finish
