#!/bin/bash
# A SOAP fault in the middle of a task (the bed's fault knob, kind=fault:
# the *_Task ends in SystemError "simulated fault"): deploy with the fault
# on RegisterVM_Task (define), ReconfigVM_Task (guest OS metadata) and
# PowerOnVM_Task (start) fails cleanly and leaves no domain defined;
# snapshot_create, attach_nic, reset and save fail cleanly too.  With the
# fault cleared, the same action succeeds.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/snapshot_create vmm/attach_nic vmm/reset vmm/save
hard_start
fault () { api esx POST "/esxsim/fault?method=$1&kind=fault" >/dev/null; }
clear () { api esx DELETE /esxsim/fault >/dev/null; }

v=10
for m in RegisterVM_Task ReconfigVM_Task PowerOnVM_Task; do
  hard_vm $v esx1 "<metadata><guestos>ubuntu64Guest</guestos></metadata>"
  fault "$m"
  run vmm/deploy "$VMS/$v/deployment.0" esx1 $v esx1
  expect_clean_fail "deploy, fault in $m" "fault"
  [ "$(vm_state one-$v)" = missing ] && ok "deploy, fault in $m: no domain left defined" \
    || fail "deploy, fault in $m: one-$v is $(vm_state one-$v)"
  clear
  run vmm/deploy "$VMS/$v/deployment.0" esx1 $v esx1
  expect_ok "deploy, fault in $m cleared: retry works"
  [ "$(vm_state one-$v)" = running ] && ok "one-$v runs" || fail "one-$v is $(vm_state one-$v)"
  v=$((v + 1))
done

try () { # METHOD DESC PROG ARGS...
  local m=$1 d=$2; shift 2
  fault "$m"
  run "$@"
  expect_clean_fail "$d, fault in $m" "fault"
  clear
  run "$@"
  expect_ok "$d, fault in $m cleared: retry works"
}
try CreateSnapshot_Task snapshot_create vmm/snapshot_create one-10 0 10 esx1
try ReconfigVM_Task attach_nic vmm/attach_nic one-10 02:00:00:00:09:01 "VM Network" e1000 - 10 esx1
try ResetVM_Task reset vmm/reset one-10 esx1 10 esx1
try SuspendVM_Task save vmm/save one-10 /vmfs/volumes/0/10/checkpoint esx1 10 esx1
esxsim_finish
