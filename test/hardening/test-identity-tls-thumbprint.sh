#!/bin/bash
# A wrong :tls_thumbprint: is refused by every kind of program before any
# credentials are sent: libvirt (vmm/deploy, vmm/shutdown on an ESX,
# vmm/migrate through the vCenter), the vSphere client (vmm/poll,
# im/vmware, vmm/reset), esxmad-check; the message names the thumbprint
# seen and says what to check (:tls_thumbprint: in vmwarerc).  The right
# thumbprint works (control).
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/shutdown vmm/migrate vmm/reset
hard_start
hard_vm 5
hard_vm 6 host1
run vmm/deploy "$VMS/6/deployment.0" host1 6 host1
expect_ok "setup: deploy one-6 on host1 (right thumbprints)"

wrong=$(echo "$ESX_THUMBPRINT" | tr '0-9A-F' '1-9A-F0')
# esx1 gets a wrong top-level thumbprint; the vCenter entries get esx1's
hard_rc
sed -i "s/^:tls_thumbprint: .*/:tls_tls_placeholder/; s/\"$VPX_THUMBPRINT\"/\"$ESX_THUMBPRINT\"/; s/^:tls_tls_placeholder/:tls_thumbprint: \"$wrong\"/" "$VMWARERC"
le=$(api_stat LOGIN esx) lv=$(api_stat LOGIN vpx)

refused () { # DESC
  local m; m=$(errmsg)
  expect_clean_fail "$1: refused" "thumbprint"
  printf '%s' "$m" | grep -q 'tls_thumbprint' && ok "$1: message says to check :tls_thumbprint:" \
    || fail "$1: message does not say what to check: $m"
}
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1;            refused "libvirt esx:// (vmm/deploy)"
run vmm/shutdown one-5 esx1 5 esx1;                          refused "libvirt esx:// (vmm/shutdown)"
run vmm/migrate one-6 host2 host1 6 host1;                   refused "libvirt vpx:// (vmm/migrate)"
run vmm/reset one-5 esx1 5 esx1;                             refused "vSphere client (vmm/reset)"
if hard_have vmm/poll; then run vmm/poll one-6 host1 6 host1; refused "vSphere client (vmm/poll)"; fi
if hard_have im/vmware; then run im/vmware /vmfs/volumes 4124 20 0 esx1; refused "vSphere client (im/vmware)"; fi
if hard_have bin/esxmad-check; then run bin/esxmad-check esx1
  [ "$rc" != 0 ] && printf '%s' "$err$out" | grep -q 'thumbprint' && ok "esxmad-check esx1 reports the thumbprint (exit $rc)" \
    || fail "esxmad-check: exit $rc: $(printf '%s' "$err$out" | tail -3)"; fi
[ "$(api_stat LOGIN esx)" = "$le" ] && [ "$(api_stat LOGIN vpx)" = "$lv" ] \
  && ok "no login reached either server (credentials never sent)" \
  || fail "logins esx $le -> $(api_stat LOGIN esx), vpx $lv -> $(api_stat LOGIN vpx)"
[ "$(vm_state one-5)" = missing ] && ok "nothing defined" || fail "one-5 is $(vm_state one-5)"

# control: the right thumbprints
hard_rc
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "right thumbprint: deploy works"
run vmm/migrate one-6 host2 host1 6 host1
expect_ok "right thumbprint: migrate works"
esxsim_finish
