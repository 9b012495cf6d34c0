#!/bin/bash
# :tls_ca_file: naming a CA that did not sign the server's certificate is
# refused by libvirt's path (vmm/deploy, vmm/migrate), the vSphere client
# (vmm/reset, vmm/poll, im/vmware) and esxmad-check, before any login; the
# message names the CA file and says what to check.  The CA that did sign
# it (the bed's self-signed certificate) works (control).
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/migrate vmm/reset
command -v openssl >/dev/null || esxsim_skip "missing openssl"
hard_start
hard_vm 5
hard_vm 6 host1
run vmm/deploy "$VMS/6/deployment.0" host1 6 host1
expect_ok "setup: deploy one-6 on host1"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$T/ca.key" -out "$T/ca.crt" 2>/dev/null
# no thumbprints at all, only the CA file
ca_rc () {
  hard_rc ":tls_ca_file: \"$1\""
  sed -i '/tls_thumbprint/d' "$VMWARERC"
}
ca_rc "$T/ca.crt"
le=$(api_stat LOGIN esx) lv=$(api_stat LOGIN vpx)
refused () {
  local m; m=$(errmsg)
  expect_clean_fail "$1: refused" "$T/ca.crt"
  printf '%s' "$m" | grep -q 'tls_ca_file' && ok "$1: message says to check :tls_ca_file:" \
    || fail "$1: message does not say what to check: $m"
}
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1;          refused "libvirt esx:// (vmm/deploy)"
run vmm/migrate one-6 host2 host1 6 host1;                 refused "libvirt vpx:// (vmm/migrate)"
run vmm/reset one-5 esx1 5 esx1;                           refused "vSphere client (vmm/reset)"
if hard_have vmm/poll; then run vmm/poll one-6 host1 6 host1; refused "vSphere client (vmm/poll)"; fi
if hard_have im/vmware; then run im/vmware /vmfs/volumes 4124 20 0 esx1; refused "vSphere client (im/vmware)"; fi
if hard_have bin/esxmad-check; then run bin/esxmad-check esx1
  [ "$rc" != 0 ] && printf '%s' "$err$out" | grep -q 'ca.crt' && ok "esxmad-check esx1 reports the CA (exit $rc)" \
    || fail "esxmad-check: exit $rc: $(printf '%s' "$err$out" | tail -3)"; fi
[ "$(api_stat LOGIN esx)" = "$le" ] && [ "$(api_stat LOGIN vpx)" = "$lv" ] \
  && ok "no login reached either server" \
  || fail "logins esx $le -> $(api_stat LOGIN esx), vpx $lv -> $(api_stat LOGIN vpx)"
[ "$(vm_state one-5)" = missing ] && ok "nothing defined" || fail "one-5 is $(vm_state one-5)"

# control: the certificate that the ESX presents is its own CA
ca_rc "$ESX_ROOT/server.crt"
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "the signing CA: deploy works"
run vmm/reset one-5 esx1 5 esx1
expect_ok "the signing CA: vSphere client works"
esxsim_finish
