#!/bin/bash
# Without :tls_thumbprint:, :tls_ca_file: or no_verify=1, certificates are
# checked against the system's CAs, which do not know the bed's
# self-signed certificate: libvirt (vmm/deploy, vmm/migrate) and the
# vSphere client (vmm/reset, vmm/poll, im/vmware) refuse, before any login,
# with a message that says what to set.  Only the explicit opt-out,
# no_verify=1 in the libvirt URI with no thumbprint/CA, connects.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/migrate vmm/reset
hard_start
hard_vm 5
hard_vm 6 host1
run vmm/deploy "$VMS/6/deployment.0" host1 6 host1
expect_ok "setup: deploy one-6 on host1"

hard_rc
sed -i '/tls_thumbprint/d; s/no_verify=1&//; s/?no_verify=1//' "$VMWARERC"
grep -q no_verify "$VMWARERC" && fail "setup: no_verify left in vmwarerc"
le=$(api_stat LOGIN esx) lv=$(api_stat LOGIN vpx)
refused () {
  local m; m=$(errmsg)
  expect_clean_fail "$1: refused"
  printf '%s' "$m" | grep -Eq 'tls_thumbprint|tls_ca_file|no_verify' && ok "$1: message says what to set" \
    || fail "$1: message does not say what to check: $m"
}
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1;          refused "libvirt esx:// (vmm/deploy)"
run vmm/migrate one-6 host2 host1 6 host1;                 refused "libvirt vpx:// (vmm/migrate)"
run vmm/reset one-5 esx1 5 esx1;                           refused "vSphere client (vmm/reset)"
if hard_have vmm/poll; then run vmm/poll one-6 host1 6 host1; refused "vSphere client (vmm/poll)"; fi
if hard_have im/vmware; then run im/vmware /vmfs/volumes 4124 20 0 esx1; refused "vSphere client (im/vmware)"; fi
[ "$(api_stat LOGIN esx)" = "$le" ] && [ "$(api_stat LOGIN vpx)" = "$lv" ] \
  && ok "no login reached either server" \
  || fail "logins esx $le -> $(api_stat LOGIN esx), vpx $lv -> $(api_stat LOGIN vpx)"

# the explicit opt-out
hard_rc
sed -i '/tls_thumbprint/d' "$VMWARERC"
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "no_verify=1 without thumbprint/CA: libvirt connects"
run vmm/reset one-5 esx1 5 esx1
expect_ok "no_verify=1 without thumbprint/CA: vSphere client connects"
run vmm/migrate one-6 host2 host1 6 host1
expect_ok "no_verify=1 without thumbprint/CA: vCenter connects"
esxsim_finish
