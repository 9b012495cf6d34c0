#!/bin/bash
# A host that takes a libvirt request and never answers (the bed holds
# matching requests for 10 minutes).  libvirt's esx driver has no timeout
# of its own; esxmad's guard bounds every libvirt call by
# :libvirt_timeout: (4 s here): the call is cut, the action takes its
# normal error path (a deploy undoes itself), says which call got no
# answer, and the same action succeeds once the host answers again.
# Times are printed.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/cancel vmm/shutdown vmm/snapshot_create
HARD_TIMEOUT=3 HARD_RUN_LIMIT=120
hard_start
hard_rc ":libvirt_timeout: 4"
hold () { api esx POST "/esxsim/fault?method=$1&kind=delay&ms=600000" >/dev/null; }
clear () { api esx DELETE /esxsim/fault >/dev/null; }

# 1. deploy whose power-on is never answered: cut, undone, retried
hard_vm 7
hold PowerOnVM_Task
run vmm/deploy "$VMS/7/deployment.0" esx1 7 esx1
expect_clean_fail "deploy, PowerOnVM_Task never answered" "libvirt_timeout"
expect_within 40 "deploy, PowerOnVM_Task never answered"
printf '%s' "$(errmsg)" | grep -q "virDomainCreate" && ok "the message names the call (virDomainCreate)" \
  || fail "the message does not name virDomainCreate: $(errmsg)"
st=$(vm_state one-7)
[ "$st" = missing ] && ok "deploy cut: one-7 is not left defined" || fail "deploy cut: one-7 is $st"
clear
run vmm/deploy "$VMS/7/deployment.0" esx1 7 esx1
expect_ok "deploy again once the host answers"
[ "$(vm_state one-7)" = running ] && ok "one-7 runs" || fail "one-7 is $(vm_state one-7)"

# 2. snapshot whose task is never answered
hold CreateSnapshot_Task
run vmm/snapshot_create one-7 1 7 esx1
expect_clean_fail "snapshot_create, CreateSnapshot_Task never answered" "libvirt_timeout"
expect_within 40 "snapshot_create, CreateSnapshot_Task never answered"
clear

# 3. every property read of libvirt (RetrieveProperties) held: the
# lookup is bounded like the tasks
hold RetrieveProperties
run vmm/cancel one-7 esx1 7 esx1
expect_clean_fail "cancel, RetrieveProperties never answered" "libvirt_timeout"
expect_within 60 "cancel, RetrieveProperties never answered"
clear
[ "$(vm_state one-7)" = running ] && ok "one-7 still runs after the cut cancel" \
  || fail "one-7 is $(vm_state one-7) after the cut cancel"
run vmm/cancel one-7 esx1 7 esx1
expect_ok "cancel once the host answers"
[ "$(vm_state one-7)" = missing ] && ok "one-7 is gone" || fail "one-7 is $(vm_state one-7)"
esxsim_finish
