#!/bin/bash
# vmm/reset: ResetVM_Task through the vSphere API (libvirt has no reset).
. "$(dirname "$0")/lib.sh"
vmm_running 6
curl -sk -X POST "https://127.0.0.1:$ESX_API_PORT/esxsim/stats/reset" >/dev/null
run reset one-6 esx1 6 esx1
expect_ok "reset"
[ "$(api_stat ResetVM_Task)" = 1 ] && ok "ResetVM_Task sent" || fail "ResetVM_Task: $(api_stat ResetVM_Task)"
[ "$(vm_state one-6)" = running ] && ok "runs" || fail "one-6 is $(vm_state one-6)"
esx_virsh "$ESX_URI" destroy one-6 >/dev/null
run reset one-6 esx1 6 esx1
expect_fail "reset of vm 'one-6'" "reset of a powered-off VM fails with the host's fault"
run reset one-66 esx1 66 esx1
expect_fail "no virtual machine named 'one-66'" "reset of a missing VM fails"
expect_no_leak
esxsim_finish
