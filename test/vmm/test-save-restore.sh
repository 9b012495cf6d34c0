#!/bin/bash
# vmm/save takes the "checkpoint" snapshot and suspends; vmm/restore
# reverts to it, runs the VM and deletes the snapshot.  Restore also works
# when the VM was undefined (it defines it from the newest deployment file
# by number: deployment.10 after deployment.9), and with the 4.0/4.2
# argument form (no deploy id).
. "$(dirname "$0")/lib.sh"
vmm_running 13
run save one-13 /vmfs/volumes/0/13/checkpoint esx1 13 esx1
expect_ok "save"
[ "$(vm_state one-13)" = paused ] && ok "suspended" || fail "one-13 is $(vm_state one-13)"
esx_virsh "$ESX_URI" snapshot-list --name one-13 | grep -qx checkpoint && ok "checkpoint snapshot" || fail "no checkpoint"
run restore /vmfs/volumes/0/13/checkpoint esx1 one-13 13 esx1
expect_ok "restore"
[ "$(vm_state one-13)" = running ] && ok "runs again" || fail "one-13 is $(vm_state one-13)"
[ -z "$(esx_virsh "$ESX_URI" snapshot-list --name one-13)" ] && ok "checkpoint deleted" || fail "snapshots left"

# saved, then undefined (as the original driver did): restore defines it
# from the newest deployment file
run save one-13 /vmfs/volumes/0/13/checkpoint esx1 13 esx1
expect_ok "save again"
esx_virsh "$ESX_URI" undefine one-13 >/dev/null
cp "$VMS/13/deployment.0" "$VMS/13/deployment.10"
sed 's/<memory>262144</<memory>131072</' "$VMS/13/deployment.0" > "$VMS/13/deployment.9"
run restore /vmfs/volumes/0/13/checkpoint esx1 13 esx1     # 4.2 form
printf '%s' "$err" | grep -q "deployment.10'" && ok "restore picked deployment.10" || fail "stderr: $err"
# (the re-registered VM's snapshots are gone in the simulator: restore
# fails there, cleanly, and leaves nothing defined)
if [ "$rc" = 0 ]; then
  [ "$(vm_state one-13)" = running ] && ok "restored from a fresh definition" || fail "one-13 is $(vm_state one-13)"
else
  expect_fail "checkpoint" "restore without a checkpoint fails clearly"
  [ "$(vm_state one-13)" = missing ] && ok "and undefines what it defined" || fail "one-13 is $(vm_state one-13)"
fi
run restore /vmfs/volumes/0/14/checkpoint esx1 one-14 14 esx1
expect_fail "deployment folder" "restore with no deployment file fails"
run save one-14 /vmfs/volumes/0/14/checkpoint esx1 14 esx1
expect_fail "vm 'one-14' not found" "save of a missing VM fails"
expect_no_leak
esxsim_finish
