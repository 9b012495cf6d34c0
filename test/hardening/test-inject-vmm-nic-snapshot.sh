#!/bin/bash
# Hostile MACs, NIC models, bridges (attach_nic, detach_nic) and snapshot
# ids (snapshot_create's OpenNebula id, snapshot_revert/delete's hypervisor
# id): MACs, models and OpenNebula snapshot ids are refused before any
# connection; a bridge or a hypervisor snapshot id is only a name passed
# (XML-escaped) to the API: odd ones either fail cleanly (no such
# snapshot) or, for a bridge, may succeed harmlessly (ESX accepts any port
# group name; said in the line).  No command runs anywhere.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/attach_nic vmm/detach_nic vmm/snapshot_create vmm/snapshot_revert vmm/snapshot_delete
hard_start
hard_payloads
hard_vm 5
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "setup: deploy one-5"
hard_tree_snap
for k in "${!P[@]}"; do
  p=${P[$k]} w=${PN[$k]}
  run vmm/attach_nic one-5 "$p" "VM Network" e1000 - 5 esx1;        expect_clean_fail "attach_nic MAC $w" "mac"
  run vmm/detach_nic one-5 "$p" 5 esx1;                             expect_clean_fail "detach_nic MAC $w" "mac"
  [ -n "$p" ] && { run vmm/attach_nic one-5 02:00:00:00:09:01 "VM Network" "$p" - 5 esx1; expect_clean_fail "attach_nic model $w" "model"; }
  run vmm/attach_nic one-5 02:00:00:00:09:0$((k % 10)) "$p" e1000 - 5 esx1
  if [ "$rc" = 0 ]; then ok "attach_nic bridge $w: succeeds harmlessly (a port group name, XML-escaped)"
    run vmm/detach_nic one-5 02:00:00:00:09:0$((k % 10)) 5 esx1
  else expect_clean_fail "attach_nic bridge $w"; fi
  run vmm/snapshot_create one-5 "$p" 5 esx1;                        expect_clean_fail "snapshot_create id $w" "snapshot id"
  [ -n "$p" ] || continue
  run vmm/snapshot_revert one-5 "$p" 5 esx1;                        expect_clean_fail "snapshot_revert id $w"
  run vmm/snapshot_delete one-5 "$p" 5 esx1;                        expect_clean_fail "snapshot_delete id $w"
done
expect_no_canary "hostile NIC and snapshot arguments"
expect_no_escape "hostile NIC and snapshot arguments"
[ "$(vm_state one-5)" = running ] && ok "one-5 still runs" || fail "one-5 is $(vm_state one-5)"
esxsim_finish
