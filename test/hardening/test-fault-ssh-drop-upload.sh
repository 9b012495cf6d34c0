#!/bin/bash
# The SSH connection to the ESX dropped in the middle of an upload (the
# bed's proxy cuts every new connection after 1 MiB from the client):
# datastore/cp of a 24 MiB image and tm/context of a 6 MiB context file
# fail with a one-line message, leave nothing on the datastore (no partial
# file, no temporary ".*esxmad-part*" file, no new folder), and succeed
# when retried once the fault is cleared (the copy is then identical).
. "$(dirname "$0")/lib.sh"
hard_need datastore/cp tm/context
command -v genisoimage >/dev/null || esxsim_skip "missing genisoimage"
HARD_TIMEOUT=5 HARD_RUN_LIMIT=120
hard_start
E=$ESX_ROOT/vmfs/volumes
knob=$RUN/ssh-drop-after-esx1

# a folder image: descriptor + 24 MiB of random data
mkdir -p "$T/img"
esx_ssh esx1 'mkdir -p /vmfs/volumes/1/tmpl && vmkfstools -c 24M -d thin /vmfs/volumes/1/tmpl/disk.vmdk' >/dev/null
cp "$E/1/tmpl/disk.vmdk" "$T/img/disk.vmdk"
head -c 24M /dev/urandom > "$T/img/disk-flat.vmdk"
esx_ssh esx1 'rm -rf /vmfs/volumes/1/tmpl'
xml () {
  printf '<DS_DRIVER_ACTION_DATA><IMAGE><ID>%s</ID><PATH>%s</PATH><TYPE>0</TYPE><TEMPLATE/></IMAGE><DATASTORE><ID>1</ID><BASE_PATH>/vmfs/volumes/1</BASE_PATH><TEMPLATE><BRIDGE_LIST>esx1</BRIDGE_LIST></TEMPLATE></DATASTORE></DS_DRIVER_ACTION_DATA>' "$1" "$2" | base64 -w0
}
parts () { find "$ESX_ROOT" "$VPX_ROOT" -name '*esxmad-part*' 2>/dev/null; }

ls -A "$E/1" > "$T/ds1.before"
echo 1048576 > "$knob"
run datastore/cp "$(xml 40 "$T/img")" 40
expect_clean_fail "datastore/cp, connection cut after 1 MiB"
echo "# datastore/cp cut: exit $rc after ${secs}s"
ls -A "$E/1" > "$T/ds1.after"
diff -q "$T/ds1.before" "$T/ds1.after" >/dev/null && ok "datastore/cp cut: nothing new on datastore 1" \
  || fail "datastore/cp cut: left on datastore 1: $(comm -13 "$T/ds1.before" "$T/ds1.after")"
[ -z "$(parts)" ] && ok "datastore/cp cut: no temporary file left" || fail "temporary files left: $(parts)"
echo 0 > "$knob"
run datastore/cp "$(xml 40 "$T/img")" 40
expect_ok "datastore/cp retried after the fault is cleared"
if [ "$rc" = 0 ] && cmp -s "$T/img/disk-flat.vmdk" "$ESX_ROOT$out/disk-flat.vmdk"; then ok "the retried copy is identical"
else fail "copy differs or missing: '$out'"; fi

# tm/context: the ISO upload cut
head -c 6M /dev/urandom > "$T/big.bin"
printf 'ONEGATE="x"\n' > "$T/context.sh"
esx_ssh esx1 'mkdir -p /vmfs/volumes/0/7'
ls -A "$E/0/7" > "$T/vm.before"
echo 1048576 > "$knob"
run tm/context "$T/context.sh" "$T/big.bin" esx1:/vmfs/volumes/0/7/disk.1 7 0
expect_clean_fail "tm/context, connection cut after 1 MiB"
echo "# tm/context cut: exit $rc after ${secs}s"
ls -A "$E/0/7" > "$T/vm.after"
diff -q "$T/vm.before" "$T/vm.after" >/dev/null && ok "tm/context cut: nothing left in the VM folder" \
  || fail "tm/context cut: left: $(comm -13 "$T/vm.before" "$T/vm.after")"
[ -z "$(parts)" ] && ok "tm/context cut: no temporary file left" || fail "temporary files left: $(parts)"
echo 0 > "$knob"
run tm/context "$T/context.sh" "$T/big.bin" esx1:/vmfs/volumes/0/7/disk.1 7 0
expect_ok "tm/context retried after the fault is cleared"
[ -f "$E/0/7/disk.1" ] && [ -L "$E/0/7/disk.1.iso" ] && ok "context ISO and link in place" || fail "no ISO: $(ls -l "$E/0/7")"
esxsim_finish
