# Sourced by test/ssh/test-*.sh: a throw-away OpenSSH server on 127.0.0.1
# with its own host key, client key and known_hosts, for testing
# src/lib/ssh.c before (and besides) the simulated ESX.
#   sshd_start        sets SSHD_DIR SSHD_PORT SSHT_* (for helper-ssh), KH
#   sshd_stop         (registered on EXIT)
set -e
HELPER="$ESXMAD_BUILD/test/helper-ssh"
[ -x "$HELPER" ] || { echo "SKIP: $HELPER not built"; exit 77; }
command -v /usr/sbin/sshd >/dev/null || { echo "SKIP: no sshd"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for a throw-away sshd"; exit 77; }

free_port () {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

sshd_start () {
  SSHD_DIR=$(mktemp -d /tmp/esxmad-sshd.XXXXXX)
  mkdir -p /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_ed25519" >/dev/null
  ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/client" >/dev/null
  cp "$SSHD_DIR/client.pub" "$SSHD_DIR/authorized_keys"
  SSHD_PORT=$(free_port)
  cat > "$SSHD_DIR/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $SSHD_PORT
HostKey $SSHD_DIR/host_ed25519
AuthorizedKeysFile $SSHD_DIR/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin yes
StrictModes no
UsePAM no
PidFile $SSHD_DIR/sshd.pid
Subsystem sftp internal-sftp
MaxStartups 100
LogLevel ERROR
CFG
  /usr/sbin/sshd -D -e -f "$SSHD_DIR/sshd_config" 2>"$SSHD_DIR/sshd.log" &
  SSHD_PID=$!
  trap sshd_stop EXIT
  for i in $(seq 50); do
    ssh-keyscan -p "$SSHD_PORT" -t ed25519 127.0.0.1 > "$SSHD_DIR/known_hosts" 2>/dev/null && [ -s "$SSHD_DIR/known_hosts" ] && break
    sleep 0.1
  done
  [ -s "$SSHD_DIR/known_hosts" ] || { cat "$SSHD_DIR/sshd.log"; echo "sshd did not start"; exit 1; }
  KH="$SSHD_DIR/known_hosts"
  export SSHT_ADDR=127.0.0.1 SSHT_PORT=$SSHD_PORT SSHT_USER=root \
    SSHT_KEY="$SSHD_DIR/client" SSHT_KH="$KH" SSHT_TIMEOUT=20
}

sshd_stop () {
  [ -n "${SSHD_PID-}" ] && kill "$SSHD_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${SSHD_DIR-}" ] && rm -rf "$SSHD_DIR"
}
