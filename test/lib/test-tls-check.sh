#!/bin/bash
# esxmad's own TLS checks (thumbprint pinning, CA file) against a local
# openssl s_server: a match passes, a mismatch, an untrusted CA and a
# certificate for another name fail with a clear message.
set -eu
command -v openssl >/dev/null || exit 77
h="$ESXMAD_BUILD/test/helper-tls"
d=$(mktemp -d); pid=
cleanup () { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT

mkcert () { # name san
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
    -addext "subjectAltName=$2" -keyout "$d/$1.key" -out "$d/$1.crt" 2>/dev/null
}
mkcert good "IP:127.0.0.1"
mkcert other "DNS:elsewhere.example"
mkcert unrelated "IP:127.0.0.1"

serve () { # cert -> sets port
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  for port in $(shuf -i 20000-60000 -n 20); do
    openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$d/$1.crt" -key "$d/$1.key" -www \
      </dev/null >/dev/null 2>"$d/server.err" &
    pid=$!
    for _ in $(seq 50); do
      # Ours must be the listener (the port may belong to someone else).
      if ss -Hltnp "sport = :$port" 2>/dev/null | grep -q "pid=$pid,"; then return 0; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  done
  echo "cannot start s_server"; exit 1
}

serve good
want=$(openssl x509 -in "$d/good.crt" -noout -fingerprint -sha1 | sed 's/.*=//')
got=$("$h" 127.0.0.1 "$port" sha1)
[ "$got" = "$want" ] || { echo "sha1: got $got want $want"; exit 1; }

# pinned thumbprint, any case and separators
"$h" 127.0.0.1 "$port" thumbprint "$want"
"$h" 127.0.0.1 "$port" thumbprint "$(echo "$want" | tr -d : | tr A-F a-f)"

# mismatch
bad=$(openssl x509 -in "$d/other.crt" -noout -fingerprint -sha1 | sed 's/.*=//')
if "$h" 127.0.0.1 "$port" thumbprint "$bad" 2>"$d/err"; then echo "mismatch accepted"; exit 1; fi
grep -q "does not match the configured '$bad'" "$d/err"
# malformed thumbprint
if "$h" 127.0.0.1 "$port" thumbprint "12:34" 2>"$d/err"; then exit 1; fi
grep -q "not a SHA1 thumbprint" "$d/err"

# CA file: the self-signed certificate is its own CA
"$h" 127.0.0.1 "$port" ca "$d/good.crt"
if "$h" 127.0.0.1 "$port" ca "$d/unrelated.crt" 2>"$d/err"; then echo "untrusted accepted"; exit 1; fi
grep -q "certificate not trusted by" "$d/err"

# the right CA but a certificate for another name
serve other
if "$h" 127.0.0.1 "$port" ca "$d/other.crt" 2>"$d/err"; then echo "wrong name accepted"; exit 1; fi
grep -q "certificate not trusted by" "$d/err"

# nobody listening
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
if "$h" 127.0.0.1 "$port" sha1 2>"$d/err"; then exit 1; fi
grep -q "connect: Connection refused" "$d/err"
echo ok
