# Helpers for the hardening tests (test/hardening/test-*.sh), on top of the
# test bed's own (test/esxsim/lib.sh: ok, fail, esx_ssh, esx_virsh,
# esxsim_finish).  Source it from bash:
#
#   . "$(dirname "$0")/lib.sh"
#   hard_need vmm/deploy tm/clone     # exit 77 naming what has not landed yet
#   hard_start                        # bed + vmwarerc ($VMWARERC) + $T, stop on EXIT
#   hard_vm 5                         # disk + deployment file of VM 5 on esx1
#   run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1   # -> $out $err $rc $secs
#   expect_clean_fail "what"          # non-zero, one-line ERROR MESSAGE, no stdout
#   hard_payloads                     # hostile values in P[], canary token $TOK
#   expect_no_canary "what"           # no injected command ran (ESX roots, FE)
#   hard_tree_snap; ...; expect_no_escape "what"   # nothing new outside the datastores
set -u
ESXMAD_SRC=${ESXMAD_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
ESXMAD_BUILD=${ESXMAD_BUILD:-$ESXMAD_SRC/build}
ESXSIM_LIB=$ESXMAD_SRC/test/esxsim/lib.sh
[ -f "$ESXSIM_LIB" ] || { echo "SKIP: no simulated ESX ($ESXSIM_LIB)"; exit 77; }
. "$ESXSIM_LIB"
R=$ESXMAD_BUILD/remotes

# hard_prog GROUP/ACTION -> path of the installed program
hard_prog () {
  local g=${1%%/*} a=${1#*/}
  case $g in
  vmm) echo "$R/vmm/vmware/$a" ;;
  im) echo "$R/im/vmware.d/$a" ;;
  tm) echo "$R/tm/vmware/$a" ;;
  datastore) echo "$R/datastore/vmware/$a" ;;
  vnm) echo "$R/vnm/vmware/$a" ;;
  *) echo "$ESXMAD_BUILD/bin/$a" ;;
  esac
}
# hard_need PROG...: skip unless every program has been built
hard_need () {
  local p missing=
  for p in "$@"; do
    [ -x "$(hard_prog "$p")" ] || missing="$missing $p"
  done
  [ -z "$missing" ] || esxsim_skip "program(s) not landed yet:$missing (no $(hard_prog "${missing# }" | sed 's/ .*//'))"
}
# hard_have PROG: true when built (for parts of a test)
hard_have () { [ -x "$(hard_prog "$1")" ]; }

# hard_rc [EXTRA YAML LINES]: the vmwarerc for the bed (esx1 standalone,
# host1/host2 through the vCenter "vc").
hard_rc () {
  cat > "$VMWARERC" <<RC
:libvirt_uri: "'esx://@HOST@/?no_verify=1&auto_answer=1'"
:username: "$USERNAME"
:password_file: "$PASSWORD_FILE"
:datacenter: "DC0"
:cluster: "DC0_C0"
:vcenter: "vc"
:ssh_user: "root"
:ssh_identity: "$SSH_KEY"
:ssh_known_hosts: "$KNOWN_HOSTS"
:tls_thumbprint: "$ESX_THUMBPRINT"
:cache_dir: "$T/cache"
:shutdown_timeout: 10
:timeout: ${HARD_TIMEOUT:-10}
${1:-}
:hosts:
  esx1:
    :address: "127.0.0.1"
    :api_port: $ESX_API_PORT
    :ssh_port: $SSH_PORT_ESX
  vc:
    :address: "127.0.0.1"
    :api_port: $VPX_API_PORT
    :tls_thumbprint: "$VPX_THUMBPRINT"
  host1:
    :address: "127.0.0.1"
    :api_port: $VPX_API_PORT
    :ssh_port: $SSH_PORT_HOST1
    :tls_thumbprint: "$VPX_THUMBPRINT"
    :libvirt_uri: "${VPX_URI_HOST1%%\?*}?no_verify=1"
  host2:
    :address: "127.0.0.1"
    :api_port: $VPX_API_PORT
    :ssh_port: $SSH_PORT_HOST2
    :tls_thumbprint: "$VPX_THUMBPRINT"
    :libvirt_uri: "${VPX_URI_HOST2%%\?*}?no_verify=1"
RC
  chmod 600 "$VMWARERC"
}

hard_cleanup () { esxsim_stop >/dev/null 2>&1; rm -rf "$T"; }
hard_start () {
  esxsim_need virsh curl
  esxsim_start "$@"
  T=$(mktemp -d /tmp/esxmad-hard.XXXXXX)
  VMS=$T/vms
  export ESXMAD_VMS_DIR=$VMS VMWARERC=$T/vmwarerc LIBVIRT_AUTH_FILE
  export LIBVIRT_LOG_OUTPUTS=${LIBVIRT_LOG_OUTPUTS:-1:file:/dev/null}
  trap 'hard_cleanup' EXIT
  mkdir -p "$T/cache" "$VMS"
  chmod 700 "$T/cache"
  hard_rc
}

# hard_vm VID [HOST] [METADATA] [DISK_SOURCE]: the VM's disk on system
# datastore 0 (made over ssh, as the TM would) and its deployment file.
hard_vm () {
  local vid=$1 host=${2:-esx1} meta=${3:-} src=${4:-"[0] $1/disk.0/disk.vmdk"}
  esx_ssh "$host" "mkdir -p /vmfs/volumes/0/$vid/disk.0 && vmkfstools -c 16M -d thin /vmfs/volumes/0/$vid/disk.0/disk.vmdk" >/dev/null
  mkdir -p "$VMS/$vid"
  hard_dfile "one-$vid" "$src" "$meta" > "$VMS/$vid/deployment.0"
}
# hard_dfile NAME SOURCE [METADATA] [BRIDGE] [MAC]: a deployment file on stdout
hard_dfile () {
  printf "<domain type='vmware'>\n\t<name>%s</name>\n\t<vcpu>1</vcpu>\n\t<memory>262144</memory>\n\t<os>\n\t\t<type arch='i686'>hvm</type>\n\t</os>\n\t<devices>\n\t\t<disk type='file' device='disk'>\n\t\t\t<source file='%s'/>\n\t\t\t<target dev='sda'/>\n\t\t</disk>\n\t\t<interface type='bridge'>\n\t\t\t<source bridge='%s'/>\n\t\t\t<mac address='%s'/>\n\t\t\t<model type='e1000'/>\n\t\t</interface>\n\t</devices>\n<devices><controller type='scsi' index='0' model='lsilogic'/></devices>%s\n</domain>\n" \
    "$1" "$2" "${4:-VM Network}" "${5:-02:00:c0:a8:00:05}" "${3:-}"
}

# run PROG ARGS...: $out (stdout), $err (stderr), $rc, $secs (wall time)
# expect_within SECS DESC: the last run took at most SECS (a generous
# bound against hangs, not a timing assertion; the time is printed)
run () {
  local p t0
  p=$(hard_prog "$1"); shift
  t0=$(date +%s.%N)
  # (bounded: a program that hangs is killed after HARD_RUN_LIMIT s, exit 124)
  out=$(timeout -k 5 "${HARD_RUN_LIMIT:-300}" "$p" "$@" 2>"$T/err" </dev/null) && rc=0 || rc=$?
  secs=$(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  err=$(cat "$T/err")
}
expect_within () {
  if awk -v s="$secs" -v m="$1" 'BEGIN { exit !(s <= m) }'; then ok "$2: ended after ${secs}s (bound $1 s)"
  else fail "$2: took ${secs}s, more than $1 s (exit $rc)"; fi
}
# hard_free_port: a TCP port nothing listens on
hard_free_port () { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The text of the (first) ERROR MESSAGE block of the last run.
errmsg () { printf '%s\n' "$err" | sed -n '/^ERROR MESSAGE --8<------$/{n;p;q}'; }
# Lines between the block's markers (must be exactly 1).
errlines () {
  printf '%s\n' "$err" | awk '/^ERROR MESSAGE --8<------$/ { f = 1; next }
    /^ERROR MESSAGE ------>8--$/ { f = 0; exit } f { n++ } END { print n + 0 }'
}
expect_ok () {
  if [ "$rc" = 0 ]; then ok "$* (${secs}s)"; else fail "$* (exit $rc: $(errmsg | cut -c1-300))"; fi
}
# expect_clean_fail DESC [TEXT]: failed (non-zero), one ERROR MESSAGE block
# with one non-empty line (containing TEXT if given), nothing on stdout.
expect_clean_fail () {
  local d=$1 want=${2:-} m n
  m=$(errmsg); n=$(errlines)
  if [ "$rc" != 0 ] && [ "$n" = 1 ] && [ -n "$m" ] && [ -z "$out" ] \
     && { [ -z "$want" ] || printf '%s' "$m" | grep -qF -- "$want"; }; then
    ok "$d: exit $rc, ${secs}s: $(printf '%s' "$m" | cut -c1-160)"
  else
    fail "$d: exit $rc, block lines $n, stdout '$(printf '%s' "$out" | cut -c1-80)', message '$(printf '%s' "$m" | cut -c1-300)'${want:+ (wanted '$want')}; stderr: $(printf '%s' "$err" | tail -5 | cut -c1-300)"
  fi
}

# hard_payloads: hostile values in P[0..], each an attempt to create the
# file CANARY_$TOK_<n> (on the ESX in /vmfs/volumes/0 and /tmp, or on the
# front-end in /tmp).  PN[i] names each for messages.
hard_payloads () {
  TOK=$$$RANDOM
  local c=CANARY_$TOK
  P=() PN=()
  P+=("x'; touch /vmfs/volumes/0/${c}_1 /tmp/${c}_1; '"); PN+=("single-quote break-out")
  P+=("\$(touch /vmfs/volumes/0/${c}_2 /tmp/${c}_2)"); PN+=("\$(...)")
  P+=("\`touch /vmfs/volumes/0/${c}_3 /tmp/${c}_3\`"); PN+=("backticks")
  P+=("x
touch /vmfs/volumes/0/${c}_4 /tmp/${c}_4"); PN+=("newline")
  P+=("x\"; touch /vmfs/volumes/0/${c}_5 /tmp/${c}_5; \""); PN+=("double-quote break-out")
  P+=("x;touch /vmfs/volumes/0/${c}_6 /tmp/${c}_6|touch /tmp/${c}_6&&touch /tmp/${c}_6"); PN+=("; | &&")
  P+=("../../../../../tmp/${c}_7"); PN+=("../ traversal")
  P+=("/tmp/${c}_8"); PN+=("absolute path")
  P+=("$(head -c 6000 /dev/zero | tr '\0' a)"); PN+=("6000 characters")
  P+=("é漢字-$(printf '\377\376')-ü"); PN+=("non-ASCII, invalid UTF-8")
  P+=(""); PN+=("empty")
  P+=("x%s%n%d\\\\ \${IFS}*?[a]"); PN+=("format and glob characters")
}
# expect_no_canary DESC: no file CANARY_$TOK_* where a successful injection
# would put it: the datastores and /tmp of every simulated host, the
# front-end's /tmp, /, the test folder and the current folder.
expect_no_canary () {
  local found
  found=$( { for r in "$ESX_ROOT" "$VPX_ROOT"; do
      ls -d "$r"/vmfs/volumes/*/CANARY_"$TOK"_* "$r"/vmfs/volumes/CANARY_"$TOK"_* \
        "$r"/tmp/CANARY_"$TOK"_* "$r"/CANARY_"$TOK"_* "$r"/var/tmp/CANARY_"$TOK"_*
    done
    ls -d /tmp/CANARY_"$TOK"_* /CANARY_"$TOK"_* "$T"/CANARY_"$TOK"_* ./CANARY_"$TOK"_* ; } 2>/dev/null)
  if [ -z "$found" ]; then ok "$1: no injected command ran"; else fail "$1: canary created: $found"; fi
}

# hard_tree_snap / expect_no_escape DESC: nothing new in the hosts' roots
# outside /vmfs/volumes/<uuid>/, and no new top-level folder of a datastore
# other than those allowed (extended regexp on the path under the root).
_tree () {
  for r in "$ESX_ROOT" "$VPX_ROOT"; do
    (cd "$r" && find . -xdev 2>/dev/null | sed "s|^\.|${r##*/}|")
  done | sort
}
hard_tree_snap () { _tree > "$T/tree.before"; }
expect_no_escape () {
  local allow=${2:-'^(esx|vpx)/vmfs/volumes/[^/]+/[0-9]+(/|$)'} new bad
  _tree > "$T/tree.after"
  new=$(comm -13 "$T/tree.before" "$T/tree.after")
  bad=$(printf '%s\n' "$new" | grep -v '^$' | grep -Ev "$allow")
  if [ -z "$bad" ]; then ok "$1: nothing created outside the VM folders"; else
    fail "$1: created outside: $(printf '%s' "$bad" | head -5 | tr '\n' ' ')"; fi
}

# The bed's API stats and fault knobs.
api () { # esx|vpx METHOD PATH
  local port=$ESX_API_PORT
  [ "$1" = vpx ] && port=$VPX_API_PORT
  curl -sk -X "$2" "https://127.0.0.1:$port$3"
}
api_stat () { api "${2:-esx}" GET /esxsim/stats | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }
uri_of () { case $1 in esx1) echo "$ESX_URI" ;; host1) echo "$VPX_URI_HOST1" ;; host2) echo "$VPX_URI_HOST2" ;; esac; }
# vm_state NAME [HOST]: running | paused | shut off | missing
vm_state () {
  local s
  s=$(esx_virsh "$(uri_of "${2:-esx1}")" domstate "$1" 2>/dev/null) || { echo missing; return; }
  echo "$s" | head -1
}

# hard_ssh_identity unknown|changed: the SSH programs (tm/mkimage,
# tm/clone, vnm/pre, vmm/deploy with DATA_VMX) against esx1 with a
# known_hosts file that lacks esx1's key, or holds another key for it: each
# refuses before logging in, says what to check, and changes nothing; with
# the real known_hosts they work (control).
hard_ssh_identity () {
  local mode=$1 kh
  hard_need vmm/deploy tm/mkimage
  hard_start
  kh=$T/known_hosts
  if [ "$mode" = unknown ]; then
    grep -v "^\[127.0.0.1\]:$SSH_PORT_ESX " "$KNOWN_HOSTS" > "$kh"
    want="unknown host key"
  else
    ssh-keygen -q -t ed25519 -N '' -f "$T/otherkey" >/dev/null
    grep -v "^\[127.0.0.1\]:$SSH_PORT_ESX " "$KNOWN_HOSTS" > "$kh"
    echo "[127.0.0.1]:$SSH_PORT_ESX $(cut -d' ' -f1,2 "$T/otherkey.pub")" >> "$kh"
    want="CHANGED"
  fi
  hard_rc
  sed -i "s|^:ssh_known_hosts: .*|:ssh_known_hosts: \"$kh\"|" "$VMWARERC"
  esx_ssh esx1 'mkdir -p /vmfs/volumes/1/img && vmkfstools -c 8M -d thin /vmfs/volumes/1/img/disk.vmdk' >/dev/null
  hard_vm 5 esx1 "<metadata><datavmx>foo.bar = \"1\"</datavmx></metadata>"
  hard_tree_snap
  local sessions
  sessions=$(grep -c 'Accepted publickey' "$RUN"/logs/sshd-esx1* 2>/dev/null | awk -F: '{ s += $NF } END { print s + 0 }')
  check_refused () {
    expect_clean_fail "$1: refused" "$want"
    printf '%s' "$(errmsg)" | grep -q "$kh" && ok "$1: names the known_hosts file to check" \
      || fail "$1: known_hosts file not named: $(errmsg | cut -c1-300)"
  }
  run tm/mkimage 8 vmdk_thin esx1:/vmfs/volumes/0/5/disk.1 5 0;             check_refused "tm/mkimage"
  hard_have tm/clone && { run tm/clone fe:/vmfs/volumes/1/img esx1:/vmfs/volumes/0/5/disk.2 5 1; check_refused "tm/clone"; }
  if hard_have vnm/pre; then
    local b
    b=$(printf '<VM><ID>5</ID><TEMPLATE><NIC><NIC_ID>0</NIC_ID><MAC>02:00:00:00:07:05</MAC><NETWORK_ID>7</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE><VLAN>NO</VLAN></NIC></TEMPLATE><HISTORY_RECORDS><HISTORY><HOSTNAME>esx1</HOSTNAME></HISTORY></HISTORY_RECORDS></VM>' | base64 -w0)
    run vnm/pre "$b"; check_refused "vnm/pre"
  fi
  run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1;                          check_refused "vmm/deploy with DATA_VMX"
  [ "$(vm_state one-5)" = missing ] && ok "deploy left nothing defined" || fail "one-5 is $(vm_state one-5)"
  # (libvirt's define wrote one-5.vmx into the VM's folder before the .vmx
  # edit was refused; undefine, like ESX's UnregisterVM, keeps the files)
  expect_no_escape "refused ssh"
  [ ! -e "$ESX_ROOT/vmfs/volumes/0/5/disk.1" ] && [ ! -e "$ESX_ROOT/vmfs/volumes/0/5/disk.2" ] \
    && ok "no disk made" || fail "a disk was made: $(ls "$ESX_ROOT/vmfs/volumes/0/5")"
  local after
  after=$(grep -c 'Accepted publickey' "$RUN"/logs/sshd-esx1* 2>/dev/null | awk -F: '{ s += $NF } END { print s + 0 }')
  [ "$after" = "$sessions" ] && ok "no ssh login to esx1 ($after before and after)" || fail "ssh logins $sessions -> $after"

  hard_rc
  run tm/mkimage 8 vmdk_thin esx1:/vmfs/volumes/0/5/disk.1 5 0
  expect_ok "right known_hosts: tm/mkimage works"
  run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
  expect_ok "right known_hosts: deploy with DATA_VMX works"
}
