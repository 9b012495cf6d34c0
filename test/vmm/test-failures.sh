#!/bin/bash
# How the VMM actions fail: host unreachable, wrong credentials (and a
# stray auth.conf neither helps nor hurts), thumbprint mismatch (checked
# before libvirt talks to the host), CA file, verification without an
# opt-out, a libvirt error (fault injected on the host).  The password
# never shows in any output.
. "$(dirname "$0")/lib.sh"
pw=$(head -1 "$PASSWORD_FILE")
vmm_running 21
allerr=""
keep () { allerr="$allerr
$err"; }

# host unreachable: nothing listens on the port
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "0,/:api_port: $ESX_API_PORT/s//:api_port: $port/" "$VMWARERC"
run reboot one-21 esx1 21 esx1; keep
expect_fail "Connection refused" "unreachable host: connection refused"
run attach_nic one-21 02:00:00:00:21:01 "VM Network" e1000 - 21 esx1; keep
[ "$rc" = 1 ] && ok "unreachable host through the vSphere API: exit 1" || fail "rc $rc $err"
vmm_rc

# wrong password; a stray auth.conf with the right one must not be used
echo "wrong-$pw" > "$T/badpw"; chmod 600 "$T/badpw"
sed -i "s|^:password_file: .*|:password_file: \"$T/badpw\"|" "$VMWARERC"
run reboot one-21 esx1 21 esx1; keep
expect_fail "virConnectOpenAuth" "wrong credentials: libvirt's login error"
printf '%s' "$(errmsg)" | grep -qi "login\|auth\|password" && ok "the message says it is the login" || fail "message: $(errmsg)"
vmm_rc
# and the other way round: auth.conf wrong, vmwarerc right
sed "s|^password=.*|password=wrong-$pw|" "$LIBVIRT_AUTH_FILE" > "$T/auth.conf"
LIBVIRT_AUTH_FILE=$T/auth.conf run reboot one-21 esx1 21 esx1; keep
expect_ok "a stray auth.conf does not override vmwarerc"

# thumbprint mismatch: refused before any request reaches the host
before=$(api_stat TOTAL)
sed -i "s|^:tls_thumbprint: .*|:tls_thumbprint: \"$VPX_THUMBPRINT\"|" "$VMWARERC"
run shutdown one-21 esx1 21 esx1; keep
expect_fail "does not match the configured '$VPX_THUMBPRINT'" "thumbprint mismatch refused"
[ "$(api_stat TOTAL)" = "$before" ] && ok "no SOAP request was sent" || fail "requests sent: $before -> $(api_stat TOTAL)"
[ "$(vm_state one-21)" = running ] && ok "the VM is untouched" || fail "one-21 is $(vm_state one-21)"
# verification on, no pin, no opt-out: libvirt checks the system CAs
sed -i "s|^:tls_thumbprint: .*||; s|^:libvirt_uri: .*|:libvirt_uri: \"'esx://@HOST@/?auto_answer=1'\"|" "$VMWARERC"
run reboot one-21 esx1 21 esx1; keep
expect_fail "virConnectOpenAuth" "self-signed certificate refused without an opt-out"
# :tls_ca_file: = the host's own (self-signed) certificate
openssl s_client -connect "127.0.0.1:$ESX_API_PORT" </dev/null 2>/dev/null | openssl x509 > "$T/ca.pem"
printf ':tls_ca_file: "%s"\n' "$T/ca.pem" >> "$VMWARERC"
run reboot one-21 esx1 21 esx1; keep
if openssl x509 -in "$T/ca.pem" -noout -ext subjectAltName 2>/dev/null | grep -q '127.0.0.1'; then
  expect_ok "certificate verified against :tls_ca_file:"
else
  expect_fail "certificate not trusted" "certificate without 127.0.0.1 refused by :tls_ca_file:"
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other -keyout "$T/o.key" -out "$T/other.pem" 2>/dev/null
sed -i "s|^:tls_ca_file: .*|:tls_ca_file: \"$T/other.pem\"|" "$VMWARERC"
run reboot one-21 esx1 21 esx1; keep
expect_fail "certificate not trusted by '$T/other.pem'" "another CA refused"
vmm_rc

# a libvirt error: the host refuses PowerOnVM_Task
vmm_vm 22
curl -sk -X POST "https://127.0.0.1:$ESX_API_PORT/esxsim/fault?method=PowerOnVM_Task&kind=fault&count=1" >/dev/null
run deploy "$VMS/22/deployment.0" esx1 22 esx1; keep
expect_fail "virDomainCreate" "a libvirt error names the call"
[ "$(vm_state one-22)" = missing ] && ok "the failed deploy left nothing defined" || fail "one-22 is $(vm_state one-22)"
curl -sk -X DELETE "https://127.0.0.1:$ESX_API_PORT/esxsim/fault" >/dev/null
run deploy "$VMS/22/deployment.0" esx1 22 esx1; keep
expect_ok "deploy once the fault is gone"

# usage errors: exit 2
run deploy "$VMS/22/deployment.0" esx1 22; keep
[ "$rc" = 2 ] && ok "wrong argument count: exit 2" || fail "rc $rc"
VMWARERC=$T/nonexistent run reboot one-21 esx1 21 esx1; keep
[ "$rc" = 2 ] && ok "missing vmwarerc: exit 2" || fail "rc $rc: $err"

printf '%s' "$allerr" | grep -qF -- "$pw" && fail "the password appeared in an error" || ok "the password never appeared"
for a in "$A"/*; do "$a" --help >/dev/null 2>&1 || fail "$(basename "$a") --help"; done
ok "every action answers --help"
expect_no_leak
esxsim_finish
