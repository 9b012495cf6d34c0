#!/bin/bash
# The ESX API down.  (1) Port closed: every action that talks to the API
# (deploy, shutdown, reboot, reset, save, snapshot_create, attach_nic,
# poll, im/vmware) fails at once with a one-line message, defines nothing,
# and succeeds when retried against the right port.  (2) Server frozen
# (SIGSTOP: TCP accepted, no answer): each action gives up within
# :timeout: (3 s) plus a margin, with and without a pinned thumbprint (with
# no_verify=1 only libvirt's own connection is left to time out).
# (3) Server killed: refused connection, clean failure.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/shutdown vmm/reboot vmm/reset vmm/save vmm/snapshot_create vmm/attach_nic
HARD_TIMEOUT=3 HARD_RUN_LIMIT=60
hard_start
hard_vm 5
hard_vm 6
run vmm/deploy "$VMS/6/deployment.0" esx1 6 esx1
expect_ok "setup: deploy one-6"

all_actions () { # DESC BOUND
  local d=$1 b=$2
  run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1;  expect_clean_fail "$d: deploy"; expect_within "$b" "$d: deploy"
  run vmm/shutdown one-6 esx1 6 esx1;                expect_clean_fail "$d: shutdown"; expect_within "$b" "$d: shutdown"
  run vmm/reboot one-6 esx1 6 esx1;                  expect_clean_fail "$d: reboot"; expect_within "$b" "$d: reboot"
  run vmm/reset one-6 esx1 6 esx1;                   expect_clean_fail "$d: reset"; expect_within "$b" "$d: reset"
  run vmm/save one-6 /vmfs/volumes/0/6/checkpoint esx1 6 esx1; expect_clean_fail "$d: save"; expect_within "$b" "$d: save"
  run vmm/snapshot_create one-6 0 6 esx1;            expect_clean_fail "$d: snapshot_create"; expect_within "$b" "$d: snapshot_create"
  run vmm/attach_nic one-6 02:00:00:00:09:01 "VM Network" e1000 - 6 esx1; expect_clean_fail "$d: attach_nic"; expect_within "$b" "$d: attach_nic"
  if hard_have vmm/poll; then
    run vmm/poll one-6 esx1 6 esx1
    expect_clean_fail "$d: poll"; expect_within "$b" "$d: poll"
  fi
  if hard_have im/vmware; then
    run im/vmware /vmfs/volumes 4124 20 0 esx1
    expect_clean_fail "$d: im/vmware"; expect_within "$b" "$d: im/vmware"
  fi
}

# (1) port closed
port=$(hard_free_port)
sed -i "s/:api_port: $ESX_API_PORT\$/:api_port: $port/" "$VMWARERC"
grep -q ":api_port: $port" "$VMWARERC" || fail "setup: port not replaced"
all_actions "port closed" 10
[ "$(vm_state one-5)" = missing ] && ok "port closed: nothing defined" || fail "one-5 is $(vm_state one-5)"
hard_rc
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "retried against the open port: deploy works"
[ "$(vm_state one-5)" = running ] && ok "one-5 runs" || fail "one-5 is $(vm_state one-5)"
run vmm/cancel one-5 esx1 5 esx1

# (2) server frozen
spid=$(sed -n 's/^PID=//p' "$RUN/esx.ready")
[ -n "$spid" ] && kill -0 "$spid" || { fail "setup: no esx server pid"; esxsim_finish; }
kill -STOP "$spid"
all_actions "server frozen, thumbprint pinned" $((HARD_TIMEOUT * 3 + 10))
sed -i '/tls_thumbprint/d' "$VMWARERC"
all_actions "server frozen, no_verify=1" $((HARD_TIMEOUT * 3 + 10))
kill -CONT "$spid"
hard_rc
[ "$(vm_state one-5)" = missing ] && ok "frozen: nothing defined" || fail "one-5 is $(vm_state one-5)"

# (3) server killed
kill -TERM "$spid"
for _ in $(seq 50); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
all_actions "server killed" 10
esxsim_finish
