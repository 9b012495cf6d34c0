#!/bin/bash
# Hostile values in every argument of the transfer manager actions (image
# SOURCE, destination host:path, disk names, vid, datastore id, sizes,
# formats, context file names and their ISO names, save-as SOURCE): no
# command runs on the ESX or the front-end, nothing is created outside
# the datastores, and each run fails with a one-line ERROR MESSAGE and a
# non-zero exit.  Legal but odd, and harmless (success allowed): the vid
# and datastore arguments of clone (unused), a mkimage format made of
# [a-z0-9_] (an unknown file system: a thin disk, with a warning), odd ISO
# names inside a context ISO, a save-as SOURCE with odd characters (a
# folder of that literal name inside the image datastore), delete of
# "<vm folder>/" (the VM folder).
. "$(dirname "$0")/lib.sh"
hard_need tm/clone tm/ln tm/mkimage tm/mkswap tm/context tm/mvds tm/cpds tm/delete tm/mv
command -v genisoimage >/dev/null || esxsim_skip "missing genisoimage"
HARD_TIMEOUT=5
hard_start
hard_payloads
esx_ssh esx1 'mkdir -p /vmfs/volumes/1/img /vmfs/volumes/0/5/disk.0 && vmkfstools -c 8M -d thin /vmfs/volumes/1/img/disk.vmdk && vmkfstools -c 8M -d thin /vmfs/volumes/0/5/disk.0/disk.vmdk' >/dev/null
printf 'ONEGATE="x"\n' > "$T/context.sh"
echo data > "$T/file.txt"
hard_tree_snap
n=0
legal () { # DESC PROG ARGS...: legal and odd: success allowed, else a clean failure
  local d=$1; shift
  run "$@"
  if [ "$rc" = 0 ]; then ok "$d: succeeds harmlessly (legal)"; else expect_clean_fail "$d"; fi
  n=$((n + 1))
}
disk0 () { [ -f "$ESX_ROOT/vmfs/volumes/0/5/disk.0/disk.vmdk" ] || esx_ssh esx1 'mkdir -p /vmfs/volumes/0/5/disk.0 && vmkfstools -c 8M -d thin /vmfs/volumes/0/5/disk.0/disk.vmdk' >/dev/null; }
try () { # DESC PROG ARGS...
  local d=$1; shift
  run "$@"
  expect_clean_fail "$d"
  n=$((n + 1))
}
I=fe:/vmfs/volumes/1/img D=esx1:/vmfs/volumes/0/5/disk.1
for k in "${!P[@]}"; do
  p=${P[$k]} w=${PN[$k]}
  try "clone SOURCE $w"            tm/clone "fe:$p" "$D" 5 1
  try "clone SOURCE in ds $w"      tm/clone "fe:/vmfs/volumes/1/$p" "$D" 5 1
  try "clone dst path $w"          tm/clone "$I" "esx1:$p" 5 1
  try "clone dst disk $w"          tm/clone "$I" "esx1:/vmfs/volumes/0/5/$p" 5 1
  try "clone dst host $w"          tm/clone "$I" "$p:/vmfs/volumes/0/5/disk.1" 5 1
  legal "clone vid $w"             tm/clone "$I" "$D" "$p" 1
  legal "clone ds $w"              tm/clone "$I" "$D" 5 "$p"
  try "ln SOURCE $w"               tm/ln "fe:/vmfs/volumes/1/$p" "$D" 5 1
  try "ln dst disk $w"             tm/ln "$I" "esx1:/vmfs/volumes/0/5/$p" 5 1
  try "mkimage size $w"            tm/mkimage "$p" vmdk_thin "$D" 5 0
  case $p in *[!a-z0-9_]*) try "mkimage format $w" tm/mkimage 8 "$p" "$D" 5 0 ;;
    *) legal "mkimage format $w" tm/mkimage 8 "$p" "$D" 5 0 ;; esac
  try "mkimage dst $w"             tm/mkimage 8 vmdk_thin "esx1:/vmfs/volumes/0/5/$p" 5 0
  try "mkswap dst $w"              tm/mkswap 8 "esx1:/vmfs/volumes/0/5/$p" 5 0
  try "context file $w"            tm/context "$T/context.sh" "$p" "$D" 5 0
  legal "context ISO name $w"      tm/context "$T/context.sh" "$T/file.txt:$p" "$D" 5 0
  try "context dst $w"             tm/context "$T/context.sh" "esx1:/vmfs/volumes/0/5/$p" 5 0
  disk0
  try "mvds SOURCE $w"             tm/mvds esx1:/vmfs/volumes/0/5/disk.0 "$p" 5 1
  disk0
  legal "mvds SOURCE in ds $w"     tm/mvds esx1:/vmfs/volumes/0/5/disk.0 "/vmfs/volumes/1/$p" 5 1
  disk0
  legal "cpds SOURCE in ds $w"     tm/cpds esx1:/vmfs/volumes/0/5/disk.0 "/vmfs/volumes/1/$p" 5 1
  try "mvds disk $w"               tm/mvds "esx1:/vmfs/volumes/0/5/$p" /vmfs/volumes/1/saved 5 1
  try "delete path $w"             tm/delete "esx1:$p" 5 0
  if [ -z "$p" ]; then legal "delete in VM folder $w" tm/delete "esx1:/vmfs/volumes/0/5/" 5 0; continue; fi
  try "delete in VM folder $w"     tm/delete "esx1:/vmfs/volumes/0/5/$p" 5 0
  try "mv $w"                      tm/mv "esx1:/vmfs/volumes/0/5" "esx1:$p" 5 0
done
echo "# $n hostile runs"
expect_no_canary "hostile TM arguments"
# (save-as into datastore 1 may create literal odd names there, legal)
expect_no_escape "hostile TM arguments" '^(esx|vpx)/vmfs/volumes/[^/]+/[0-9]+(/|$)|^esx/vmfs/volumes/[^/]+/[^/]'
bad=$(comm -13 "$T/tree.before" "$T/tree.after" | grep -v '^esx/vmfs/volumes/' | grep -v '^$')
[ -z "$bad" ] && ok "nothing created outside the datastores" || fail "outside the datastores: $bad"
[ -f "$ESX_ROOT/vmfs/volumes/1/img/disk.vmdk" ] && ok "the image is intact" || fail "image removed"
esxsim_finish
