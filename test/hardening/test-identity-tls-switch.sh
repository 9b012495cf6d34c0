#!/bin/bash
# A man in the middle who lets esxmad's own certificate check reach the
# real host and takes over the connections after it.  Simulated by a
# TCP proxy that sends its first connection to the real ESX and every later
# one to another vSphere server (the bed's vCenter: a real API, another
# certificate).  libvirt cannot pin a certificate, so it would log in to
# whatever answers; esxmad gives it a loopback relay that checks the
# certificate on every connection it opens (src/lib/tlsrelay.h).
# The libvirt actions must fail with the thumbprint message and no login
# (no credentials) may reach the impostor.  Control: plain libvirt
# (no_verify=1, as the original driver ran it) through the same proxy does
# log in to the impostor.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/cancel vmm/shutdown
command -v python3 >/dev/null || esxsim_skip "no python3"
hard_start
hard_vm 5
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "setup: deploy one-5 (direct)"

cat > "$T/proxy.py" <<'PY'
import socket, sys, threading
real, fake, portfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0)); ls.listen(16)
open(portfile + ".tmp", "w").write(str(ls.getsockname()[1])); __import__("os").rename(portfile + ".tmp", portfile)
n = 0
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
while True:
    c, _ = ls.accept(); n += 1
    u = socket.create_connection(("127.0.0.1", real if n == 1 else fake))
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
PY
proxy_start () {
  rm -f "$T/pport"
  python3 "$T/proxy.py" "$ESX_API_PORT" "$VPX_API_PORT" "$T/pport" & PROXY=$!
  for _ in $(seq 50); do [ -s "$T/pport" ] && break; sleep 0.1; done
  PPORT=$(cat "$T/pport")
  # esx1 through the proxy, pinned to the real ESX's thumbprint
  hard_rc
  sed -i "/^:vcenter:/d; s/^    :api_port: $ESX_API_PORT\$/    :api_port: $PPORT/" "$VMWARERC"
}
proxy_stop () { kill "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null; }
trap 'proxy_stop; hard_cleanup' EXIT

for action in cancel shutdown; do
  proxy_start
  lv=$(api_stat LOGIN vpx)
  run vmm/$action one-5 esx1 5 esx1
  expect_clean_fail "$action, connections after the check taken over" "does not match"
  printf '%s' "$(errmsg)" | grep -q 'tls_thumbprint' && ok "$action: the message says to check :tls_thumbprint:" \
    || fail "$action: message: $(errmsg)"
  [ "$(api_stat LOGIN vpx)" = "$lv" ] && ok "$action: no login reached the impostor" \
    || fail "$action: the impostor got $(( $(api_stat LOGIN vpx) - lv )) login(s)"
  proxy_stop
done
[ "$(vm_state one-5)" = running ] && ok "one-5 untouched" || fail "one-5 is $(vm_state one-5)"

# control: a certificate check in a handshake of its own (as esxmad did
# before the relay), then libvirt with no_verify=1: it logs in to the impostor
proxy_start
lv=$(api_stat LOGIN vpx)
got=$(timeout 10 openssl s_client -connect "127.0.0.1:$PPORT" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha1 | sed 's/.*=//')
[ "$got" = "$ESX_THUMBPRINT" ] && ok "control: the first handshake sees the real ESX ($got)" \
  || fail "control: the first handshake saw '$got', not $ESX_THUMBPRINT"
esx_virsh "esx://127.0.0.1:$PPORT/?no_verify=1" list --all >/dev/null 2>&1
[ "$(api_stat LOGIN vpx)" -gt "$lv" ] && ok "control: virsh with no_verify=1 through the proxy logged in to the impostor" \
  || fail "control: the impostor saw no login from virsh (the proxy does not work as intended)"
proxy_stop

# The relay serves this process only: another process that connects to it
# (here while a deploy waits 6 s for its power-on) is dropped before any
# TLS is spoken.
hard_rc
hard_vm 8
api esx POST "/esxsim/fault?method=PowerOnVM_Task&kind=delay&ms=6000" >/dev/null
ESXMAD_DEBUG=1 "$(hard_prog vmm/deploy)" "$VMS/8/deployment.0" esx1 8 esx1 >"$T/out8" 2>"$T/dbg8" </dev/null &
dep=$!
rport=
for _ in $(seq 100); do
  rport=$(sed -n 's/.*tls relay: 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$T/dbg8" | head -1)
  [ -n "$rport" ] && break; sleep 0.1
done
if [ -n "$rport" ]; then
  sc=$(timeout 10 openssl s_client -connect "127.0.0.1:$rport" </dev/null 2>&1)
  if printf '%s' "$sc" | grep -q 'BEGIN CERTIFICATE'; then
    fail "another process got a TLS handshake from the relay on port $rport"
  else ok "another process is dropped by the relay (port $rport): $(printf '%s' "$sc" | grep -m1 -i 'error\|errno\|closed' | cut -c1-100)"; fi
else fail "no relay port in the deploy's debug log"; fi
wait "$dep" && rc=0 || rc=$?
api esx DELETE /esxsim/fault >/dev/null
[ "$rc" = 0 ] && [ "$(vm_state one-8)" = running ] && ok "the deploy itself went on (one-8 running)" \
  || fail "deploy: exit $rc, one-8 $(vm_state one-8): $(tail -3 "$T/dbg8")"
esxsim_finish
