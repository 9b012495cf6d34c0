#!/bin/bash
# vmm/snapshot_create prints the snapshot's name (one line) and the
# snapshot exists; snapshot_revert goes back to it; snapshot_delete
# removes it; unknown names fail.
. "$(dirname "$0")/lib.sh"
vmm_running 11
run snapshot_create one-11 0 11 esx1
expect_ok "snapshot_create"
snap=$out
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [ -n "$snap" ] && ok "one line: $snap" || fail "stdout '$out'"
list=$(esx_virsh "$ESX_URI" snapshot-list --name one-11)
printf '%s\n' "$list" | grep -qx "$snap" && ok "snapshot on the host" || fail "snapshots: $list"
run snapshot_create one-11 1 11 esx1
snap2=$out
[ "$rc" = 0 ] && [ "$snap2" != "$snap" ] && ok "second snapshot, another name" || fail "second: '$snap2' rc $rc $err"
esx_virsh "$ESX_URI" destroy one-11 >/dev/null
run snapshot_revert one-11 "$snap" 11 esx1
expect_ok "snapshot_revert"
[ "$(vm_state one-11)" = running ] && ok "reverted to the running state" || fail "one-11 is $(vm_state one-11)"
cur=$(esx_virsh "$ESX_URI" snapshot-current --name one-11)
[ "$cur" = "$snap" ] && ok "current snapshot is $snap" || fail "current '$cur'"
# the parent first (it has a child): its child stays, as on ESX
run snapshot_delete one-11 "$snap" 11 esx1
expect_ok "snapshot_delete of a snapshot that has a child"
list=$(esx_virsh "$ESX_URI" snapshot-list --name one-11)
! printf '%s\n' "$list" | grep -qx "$snap" && printf '%s\n' "$list" | grep -qx "$snap2" && ok "deleted, its child kept" || fail "snapshots: $list"
run snapshot_delete one-11 "$snap2" 11 esx1
expect_ok "snapshot_delete of the last one"
[ -z "$(esx_virsh "$ESX_URI" snapshot-list --name one-11)" ] && ok "no snapshot left" || fail "snapshots left"
run snapshot_revert one-11 "$snap" 11 esx1
expect_fail "snapshot '$snap' of vm 'one-11' not found" "revert to a deleted snapshot fails"
run snapshot_delete one-11 nosuch 11 esx1
expect_fail "snapshot 'nosuch' of vm 'one-11' not found" "delete of an unknown snapshot fails"
run snapshot_create one-12 0 12 esx1
expect_fail "vm 'one-12' not found" "snapshot of a missing VM fails"
[ -z "$out" ] && ok "nothing on stdout on failure" || fail "stdout '$out'"
run snapshot_create one-11 x 11 esx1
[ "$rc" = 2 ] && ok "bad snapshot id: usage error" || fail "rc $rc"
expect_no_leak
esxsim_finish
