#!/bin/bash
# Hostile values in the datastore actions' DS_DRIVER_ACTION_DATA (image
# PATH and SOURCE, datastore ID and BASE_PATH, BRIDGE_LIST host names,
# FSTYPE, CLONE_FSTYPE, SIZE, DS_TMP_DIR) and in the image id argument:
# no command runs on the ESX or the front-end, nothing is removed or
# created outside the image datastore, each run fails with a one-line
# ERROR MESSAGE and a non-zero exit (a legal but odd value may succeed
# harmlessly: said in the line; e.g. rm of an image SOURCE that is not
# there succeeds, as OpenNebula expects of a retried rm).
. "$(dirname "$0")/lib.sh"
hard_need datastore/cp datastore/mkfs datastore/rm datastore/clone datastore/stat datastore/monitor
HARD_TIMEOUT=5
hard_start
hard_payloads
E=$ESX_ROOT/vmfs/volumes
esx_ssh esx1 'mkdir -p /vmfs/volumes/1/img /vmfs/volumes/0/keep && vmkfstools -c 8M -d thin /vmfs/volumes/1/img/disk.vmdk && echo keep > /vmfs/volumes/0/keep/file' >/dev/null
esc () { printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'; }
# x IMAGE-XML [DATASTORE-ID] [BASE_PATH] [BRIDGE_LIST] [TEMPLATE-EXTRA]
x () {
  printf '<DS_DRIVER_ACTION_DATA><IMAGE>%s</IMAGE><DATASTORE><ID>%s</ID><BASE_PATH>%s</BASE_PATH><TEMPLATE><BRIDGE_LIST>%s</BRIDGE_LIST>%s</TEMPLATE></DATASTORE></DS_DRIVER_ACTION_DATA>' \
    "$1" "$(esc "${2-1}")" "$(esc "${3-/vmfs/volumes/1}")" "$(esc "${4-esx1}")" "${5-}" | base64 -w0
}
hard_tree_snap
n=0
try () { local d=$1; shift; run "$@"; expect_clean_fail "$d"; n=$((n + 1)); }
legal () { local d=$1; shift; run "$@"
  if [ "$rc" = 0 ]; then ok "$d: succeeds harmlessly (legal; stdout '$(printf '%s' "$out" | cut -c1-60)')"; else expect_clean_fail "$d"; fi
  n=$((n + 1)); }
for k in "${!P[@]}"; do
  p=$(esc "${P[$k]}") w=${PN[$k]} raw=${P[$k]}
  img="<PATH>/vmfs/volumes/1/img</PATH><TYPE>0</TYPE><SIZE>8</SIZE><FSTYPE>vmdk_thin</FSTYPE>"
  try "cp PATH $w"              datastore/cp "$(x "<PATH>$p</PATH><TYPE>0</TYPE>")" 40
  try "rm SOURCE $w"            datastore/rm "$(x "<SOURCE>$p</SOURCE>")" 40
  legal "rm SOURCE in ds $w"    datastore/rm "$(x "<SOURCE>/vmfs/volumes/1/$p</SOURCE>")" 40
  try "clone PATH $w"           datastore/clone "$(x "<PATH>$p</PATH><TYPE>0</TYPE>")" 40
  try "clone PATH in ds $w"     datastore/clone "$(x "<PATH>/vmfs/volumes/1/$p</PATH><TYPE>0</TYPE>")" 40
  case $raw in *[!a-z0-9_]*) try "mkfs FSTYPE $w" datastore/mkfs "$(x "<SIZE>8</SIZE><FSTYPE>$p</FSTYPE>")" 40
                           try "clone CLONE_FSTYPE $w" datastore/clone "$(x "$img<CLONE_FSTYPE>$p</CLONE_FSTYPE>")" 40 ;;
    *) legal "mkfs FSTYPE $w" datastore/mkfs "$(x "<SIZE>8</SIZE><FSTYPE>$p</FSTYPE>")" 40
       legal "clone CLONE_FSTYPE $w" datastore/clone "$(x "$img<CLONE_FSTYPE>$p</CLONE_FSTYPE>")" 40 ;; esac
  try "mkfs SIZE $w"            datastore/mkfs "$(x "<SIZE>$p</SIZE><FSTYPE>vmdk_thin</FSTYPE>")" 40
  for a in cp mkfs clone rm monitor; do
    im="$img<SOURCE>/vmfs/volumes/1/nothing</SOURCE>"
    if [ "$a" = rm ] && [ -z "$raw" ]; then legal "rm BASE_PATH $w" datastore/rm "$(x "$im" 1 "$raw")" 40
    else try "$a BASE_PATH $w"  "datastore/$a" "$(x "$im" 1 "$raw")" 40; fi
    try "$a BASE_PATH in vmfs $w" "datastore/$a" "$(x "$im" 1 "/vmfs/volumes/$raw")" 40
    try "$a BRIDGE_LIST $w"     "datastore/$a" "$(x "$im" 1 /vmfs/volumes/1 "$raw")" 40
    legal "$a datastore ID $w"  "datastore/$a" "$(x "$im" "$raw")" 40
    legal "$a image id $w"      "datastore/$a" "$(x "$im")" "$raw"
  done
  legal "cp DS_TMP_DIR $w"      datastore/cp "$(x "<PATH>/vmfs/volumes/1/img</PATH><TYPE>0</TYPE>" 1 /vmfs/volumes/1 esx1 "<DS_TMP_DIR>$p</DS_TMP_DIR>")" 40
done
echo "# $n hostile runs"
expect_no_canary "hostile datastore data"
bad=$(comm -13 "$T/tree.before" <(_tree) | grep -v '^$' | grep -Ev '^esx/vmfs/volumes/[^/]+/')
[ -z "$bad" ] && ok "nothing created outside the datastores" || fail "outside the datastores: $(echo $bad | cut -c1-300)"
gone=$(comm -23 "$T/tree.before" <(_tree) | grep -v '^$')
[ -z "$gone" ] && ok "nothing that existed was removed" || fail "removed: $(echo $gone | cut -c1-300)"
esxsim_finish
