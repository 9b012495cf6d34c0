#!/bin/bash
# Datastore actions against the simulated ESX: cp (folder, renamed
# descriptor, bare descriptor, tar/tar.gz/tar.bz2/zip, ISO, URL, hashes,
# restricted dirs, missing source, upload cut mid-way), mkfs (formats,
# save_as, full datastore), clone, rm (and what it refuses), stat, monitor.
. "$ESXMAD_SRC/test/lib.sh"
esxmad_need_bed isoinfo genisoimage tar zip unzip bzip2
set -e -x
esxmad_bed_start
export VMWARERC=$RUN/vmwarerc
esxmad_vmwarerc "$VMWARERC"
DS=$ESXMAD_BUILD/remotes/datastore/vmware
E=$ESX_ROOT/vmfs/volumes
T=$(mktemp -d); trap 'rm -rf "$T"; esxmad_bed_stop' EXIT
fails () {
  local pat=$1; shift
  if "$@" >"$T/out" 2>"$T/err"; then echo "unexpected success: $*"; exit 1; fi
  cat "$T/err"
  grep -q -- "$pat" "$T/err" || { echo "missing '$pat' in the error"; exit 1; }
  [ ! -s "$T/out" ]
}
blocks () { du -k "$1" | cut -f1; }
# xml IMAGE_INNER_XML [DATASTORE_TEMPLATE_EXTRA]: base64 DS_DRIVER_ACTION_DATA
xml () {
  printf '<DS_DRIVER_ACTION_DATA><IMAGE>%s</IMAGE><DATASTORE><ID>1</ID><NAME>imgs</NAME><BASE_PATH>/vmfs/volumes/1</BASE_PATH><TEMPLATE><BRIDGE_LIST><![CDATA[esx1]]></BRIDGE_LIST>%s</TEMPLATE></DATASTORE></DS_DRIVER_ACTION_DATA>' "$1" "${2-}" | base64 -w0
}
esc () { printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'; }
is_source () { echo "$1" | grep -Eqx '/vmfs/volumes/1/[0-9a-f]{32}'; }
count1 () { ls -A "$E/1" | wc -l; }

# --- mkfs: formats, save_as, full datastore
src=$($DS/mkfs "$(xml '<SIZE>64</SIZE><FSTYPE>vmdk_thin</FSTYPE>')" 3); is_source "$src"
grep -q 'ddb.thinProvisioned = "1"' "$ESX_ROOT$src/disk.vmdk"
grep -q 'createType="vmfs"' "$ESX_ROOT$src/disk.vmdk"
[ "$(blocks "$ESX_ROOT$src/disk-flat.vmdk")" -lt 1024 ]
thin=$src
src=$($DS/mkfs "$(xml '<SIZE>32</SIZE><FSTYPE>vmdk_eagerzeroedthick</FSTYPE>')" 4)
! grep -q thinProvisioned "$ESX_ROOT$src/disk.vmdk"
[ "$(blocks "$ESX_ROOT$src/disk-flat.vmdk")" -ge 32000 ]
thick=$src
src=$($DS/mkfs "$(xml '<SIZE>32</SIZE><FSTYPE>raw</FSTYPE>')" 5)
grep -q 'ddb.thinProvisioned = "1"' "$ESX_ROOT$src/disk.vmdk"
src=$($DS/mkfs "$(xml '<SIZE>32</SIZE><FSTYPE>save_as</FSTYPE>')" 6); is_source "$src"
[ ! -e "$ESX_ROOT$src" ]
n=$(count1)
fails "no space" $DS/mkfs "$(xml '<SIZE>5000000</SIZE><FSTYPE>vmdk_eagerzeroedthick</FSTYPE>')" 7
[ "$(count1)" = "$n" ]
fails "BRIDGE_LIST" $DS/mkfs "$(printf '<DS_DRIVER_ACTION_DATA><IMAGE><SIZE>1</SIZE></IMAGE><DATASTORE><BASE_PATH>/vmfs/volumes/1</BASE_PATH><TEMPLATE/></DATASTORE></DS_DRIVER_ACTION_DATA>' | base64 -w0)" 8
fails "BASE_PATH" $DS/mkfs "$(printf '<DS_DRIVER_ACTION_DATA><IMAGE><SIZE>1</SIZE></IMAGE><DATASTORE><BASE_PATH>/var/lib/one/datastores/1</BASE_PATH><TEMPLATE><BRIDGE_LIST>esx1</BRIDGE_LIST></TEMPLATE></DATASTORE></DS_DRIVER_ACTION_DATA>' | base64 -w0)" 8

# --- local sources: an ESX disk copied out of the bed
mkdir "$T/folder"
cp "$ESX_ROOT$thin/disk.vmdk" "$T/folder/my disk.vmdk"
sed -i 's/"disk-flat.vmdk"/"my disk-flat.vmdk"/' "$T/folder/my disk.vmdk"
truncate -s 64M "$T/folder/my disk-flat.vmdk"
printf 'data at 1M' | dd of="$T/folder/my disk-flat.vmdk" bs=1 seek=1048576 conv=notrunc 2>/dev/null

# cp: a folder with one descriptor (renamed disk.vmdk), extents keep names
src=$($DS/cp "$(xml "<PATH>$(esc "$T/folder")</PATH><TYPE>0</TYPE>")" 10); is_source "$src"
[ -f "$ESX_ROOT$src/disk.vmdk" ] && cmp "$T/folder/my disk-flat.vmdk" "$ESX_ROOT$src/my disk-flat.vmdk"
[ "$(blocks "$ESX_ROOT$src/my disk-flat.vmdk")" -lt 1024 ]      # stayed sparse
esxmad_ssh esx1 "vmkfstools -i '$src/disk.vmdk' -d thin /vmfs/volumes/1/check1/disk.vmdk" >/dev/null 2>&1 ||
  { esxmad_ssh esx1 "mkdir -p /vmfs/volumes/1/check1 && vmkfstools -i '$src/disk.vmdk' -d thin /vmfs/volumes/1/check1/disk.vmdk"; }
folder_src=$src
# a bare descriptor and its extents
src=$($DS/cp "$(xml "<PATH>$(esc "$T/folder/my disk.vmdk")</PATH>")" 11)
[ -f "$ESX_ROOT$src/disk.vmdk" ] && [ -f "$ESX_ROOT$src/my disk-flat.vmdk" ]
[ "$(ls "$ESX_ROOT$src" | wc -l)" = 2 ]
# archives: tar, tar.gz, tar.bz2, zip
(cd "$T/folder" && tar -cf "$T/img.tar" . && tar -czf "$T/img.tar.gz" . && tar -cjf "$T/img.tar.bz2" . && zip -q "$T/img.zip" ./*)
for a in img.tar img.tar.gz img.tar.bz2 img.zip; do
  src=$($DS/cp "$(xml "<PATH>$T/$a</PATH>")" 12)
  cmp "$T/folder/my disk-flat.vmdk" "$ESX_ROOT$src/my disk-flat.vmdk"
  [ -f "$ESX_ROOT$src/disk.vmdk" ]
done
# hashes: right and wrong (an archive)
md5=$(md5sum < "$T/img.tar.gz" | cut -d' ' -f1); sha1=$(sha1sum < "$T/img.tar.gz" | cut -d' ' -f1)
$DS/cp "$(xml "<PATH>$T/img.tar.gz</PATH><TEMPLATE><MD5>$md5</MD5><SHA1>$sha1</SHA1></TEMPLATE>")" 13 >/dev/null
n=$(count1)
fails "MD5 mismatch" $DS/cp "$(xml "<PATH>$T/img.tar.gz</PATH><TEMPLATE><MD5>0123456789abcdef0123456789abcdef</MD5></TEMPLATE>")" 14
[ "$(count1)" = "$n" ]

# an ISO for a CD-ROM image: SOURCE is a file
mkdir "$T/isoroot"; echo hi > "$T/isoroot/hello.txt"
genisoimage -quiet -o "$T/cd.iso" -V MYCD -J -R "$T/isoroot"
md5=$(md5sum < "$T/cd.iso" | cut -d' ' -f1)
src=$($DS/cp "$(xml "<PATH>$T/cd.iso</PATH><TYPE>1</TYPE><TEMPLATE><MD5>$md5</MD5></TEMPLATE>")" 15)
[ -f "$ESX_ROOT$src" ] && cmp "$T/cd.iso" "$ESX_ROOT$src"
isoinfo -J -l -i "$ESX_ROOT$src" | grep -q hello.txt
cdrom_src=$src
n=$(count1)
fails "MD5 mismatch" $DS/cp "$(xml "<PATH>$T/cd.iso</PATH><TYPE>1</TYPE><TEMPLATE><MD5>0123456789abcdef0123456789abcdef</MD5></TEMPLATE>")" 16
[ "$(count1)" = "$n" ]; ! ls -A "$E/1" | grep -q esxmad-part

# an http URL (busybox httpd)
for try in 1 2 3 4 5 6 7 8; do   # a free port, and a server that answers
  port=$(( 30000 + RANDOM % 20000 ))
  busybox httpd -f -p "127.0.0.1:$port" -h "$T" & httpd=$!
  sleep 0.3
  curl -sfo /dev/null "http://127.0.0.1:$port/cd.iso" && break
  kill $httpd 2>/dev/null || true
done
src=$($DS/cp "$(xml "<PATH>http://127.0.0.1:$port/img.tar.gz</PATH>")" 17)
cmp "$T/folder/my disk-flat.vmdk" "$ESX_ROOT$src/my disk-flat.vmdk"
src=$($DS/cp "$(xml "<PATH>http://127.0.0.1:$port/cd.iso</PATH><TYPE>CDROM</TYPE>")" 18)
cmp "$T/cd.iso" "$ESX_ROOT$src"
# streamed (CD-ROM), with a wrong and a right hash
md5=$(md5sum < "$T/cd.iso" | cut -d' ' -f1)
n=$(count1)
fails "MD5 mismatch" $DS/cp "$(xml "<PATH>http://127.0.0.1:$port/cd.iso</PATH><TYPE>1</TYPE><TEMPLATE><MD5>0123456789abcdef0123456789abcdef</MD5></TEMPLATE>")" 18
[ "$(count1)" = "$n" ]; ! ls -A "$E/1" | grep -q esxmad-part
src=$($DS/cp "$(xml "<PATH>http://127.0.0.1:$port/cd.iso</PATH><TYPE>1</TYPE><TEMPLATE><MD5>$md5</MD5></TEMPLATE>")" 18)
cmp "$T/cd.iso" "$ESX_ROOT$src"
fails "404\|HTTP" $DS/cp "$(xml "<PATH>http://127.0.0.1:$port/nothing.iso</PATH><TYPE>1</TYPE>")" 18
[ "$(count1)" = "$((n + 1))" ]; ! ls -A "$E/1" | grep -q esxmad-part
[ "$($DS/stat "$(xml "<PATH>http://127.0.0.1:$port/cd.iso</PATH>")" 19)" = $(( ($(stat -c %s "$T/cd.iso") + 1048575) / 1048576 )) ]
fails "404\|HTTP" $DS/cp "$(xml "<PATH>http://127.0.0.1:$port/nothing.tar</PATH>")" 20
kill $httpd

# missing source, unsupported source, restricted dirs
fails "No such file" $DS/cp "$(xml "<PATH>$T/nothing</PATH>")" 21
head -c 1M /dev/urandom > "$T/random.img"
fails "not a VMDK" $DS/cp "$(xml "<PATH>$T/random.img</PATH>")" 22
mkdir -p "$T/home"; cp -r "$T/folder" "$T/home/img"
HOME=$T/home fails "Not allowed" $DS/cp "$(xml "<PATH>$T/home/img</PATH>")" 23
mkdir -p "$T/secret/ok"; cp -r "$T/folder" "$T/secret/ok/img"
fails "Not allowed" $DS/cp "$(xml "<PATH>$T/secret/ok/img</PATH>" "<RESTRICTED_DIRS>$T/secret</RESTRICTED_DIRS>")" 24
$DS/cp "$(xml "<PATH>$T/secret/ok/img</PATH>" "<RESTRICTED_DIRS>$T/secret</RESTRICTED_DIRS><SAFE_DIRS>$T/secret/ok</SAFE_DIRS>")" 25 >/dev/null
fails "Not allowed" $DS/cp "$(xml "<PATH>$T/folder/../secret/ok/img</PATH>" "<RESTRICTED_DIRS>$T/secret</RESTRICTED_DIRS>")" 26

# an upload cut mid-way leaves no image and no partial file
head -c 48M /dev/urandom > "$T/dense-flat.vmdk"
mkdir "$T/dense"; mv "$T/dense-flat.vmdk" "$T/dense/"
sed 's/"my disk-flat.vmdk"/"dense-flat.vmdk"/; s/RW [0-9]*/RW 98304/' "$T/folder/my disk.vmdk" > "$T/dense/dense.vmdk"
n=$(count1)
echo $((8 << 20)) > "$RUN/ssh-drop-after-esx1"
fails "" $DS/cp "$(xml "<PATH>$T/dense</PATH>")" 27
rm -f "$RUN/ssh-drop-after-esx1"
[ "$(count1)" = "$n" ]; ! ls -A "$E/1" | grep -q esxmad-part
src=$($DS/cp "$(xml "<PATH>$T/dense</PATH>")" 27)        # works once the link is fine
cmp "$T/dense/dense-flat.vmdk" "$ESX_ROOT$src/dense-flat.vmdk"

# --- clone: keeps provisioning, or CLONE_FSTYPE; CD-ROM copied
src=$($DS/clone "$(xml "<PATH>$thin</PATH>")" 30)
grep -q 'ddb.thinProvisioned = "1"' "$ESX_ROOT$src/disk.vmdk"
src=$($DS/clone "$(xml "<PATH>$thin</PATH><CLONE_FSTYPE>vmdk_zeroedthick</CLONE_FSTYPE>")" 31)
! grep -q thinProvisioned "$ESX_ROOT$src/disk.vmdk"
[ "$(blocks "$ESX_ROOT$src/disk-flat.vmdk")" -ge 64000 ]
src=$($DS/clone "$(xml "<PATH>$cdrom_src</PATH><TYPE>1</TYPE>")" 32)
cmp "$ESX_ROOT$cdrom_src" "$ESX_ROOT$src"
fails "does not exist" $DS/clone "$(xml "<PATH>/vmfs/volumes/1/nothing</PATH>")" 33
! ls -A "$E/1" | grep -q esxmad-part

# --- stat
[ "$($DS/stat "$(xml "<PATH>$T/folder</PATH>")" 40)" = 65 ]
[ "$($DS/stat "$(xml "<PATH>$T/img.tar.gz</PATH>")" 40)" = 65 ]
[ "$($DS/stat "$(xml "<PATH>$T/img.zip</PATH>")" 40)" = 65 ]
[ "$($DS/stat "$(xml "<PATH>$T/folder/my disk.vmdk</PATH>")" 40)" = 65 ]
[ "$($DS/stat "$(xml "<PATH>$T/cd.iso</PATH>")" 40)" -ge 1 ]
fails "No such file" $DS/stat "$(xml "<PATH>$T/nothing</PATH>")" 41

# --- monitor: exactly this datastore's df line
$DS/monitor "$(xml '')" 1 > "$T/mon"
cat "$T/mon"
[ "$(wc -l < "$T/mon")" = 3 ]
grep -Eq '^USED_MB=[0-9]+$' "$T/mon"; grep -Eq '^TOTAL_MB=[0-9]+$' "$T/mon"; grep -Eq '^FREE_MB=[0-9]+$' "$T/mon"
total=$(esxmad_ssh esx1 df -m | awk '$NF == "/vmfs/volumes/1" { print $2 }')
grep -qx "TOTAL_MB=$total" "$T/mon"

# --- rm: the image only; hostile SOURCE names; refusals
$DS/rm "$(xml "<SOURCE>$folder_src</SOURCE>")" 10
[ ! -e "$ESX_ROOT$folder_src" ]
$DS/rm "$(xml "<SOURCE>$folder_src</SOURCE>")" 10        # already gone
$DS/rm "$(xml "<SOURCE>$cdrom_src</SOURCE>")" 15; [ ! -e "$ESX_ROOT$cdrom_src" ]
hostile="/vmfs/volumes/1/x'\$(touch CANARY)\`touch CANARY2\`;touch CANARY3"
mkdir -p "$ESX_ROOT$hostile"
$DS/rm "$(xml "<SOURCE>$(esc "$hostile")</SOURCE>")" 50
[ ! -e "$ESX_ROOT$hostile" ]
[ -z "$(find "$ESX_ROOT" . "$T" -name 'CANARY*' 2>/dev/null)" ]
fails "not under" $DS/rm "$(xml "<SOURCE>/vmfs/volumes/1</SOURCE>")" 51
fails "refused" $DS/rm "$(xml "<SOURCE>$thin/disk.vmdk</SOURCE>")" 52
fails "refused" $DS/rm "$(xml "<SOURCE>/vmfs/volumes/0/x</SOURCE>")" 53
fails "'..'" $DS/rm "$(xml "<SOURCE>/vmfs/volumes/1/..</SOURCE>")" 54
[ -d "$E/1" ] && [ -f "$ESX_ROOT$thin/disk.vmdk" ]
echo OK
