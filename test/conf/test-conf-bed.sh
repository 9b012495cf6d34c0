#!/bin/bash
# vmwarerc against the simulated ESX: the file HELPERS.md describes (the
# shipped :libvirt_uri: plus per-host :address:/:api_port:) gives a
# libvirt URI that reaches the bed's ESX, with the bed's thumbprint and
# password file accepted; a bad host override fails to connect.
set -u
. "$ESXMAD_SRC/test/esxsim/lib.sh"
esxsim_need virsh
h="$ESXMAD_BUILD/test/helper-conf"
[ -x "$h" ] || { echo "missing $h"; exit 1; }
esxsim_start
d=$(mktemp -d)
trap 'rm -rf "$d"; esxsim_stop' EXIT

cat > "$d/vmwarerc" <<RC
:libvirt_uri: "'esx://@HOST@/?no_verify=1&auto_answer=1'"
:username: "$USERNAME"
:password_file: "$PASSWORD_FILE"
:datacenter: "ha-datacenter"
:ssh_user: "root"
:ssh_identity: "$SSH_KEY"
:ssh_known_hosts: "$KNOWN_HOSTS"
:tls_thumbprint: "$(echo "$ESX_THUMBPRINT" | tr A-F a-f)"
:hosts:
  esx1:
    :address: "127.0.0.1"
    :api_port: $ESX_API_PORT
    :ssh_port: $SSH_PORT_ESX
  wrong:
    :address: "127.0.0.1"
    :api_port: 1
RC
chmod 600 "$d/vmwarerc"

out=$("$h" "$d/vmwarerc" esx1 2>"$d/err")
echo "$out"
check "vmwarerc loads without warnings" test ! -s "$d/err"
eval "$(echo "$out" | grep -E '^[A-Z_]+=' | sed 's/=\(.*\)/="\1"/')"
check "uri authority replaced, query kept" \
  test "$LIBVIRT_URI" = "esx://127.0.0.1:$ESX_API_PORT/?no_verify=1&auto_answer=1"
check "thumbprint normalised to the bed's" test "$TLS_THUMBPRINT" = "$ESX_THUMBPRINT"
check "thumbprint turns verification on" test "$TLS_NO_VERIFY" = 0
check "password read from the file" test "$PASSWORD_LEN" = "$(head -n1 "$PASSWORD_FILE" | tr -d '\r\n' | wc -c)"
check "ssh port from the host entry" test "$SSH_PORT" = "$SSH_PORT_ESX"
check "virsh reaches the ESX with that uri" esx_virsh "$LIBVIRT_URI" hostname
check "it is the standalone ESX" test "$(esx_virsh "$LIBVIRT_URI" uri 2>/dev/null)" = "$LIBVIRT_URI"

out=$("$h" "$d/vmwarerc" wrong)
uri=$(echo "$out" | sed -n 's/^LIBVIRT_URI=//p')
check "override to a closed port gives that port" test "$uri" = "esx://127.0.0.1:1/?no_verify=1&auto_answer=1"
check "and libvirt fails to connect there" not esx_virsh "$uri" hostname

# A password in a group-readable vmwarerc: a warning that does not show it.
pw=$(head -n1 "$PASSWORD_FILE")
sed "s|^:password_file:.*|:password: \"$pw\"|" "$d/vmwarerc" > "$d/rc2"
chmod 644 "$d/rc2"
"$h" "$d/rc2" esx1 >/dev/null 2>"$d/err2"
check "warning for a readable password" grep -q "readable by group or others" "$d/err2"
check "the warning hides the password" not grep -qF "$pw" "$d/err2"
esxsim_finish
