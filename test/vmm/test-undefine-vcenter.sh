#!/bin/bash
# With :vcenter: and :datacenter: set, undefine (cancel, shutdown, and the
# clean-up of a failed deploy/restore) goes through the vCenter, vpx://
# <vcenter>/<datacenter>[/<cluster>]/<host>, as OpenNebula 4.4 (#2398);
# through the host's own connection without a vCenter, or for a host the
# vCenter does not manage (esx1, with a warning); an unreachable vCenter is
# a clear failure that keeps the VM defined.
. "$(dirname "$0")/lib.sh"
vpx_vms () { curl -sk "https://127.0.0.1:$VPX_API_PORT/esxsim/vms"; }
vpx_logins () { api_stat LOGIN "$VPX_API_PORT"; }

# host1 (in the vCenter's cluster): through vpx://vc/DC0/DC0_C0/host1 (the
# bed's host1 connection is the vCenter too, so the evidence is esxmad's
# debug line, the URI libvirt was given and the extra vCenter logins)
vmm_running 31 host1
before=$(vpx_logins)
ESXMAD_DEBUG=1 run cancel one-31 host1 31 host1
expect_ok "cancel one-31 on host1"
printf '%s\n' "$err" | grep -q "undefining vm 'one-31' through vcenter 'vc'" \
  && ok "undefined through the vCenter" || fail "no vCenter undefine in: $err"
# (libvirt reaches the vCenter through esxmad's TLS relay, see tlsrelay.h)
printf '%s\n' "$err" | grep -q "vpx://127.0.0.1:[0-9]*/DC0/DC0_C0/host1" \
  && printf '%s\n' "$err" | grep -q "tls relay: 127.0.0.1:[0-9]* -> 127.0.0.1:$VPX_API_PORT " \
  && ok "vpx path DC0/DC0_C0/host1, to the vCenter" || fail "vpx path not seen: $err"
with=$(( $(vpx_logins) - before ))
[ "$(vm_state one-31 host1)" = missing ] && ok "one-31 gone from host1" || fail "one-31 is $(vm_state one-31 host1)"
! vpx_vms | grep -q '^one-31 ' && ok "the vCenter forgot one-31" || fail "vCenter still has one-31"

# without :vcenter: the host connection only (one login fewer)
sed -i '/^:vcenter:/d' "$VMWARERC"
vmm_running 32 host1
before=$(vpx_logins)
ESXMAD_DEBUG=1 run cancel one-32 host1 32 host1
expect_ok "cancel one-32 without :vcenter:"
without=$(( $(vpx_logins) - before ))
! printf '%s\n' "$err" | grep -q "through vcenter" && ok "not through the vCenter" || fail "vCenter used: $err"
[ "$(vm_state one-32 host1)" = missing ] && ok "one-32 undefined" || fail "one-32 is $(vm_state one-32 host1)"
[ "$with" -gt "$without" ] && ok "more vCenter logins with :vcenter: ($with vs $without)" \
  || fail "logins with :vcenter: $with, without $without"
vmm_rc

# esx1 is not one of the vCenter's hosts: the host connection, with a warning
vmm_running 33
run cancel one-33 esx1 33 esx1
expect_ok "cancel one-33 on standalone esx1"
printf '%s\n' "$err" | grep -q "WARNING: vcenter 'vc' does not manage host 'esx1'" \
  && ok "warning: not managed by the vCenter" || fail "no warning: $err"
[ "$(vm_state one-33)" = missing ] && ok "one-33 undefined on esx1" || fail "one-33 is $(vm_state one-33)"

# vCenter unreachable (closed port): a clear failure, the VM stays defined
vmm_running 34
sed -i "/^  vc:/,/tls_thumbprint/ s/:api_port: .*/:api_port: 1/" "$VMWARERC"
run shutdown one-34 esx1 34 esx1
expect_fail "undefine vm 'one-34' through vcenter 'vc'" "unreachable vCenter: clear failure"
[ "$(vm_state one-34)" = "shut off" ] && ok "one-34 still defined (shut off)" || fail "one-34 is $(vm_state one-34)"
vmm_rc
run cancel one-34 esx1 34 esx1
expect_ok "cancel one-34 once the vCenter answers"
[ "$(vm_state one-34)" = missing ] && ok "one-34 undefined" || fail "one-34 is $(vm_state one-34)"
expect_no_leak "$VPX_API_PORT"
expect_no_leak
esxsim_finish
