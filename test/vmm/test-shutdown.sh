#!/bin/bash
# vmm/shutdown: guest shutdown, wait, undefine; exact name match (one-1 vs
# one-10); a VM that will not stop is a clear failure after the bound.
. "$(dirname "$0")/lib.sh"
vmm_running 1
vmm_running 10
run shutdown one-1 esx1 1 esx1
expect_ok "shutdown one-1"
[ "$(vm_state one-1)" = missing ] && ok "one-1 undefined" || fail "one-1 is $(vm_state one-1)"
[ "$(vm_state one-10)" = running ] && ok "one-10 untouched" || fail "one-10 is $(vm_state one-10)"
[ -z "$out" ] && ok "nothing on stdout" || fail "stdout '$out'"
esx_ssh esx1 'test -f /vmfs/volumes/0/1/disk.0/disk.vmdk' && ok "disk files kept" || fail "disk gone"

run shutdown one-1 esx1 1 esx1
expect_fail "vm 'one-1' not found" "shutdown of a missing VM fails"

# a refused guest shutdown: fault on ShutdownGuest (an ignoring guest: test-shutdown-timeout.sh)
curl -sk -X POST "https://127.0.0.1:$ESX_API_PORT/esxsim/fault?method=ShutdownGuest&kind=fault&count=1" >/dev/null
run shutdown one-10 esx1 10 esx1
expect_fail "virDomainShutdown" "a refused guest shutdown is reported with libvirt's call"
[ "$(vm_state one-10)" = running ] && ok "and the VM stays defined" || fail "one-10 is $(vm_state one-10)"
curl -sk -X DELETE "https://127.0.0.1:$ESX_API_PORT/esxsim/fault" >/dev/null
run shutdown one-10 esx1 10 esx1
expect_ok "shutdown one-10"
expect_no_leak
esxsim_finish
