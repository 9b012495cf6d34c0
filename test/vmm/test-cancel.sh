#!/bin/bash
# vmm/cancel: power off at once and undefine; a VM already gone is fine
# (cancel is also OpenNebula's CLEANUP); a stopped or suspended VM is
# just undefined.
. "$(dirname "$0")/lib.sh"
vmm_running 3
vmm_running 30
run cancel one-3 esx1 3 esx1
expect_ok "cancel one-3"
[ "$(vm_state one-3)" = missing ] && ok "one-3 gone" || fail "one-3 is $(vm_state one-3)"
[ "$(vm_state one-30)" = running ] && ok "one-30 untouched" || fail "one-30 is $(vm_state one-30)"
run cancel one-3 esx1 3 esx1
expect_ok "cancel of a VM already gone"
printf '%s' "$err" | grep -q "nothing to cancel" && ok "says so" || fail "stderr: $err"
esx_virsh "$ESX_URI" destroy one-30 >/dev/null
run cancel one-30 esx1 30 esx1
expect_ok "cancel of a stopped VM"
[ "$(vm_state one-30)" = missing ] && ok "one-30 gone" || fail "one-30 is $(vm_state one-30)"
# a saved (suspended) VM
vmm_running 31
run save one-31 /vmfs/volumes/0/31/checkpoint esx1 31 esx1
[ "$(vm_state one-31)" = paused ] || fail "setup: one-31 is $(vm_state one-31)"
run cancel one-31 esx1 31 esx1
expect_ok "cancel of a suspended VM"
[ "$(vm_state one-31)" = missing ] && ok "one-31 gone" || fail "one-31 is $(vm_state one-31)"
expect_no_leak
esxsim_finish
