#!/bin/bash
# vmm/attach_nic and detach_nic: the NIC (MAC, model, port group) appears
# in and disappears from the VM; 4.2's argument form; unknown model, bad
# MAC, duplicate MAC, a MAC the VM lacks and dynamic networking without
# vnm pre are errors.
. "$(dirname "$0")/lib.sh"
vmm_running 17
nics () { esx_virsh "$ESX_URI" domiflist one-17; }
# Dynamic networking (net_drv vmware) needs the port group vnm pre made and
# recorded for the MAC (the e2e scenario runs pre + attach_nic as oned does).
run attach_nic one-17 02:00:00:00:11:01 vSwitch0 vmxnet3 vmware 17 esx1
expect_fail "recorded by vnm pre" "dynamic networking without vnm pre: clear error"
run attach_nic one-17 02:00:00:00:11:01 "VM Network" vmxnet3 dummy 17 esx1
expect_ok "attach_nic vmxnet3"
nics | grep -q 'VM Network *vmxnet3 *02:00:00:00:11:01' && ok "vmxnet3 NIC on the VM" || fail "nics: $(nics)"
run attach_nic one-17 02:00:00:00:11:02 "VM Network" - 17 esx1
expect_ok "attach_nic, 4.2 form, default model"
nics | grep -q 'VM Network *e1000 *02:00:00:00:11:02' && ok "e1000 by default" || fail "nics: $(nics)"
for m in e1000e pcnet32; do
  run attach_nic one-17 02:00:00:00:11:0${#m} "VM Network" $m - 17 esx1
  expect_ok "attach_nic $m"
done
nics | grep -q 'e1000e *02:00:00:00:11:06' && nics | grep -q 'vlance *02:00:00:00:11:07' && ok "e1000e and pcnet32 (vlance) NICs" || fail "nics: $(nics)"
run attach_nic one-17 02:00:00:00:11:01 "VM Network" e1000 - 17 esx1
expect_fail "already has a nic with mac" "duplicate MAC refused"
run attach_nic one-17 02:00:00:00:11:09 "VM Network" virtio - 17 esx1
expect_fail "nic model 'virtio'" "unknown model refused"
run attach_nic one-17 02:00:00:00:11 "VM Network" e1000 - 17 esx1
expect_fail "mac address" "bad MAC refused"
run detach_nic one-17 02:00:00:00:11:01 17 esx1
expect_ok "detach_nic"
! nics | grep -q '02:00:00:00:11:01' && nics | grep -q '02:00:00:00:11:02' && ok "that NIC gone, others kept" || fail "nics: $(nics)"
run detach_nic one-17 02:00:00:00:11:01 17 esx1
expect_fail "has no nic with mac '02:00:00:00:11:01'" "detaching a MAC the VM lacks is an error"
run detach_nic one-18 02:00:00:00:11:01 18 esx1
expect_fail "one-18" "detach_nic on a missing VM fails"
expect_no_leak
esxsim_finish
