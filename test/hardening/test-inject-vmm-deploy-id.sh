#!/bin/bash
# Hostile deploy ids (VM names) given to every VMM action that takes one:
# the VM is looked up by its exact name through the API, nothing reaches a
# shell, and each action fails with a one-line ERROR MESSAGE ("not found")
# and a non-zero exit (cancel: succeeds, "nothing to cancel", as
# OpenNebula's CLEANUP needs).  A real VM on the host is left untouched.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/shutdown vmm/cancel vmm/reboot vmm/reset vmm/save \
  vmm/snapshot_create vmm/snapshot_revert vmm/snapshot_delete vmm/attach_nic \
  vmm/detach_nic vmm/attach_disk vmm/detach_disk vmm/migrate
hard_start
hard_payloads

hard_vm 5
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "setup: deploy one-5"
hard_tree_snap

n=0
try () { # ACTION ARGS...
  run "vmm/$1" "${@:2}"
  expect_clean_fail "$1, deploy id ${PN[$k]}"
  n=$((n + 1))
}
for k in "${!P[@]}"; do
  id=${P[$k]}
  [ -z "$id" ] && continue     # an empty deploy id: below
  try shutdown "$id" esx1 5 esx1
  # cancel of a VM that is not there succeeds (OpenNebula's CLEANUP relies
  # on it): legal and harmless, nothing touched
  run vmm/cancel "$id" esx1 5 esx1
  if [ "$rc" = 0 ] && printf '%s' "$err" | grep -q 'nothing to cancel'; then
    ok "cancel, deploy id ${PN[$k]}: succeeds harmlessly (nothing to cancel)"
  else fail "cancel, deploy id ${PN[$k]}: exit $rc: $err"; fi
  try reboot "$id" esx1 5 esx1
  try reset "$id" esx1 5 esx1
  try save "$id" /vmfs/volumes/0/5/checkpoint esx1 5 esx1
  try snapshot_create "$id" 0 5 esx1
  try snapshot_revert "$id" snap-0-1 5 esx1
  try snapshot_delete "$id" snap-0-1 5 esx1
  try attach_nic "$id" 02:00:00:00:00:99 "VM Network" e1000 - 5 esx1
  try detach_nic "$id" 02:00:00:00:00:99 5 esx1
  try attach_disk "$id" /vmfs/volumes/0/5/disk.1 sdb 1 drv_message 5 esx1
  try detach_disk "$id" /vmfs/volumes/0/5/disk.1 sdb 1 5 esx1
  try migrate "$id" host2 host1 5 host1
done
echo "# $n hostile runs"
expect_no_canary "hostile deploy ids"
expect_no_escape "hostile deploy ids" '^$'
[ "$(vm_state one-5)" = running ] && ok "one-5 still runs" || fail "one-5 is $(vm_state one-5)"

run vmm/shutdown "" esx1 5 esx1
expect_clean_fail "empty deploy id"
esxsim_finish
