#!/bin/bash
# The API answering slower than :timeout: (3 s; the bed's delay knob holds
# each matching request 8 s).  The vSphere client (vmm/reset, vmm/poll,
# im/vmware, attach_nic) gives up within :timeout: plus a margin with a
# one-line message; a delayed Login/RetrieveServiceContent is the same.
# libvirt's connection has no timeout of its own: a libvirt action whose
# request is held (PowerOnVM_Task during deploy) shorter than
# :libvirt_timeout: (default here) waits; it must still end cleanly
# (success or one-line failure) and leave the VM either running or
# undefined, never half-made (a held request past :libvirt_timeout: is
# test-fault-libvirt-stuck.sh).  Times are printed.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/reset vmm/attach_nic
HARD_TIMEOUT=3 HARD_RUN_LIMIT=120
hard_start
delay () { api esx POST "/esxsim/fault?method=$1&kind=delay&ms=$2" >/dev/null; }
clear () { api esx DELETE /esxsim/fault >/dev/null; }
hard_vm 5
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "setup: deploy one-5"

for m in RetrieveServiceContent RetrievePropertiesEx; do
  delay "$m" 8000
  rm -f "$T"/cache/*       # no cached session: the client starts from scratch
  run vmm/reset one-5 esx1 5 esx1
  expect_clean_fail "reset, $m held 8 s"; expect_within 8 "reset, $m held 8 s"
  run vmm/attach_nic one-5 02:00:00:00:09:01 "VM Network" e1000 - 5 esx1
  expect_clean_fail "attach_nic, $m held 8 s"; expect_within 8 "attach_nic, $m held 8 s"
  if hard_have vmm/poll; then
    run vmm/poll one-5 esx1 5 esx1
    expect_clean_fail "poll, $m held 8 s"; expect_within 8 "poll, $m held 8 s"
  fi
  if hard_have im/vmware; then
    run im/vmware /vmfs/volumes 4124 20 0 esx1
    expect_clean_fail "im/vmware, $m held 8 s"; expect_within 8 "im/vmware, $m held 8 s"
  fi
  clear
done
run vmm/reset one-5 esx1 5 esx1
expect_ok "reset after the delay is cleared"

# libvirt: the start of a deploy held 8 s
hard_vm 6
delay PowerOnVM_Task 8000
run vmm/deploy "$VMS/6/deployment.0" esx1 6 esx1
echo "# deploy with PowerOnVM_Task held 8 s (:timeout: 3): exit $rc after ${secs}s: $(errmsg | cut -c1-200)"
expect_within 30 "deploy with PowerOnVM_Task held 8 s"
st=$(vm_state one-6)
if { [ "$rc" = 0 ] && [ "$st" = running ]; } || { [ "$rc" != 0 ] && [ "$(errlines)" = 1 ] && [ "$st" = missing ]; }; then
  ok "deploy held: exit $rc, one-6 $st (whole or nothing)"
else fail "deploy held: exit $rc, one-6 $st"; fi
clear
run vmm/deploy "$VMS/6/deployment.0" esx1 6 esx1
expect_ok "deploy after the delay is cleared"
esxsim_finish
