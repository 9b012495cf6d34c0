#!/bin/bash
# vmm/reboot: RebootGuest through libvirt; the VM runs afterwards.
. "$(dirname "$0")/lib.sh"
vmm_running 4
curl -sk -X POST "https://127.0.0.1:$ESX_API_PORT/esxsim/stats/reset" >/dev/null
run reboot one-4 esx1 4 esx1
expect_ok "reboot"
[ "$(api_stat RebootGuest)" = 1 ] && ok "RebootGuest sent once" || fail "RebootGuest: $(api_stat RebootGuest)"
[ "$(vm_state one-4)" = running ] && ok "runs" || fail "one-4 is $(vm_state one-4)"
run reboot one-44 esx1 44 esx1
expect_fail "vm 'one-44' not found" "reboot of a missing VM fails"
expect_no_leak
esxsim_finish
