#!/bin/bash
# vmm/shutdown with a guest that ignores the request (the bed's
# kind=ignore knob on ShutdownGuest): a clear failure after
# :shutdown_timeout: (3 s here), the VM still defined and running (nothing
# lost); once the guest obeys again, shutdown succeeds.
. "$(dirname "$0")/lib.sh"
sed -i 's/^:shutdown_timeout: .*/:shutdown_timeout: 3/' "$VMWARERC"
grep -qx ':shutdown_timeout: 3' "$VMWARERC" || fail "setup: vmwarerc has no :shutdown_timeout: 3"
vmm_running 21
fault="https://127.0.0.1:$ESX_API_PORT/esxsim/fault"
curl -skf -X POST "$fault?method=ShutdownGuest&kind=ignore" >/dev/null || fail "setup: ignore knob"
t0=$(date +%s.%N)
run shutdown one-21 esx1 21 esx1
t1=$(date +%s.%N)
echo "# shutdown of an ignoring guest took $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s (:shutdown_timeout: 3)"
expect_fail "timeout reached, vm 'one-21' is still running after 3s" "shutdown fails with the timeout"
[ "$(api_stat ShutdownGuest)" -ge 1 ] && ok "the guest was asked (ShutdownGuest sent)" || fail "no ShutdownGuest call"
[ -z "$out" ] && ok "nothing on stdout" || fail "stdout '$out'"
[ "$(vm_state one-21)" = running ] && ok "VM still defined and running" || fail "one-21 is $(vm_state one-21)"
esx_ssh esx1 'test -f /vmfs/volumes/0/21/disk.0/disk.vmdk' && ok "disk kept" || fail "disk gone"

curl -skf -X DELETE "$fault" >/dev/null || fail "clear the knob"
t0=$(date +%s.%N)
run shutdown one-21 esx1 21 esx1
t1=$(date +%s.%N)
echo "# shutdown of an obeying guest took $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s"
expect_ok "shutdown after clearing the knob"
[ "$(vm_state one-21)" = missing ] && ok "one-21 undefined" || fail "one-21 is $(vm_state one-21)"
expect_no_leak
esxsim_finish
