#!/bin/bash
# vmm/migrate: through the vCenter (vpx://), live when running; the VM
# shows on the other host afterwards; a stopped VM moves too; without a
# :vcenter: it is a clear configuration error.
. "$(dirname "$0")/lib.sh"
vmm_running 15 host1
vms () { curl -sk "https://127.0.0.1:$VPX_API_PORT/esxsim/vms"; }
vms | grep -q '^one-15 .* host1 poweredOn' && ok "one-15 on host1" || fail "vms: $(vms)"
run migrate one-15 host2 host1 15 host1
expect_ok "migrate host1 -> host2"
vms | grep -q '^one-15 .* host2 poweredOn' && ok "one-15 runs on host2" || fail "vms: $(vms)"
printf '%s' "$err" | grep -q "(live)" && ok "live" || fail "stderr: $err"
esx_virsh "$VPX_URI_HOST2" destroy one-15 >/dev/null
run migrate one-15 host1 host2 15 host2
expect_ok "migrate a stopped VM back"
vms | grep -q '^one-15 .* host1 poweredOff' && ok "one-15 on host1, off" || fail "vms: $(vms)"
run migrate one-16 host2 host1 16 host1
expect_fail "vm 'one-16' not found" "migrate of a missing VM fails"
vmm_rc; sed -i 's/^:vcenter: "vc"$//' "$VMWARERC"
run migrate one-15 host2 host1 15 host1
expect_fail "no :vcenter:" "migrate without a vCenter is refused"
expect_no_leak "$VPX_API_PORT"
esxsim_finish
