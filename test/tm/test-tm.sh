#!/bin/bash
# Transfer manager actions against the simulated ESX: clone (thin, thick,
# ISO), ln, mkimage (formats, raw), mkswap, context (ISO contents), mvds,
# delete (and what it refuses), mv (not shared / shared), hostile names, a
# missing source, a full datastore.
. "$ESXMAD_SRC/test/lib.sh"
esxmad_need_bed isoinfo genisoimage
set -e -x
esxmad_bed_start
export VMWARERC=$RUN/vmwarerc
esxmad_vmwarerc "$VMWARERC"
TM=$ESXMAD_BUILD/remotes/tm/vmware
E=$ESX_ROOT/vmfs/volumes
V=$VPX_ROOT/vmfs/volumes
T=$(mktemp -d); trap 'rm -rf "$T"; esxmad_bed_stop' EXIT
fails () { # fails PATTERN CMD... : CMD must fail with PATTERN in stderr
  local pat=$1; shift
  if "$@" 2>"$T/err"; then echo "unexpected success: $*"; exit 1; fi
  cat "$T/err"
  grep -q -- "$pat" "$T/err" || { echo "missing '$pat' in the error"; exit 1; }
}
blocks () { du -k "$1" | cut -f1; }   # allocated KiB

# images on datastore 1: thin, thick, an ISO
esxmad_ssh esx1 'mkdir -p /vmfs/volumes/1/imgthin /vmfs/volumes/1/imgthick &&
  vmkfstools -c 64M -d thin /vmfs/volumes/1/imgthin/disk.vmdk &&
  vmkfstools -c 16M -d zeroedthick /vmfs/volumes/1/imgthick/disk.vmdk' >/dev/null
mkdir "$T/isoroot"; echo hello > "$T/isoroot/readme.txt"
genisoimage -quiet -o "$E/1/cdrom1" -V CD1 -J -R "$T/isoroot"

# clone keeps the provisioning
$TM/clone fe:/vmfs/volumes/1/imgthin esx1:/vmfs/volumes/0/5/disk.0 5 1
grep -q 'createType="vmfs"' "$E/0/5/disk.0/disk.vmdk"
grep -q 'ddb.thinProvisioned = "1"' "$E/0/5/disk.0/disk.vmdk"
[ "$(blocks "$E/0/5/disk.0/disk-flat.vmdk")" -lt 1024 ]
$TM/clone fe:/vmfs/volumes/1/imgthick esx1:/vmfs/volumes/0/5/disk.1 5 1
! grep -q 'thinProvisioned' "$E/0/5/disk.1/disk.vmdk"
[ "$(blocks "$E/0/5/disk.1/disk-flat.vmdk")" -ge 16000 ]
# an ISO is copied, with the .iso link
$TM/clone fe:/vmfs/volumes/1/cdrom1 esx1:/vmfs/volumes/0/5/disk.2 5 1
[ -f "$E/0/5/disk.2" ] && [ -L "$E/0/5/disk.2.iso" ]
cmp "$E/1/cdrom1" "$E/0/5/disk.2.iso"
# clone again over an existing disk (resume after failure)
$TM/clone fe:/vmfs/volumes/1/imgthin esx1:/vmfs/volumes/0/5/disk.0 5 1
# missing source
fails "does not exist" $TM/clone fe:/vmfs/volumes/1/nothing esx1:/vmfs/volumes/0/5/disk.9 5 1
[ ! -e "$E/0/5/disk.9" ]
# paths outside the datastores are refused before connecting
fails "not under /vmfs/volumes" $TM/clone fe:/etc/passwd esx1:/vmfs/volumes/0/5/disk.9 5 1
fails "'..'" $TM/clone fe:/vmfs/volumes/1/../../etc esx1:/vmfs/volumes/0/5/disk.9 5 1

# ln: links to the image files, or the .iso link
$TM/ln fe:/vmfs/volumes/1/imgthin esx1:/vmfs/volumes/0/5/disk.3 5 1
[ -L "$E/0/5/disk.3/disk.vmdk" ] && [ -L "$E/0/5/disk.3/disk-flat.vmdk" ]
[ "$(readlink "$E/0/5/disk.3/disk.vmdk")" = /vmfs/volumes/1/imgthin/disk.vmdk ]
$TM/ln fe:/vmfs/volumes/1/cdrom1 esx1:/vmfs/volumes/0/5/disk.4 5 1
[ "$(readlink "$E/0/5/disk.4.iso")" = /vmfs/volumes/1/cdrom1 ]

# mkimage: every format honoured, raw makes a thin disk
$TM/mkimage 32 vmdk_eagerzeroedthick esx1:/vmfs/volumes/0/5/disk.5 5 0
! grep -q thinProvisioned "$E/0/5/disk.5/disk.vmdk"
[ "$(blocks "$E/0/5/disk.5/disk-flat.vmdk")" -ge 32000 ]
$TM/mkimage 32 vmdk_zeroedthick esx1:/vmfs/volumes/0/5/disk.6 5 0
[ "$(blocks "$E/0/5/disk.6/disk-flat.vmdk")" -ge 32000 ]
$TM/mkimage 32 vmdk_thin esx1:/vmfs/volumes/0/5/disk.7 5 0
grep -q 'ddb.thinProvisioned = "1"' "$E/0/5/disk.7/disk.vmdk"
$TM/mkimage 40 raw esx1:/vmfs/volumes/0/5/disk.8 5 0
grep -q 'ddb.thinProvisioned = "1"' "$E/0/5/disk.8/disk.vmdk"
grep -q 'RW 81920 VMFS "disk-flat.vmdk"' "$E/0/5/disk.8/disk.vmdk"
fails "disk format" $TM/mkimage 32 'vmdk_bogus' esx1:/vmfs/volumes/0/5/disk.10 5 0
# a disk larger than the datastore fails clearly and leaves nothing
fails "no space" $TM/mkimage 5000000 vmdk_eagerzeroedthick esx1:/vmfs/volumes/0/5/disk.11 5 0
[ ! -e "$E/0/5/disk.11" ]

# mkswap makes a disk
$TM/mkswap 24 esx1:/vmfs/volumes/0/5/disk.12 5 0
grep -q 'RW 49152 VMFS' "$E/0/5/disk.12/disk.vmdk"

# context: ISO with label CONTEXT, context.sh and renamed files
printf 'ONEGATE="x"\n' > "$T/context.sh"
echo key > "$T/id_rsa.pub"; echo data > "$T/weird name.txt"
$TM/context "$T/context.sh" "$T/id_rsa.pub" "$T/weird name.txt:renamed.txt" \
  esx1:/vmfs/volumes/0/5/disk.13 5 0
[ -f "$E/0/5/disk.13" ] && [ "$(readlink "$E/0/5/disk.13.iso")" = disk.13 ]
isoinfo -d -i "$E/0/5/disk.13" | grep -q 'Volume id: CONTEXT'
isoinfo -d -i "$E/0/5/disk.13" | grep -q 'Joliet'
isoinfo -d -i "$E/0/5/disk.13" | grep -q 'Rock Ridge'
isoinfo -J -l -i "$E/0/5/disk.13" > "$T/iso.ls"
grep -q 'context.sh' "$T/iso.ls"; grep -q 'id_rsa.pub' "$T/iso.ls"; grep -q 'renamed.txt' "$T/iso.ls"
[ "$(isoinfo -J -i "$E/0/5/disk.13" -x /context.sh)" = 'ONEGATE="x"' ]
! ls -a "$E/0/5" | grep -q esxmad-part
# again (resume): replaces the ISO
$TM/context "$T/context.sh" esx1:/vmfs/volumes/0/5/disk.13 5 0
fails "bad name" $TM/context "$T/context.sh" "$T/id_rsa.pub:../x" esx1:/vmfs/volumes/0/5/disk.14 5 0

# mvds / cpds: save-as into the image datastore
$TM/mvds esx1:/vmfs/volumes/0/5/disk.0 /vmfs/volumes/1/saved1 5 1
grep -q 'ddb.thinProvisioned = "1"' "$E/1/saved1/disk.vmdk"
[ -f "$E/1/saved1/disk-flat.vmdk" ]
$TM/cpds esx1:/vmfs/volumes/0/5/disk.1 fe:/vmfs/volumes/1/saved2 5 1
! grep -q thinProvisioned "$E/1/saved2/disk.vmdk"
fails "already exists" $TM/cpds esx1:/vmfs/volumes/0/5/disk.1 /vmfs/volumes/1/saved2 5 1
mkdir "$E/1/saved3"   # as datastore mkfs save_as leaves it
$TM/mvds esx1:/vmfs/volumes/0/5/disk.7 /vmfs/volumes/1/saved3 5 1
[ -f "$E/1/saved3/disk.vmdk" ]
# persistent (links) and CD-ROM disks are left alone
$TM/mvds esx1:/vmfs/volumes/0/5/disk.3 /vmfs/volumes/1/imgthin 5 1
$TM/mvds esx1:/vmfs/volumes/0/5/disk.2 /vmfs/volumes/1/saved4 5 1
[ ! -e "$E/1/saved4" ]
! ls -a "$E/1" | grep -q esxmad-part

# delete: only the VM's folder or its disks
fails "not under" $TM/delete esx1:/vmfs/volumes/0 5 0
fails "refused" $TM/delete esx1:/vmfs/volumes/0/6 5 0
fails "refused" $TM/delete esx1:/vmfs/volumes/1/imgthin 5 0
fails "'..'" $TM/delete esx1:/vmfs/volumes/0/5/../../1/imgthin 5 0
fails "refused" $TM/delete esx1:/vmfs/volumes/0/5/disk.0/disk.vmdk 5 0
fails "not under" $TM/delete 'esx1:/etc' 5 0
# symlink tricks: a VM folder that is a link to another datastore
ln -s /vmfs/volumes/1 "$E/0/7"
fails "refusing" $TM/delete esx1:/vmfs/volumes/0/7/disk.0 7 0
$TM/delete esx1:/vmfs/volumes/0/7 7 0
[ ! -e "$E/0/7" ] && [ -d "$E/1/imgthin" ]
# one disk, with its .iso link
$TM/delete esx1:/vmfs/volumes/0/5/disk.2 5 0
[ ! -e "$E/0/5/disk.2" ] && [ ! -L "$E/0/5/disk.2.iso" ]
# a persistent disk: the links go, the image stays
$TM/delete esx1:/vmfs/volumes/0/5/disk.3 5 0
[ -f "$E/1/imgthin/disk.vmdk" ] && [ -f "$E/1/imgthin/disk-flat.vmdk" ]
# the whole folder
$TM/delete esx1:/vmfs/volumes/0/5 5 0
[ ! -e "$E/0/5" ]
[ -f "$E/1/imgthin/disk.vmdk" ] && [ -f "$E/1/cdrom1" ] && [ -f "$E/1/saved1/disk.vmdk" ]
$TM/delete esx1:/vmfs/volumes/0/5 5 0      # already gone: fine

# hostile names: quoting everywhere, the canary never appears
H='/vmfs/volumes/1/x'"'"'$(touch CANARY1)`touch CANARY2`;touch CANARY3 "a b"'
esxmad_ssh esx1 "mkdir -p \"\$(printf '%s' $(printf '%q' "$H"))\"" || true
mkdir -p "$ESX_ROOT$H"
cp "$E/1/imgthin/disk.vmdk" "$E/1/imgthin/disk-flat.vmdk" "$ESX_ROOT$H/"
$TM/clone "fe:$H" 'esx1:/vmfs/volumes/0/9/disk.0' 9 1
[ -f "$E/0/9/disk.0/disk.vmdk" ]
$TM/mvds esx1:/vmfs/volumes/0/9/disk.0 "$H.saved" 9 1
[ -f "$ESX_ROOT$H.saved/disk.vmdk" ]
for c in CANARY1 CANARY2 CANARY3; do
  [ -z "$(find "$ESX_ROOT" "$T" . -name "$c" 2>/dev/null)" ]
done

# mv: esx1 -> host1 is a copy (different datastores), host1 -> host2 is shared
$TM/mkimage 8 vmdk_thin esx1:/vmfs/volumes/0/9/disk.1 9 0
$TM/context "$T/context.sh" esx1:/vmfs/volumes/0/9/disk.2 9 0
$TM/mv esx1:/vmfs/volumes/0/9 host1:/vmfs/volumes/0/9 9 0
[ ! -e "$E/0/9" ]
[ -f "$V/0/9/disk.0/disk.vmdk" ] && [ -f "$V/0/9/disk.1/disk-flat.vmdk" ]
[ "$(readlink "$V/0/9/disk.2.iso")" = disk.2 ]
cmp "$V/0/9/disk.0/disk-flat.vmdk" "$E/1/imgthin/disk-flat.vmdk"
[ "$(blocks "$V/0/9/disk.1/disk-flat.vmdk")" -lt 1024 ]     # thin stays thin
! ls -a "$V/0" | grep -q esxmad-part
$TM/mv host1:/vmfs/volumes/0/9 host2:/vmfs/volumes/0/9 9 0 2>"$T/err"
grep -q "nothing to move" "$T/err"
[ -f "$V/0/9/disk.0/disk.vmdk" ]

# migrate hooks succeed
$TM/premigrate host1 host2 /vmfs/volumes/0/9 9 0 Cg==
$TM/postmigrate host1 host2 /vmfs/volumes/0/9 9 0 Cg==
$TM/failmigrate host1 host2 /vmfs/volumes/0/9 9 0 Cg==
echo OK
