# Helpers for the VMM action tests against the simulated ESX (test/esxsim).
#   . "$(dirname "$0")/lib.sh"      # starts the bed (or exits 77), writes vmwarerc
#   vmm_vm 5 [esx1]                 # disk + deployment file for VM 5
#   run deploy "$VMS/5/deployment.0" esx1 5 esx1    # -> $out, $err, $rc
#   expect_ok / expect_fail "text"  # on the last run
#   vm_state one-5                  # running | paused | shut off | missing (virsh)
#   api_stat LOGIN                  # a counter of /esxsim/stats (ESX)
# The bed's own helpers (esx_ssh, esx_virsh, ok, fail, esxsim_finish) come
# from test/esxsim/lib.sh.
set -u
ESXSIM_LIB=${ESXSIM_LIB:-$ESXMAD_SRC/test/esxsim/lib.sh}
[ -f "$ESXSIM_LIB" ] || { echo "SKIP: no simulated ESX ($ESXSIM_LIB)"; exit 77; }
. "$ESXSIM_LIB"
esxsim_need virsh curl
esxsim_start

# virsh's whole output first: a reader that quits early (grep -q) would
# kill virsh before it logs out, and count as a leaked session.
eval "bed_$(declare -f esx_virsh)"
esx_virsh () {
  local o r=0
  o=$(bed_esx_virsh "$@") || r=$?
  [ -n "$o" ] && printf '%s\n' "$o"
  return $r
}

A="$ESXMAD_BUILD/remotes/vmm/vmware"
T=$(mktemp -d)
VMS=$T/vms
export ESXMAD_VMS_DIR=$VMS VMWARERC=$T/vmwarerc
trap 'esxsim_stop; rm -rf "$T"' EXIT

# vmwarerc for the bed: esx1 standalone; host1/host2 through the vCenter
# "vc" (their libvirt URI is vpx://, the bed has no per-host endpoint).
vmm_rc () {
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
:shutdown_timeout: 20
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
}
vmm_rc
mkdir -p "$T/cache"

# vmm_vm VID [HOST] [METADATA]: the VM's first disk on system datastore 0
# (created over ssh as OpenNebula's TM would) and its deployment file.
vmm_vm () {
  local vid=$1 host=${2:-esx1} meta=${3:-}
  esx_ssh "$host" "mkdir -p /vmfs/volumes/0/$vid/disk.0 && vmkfstools -c 16M -d thin /vmfs/volumes/0/$vid/disk.0/disk.vmdk" >/dev/null
  mkdir -p "$VMS/$vid"
  printf "<domain type='vmware'>\n\t<name>one-%s</name>\n\t<vcpu>1</vcpu>\n\t<memory>262144</memory>\n\t<os>\n\t\t<type arch='i686'>hvm</type>\n\t</os>\n\t<devices>\n\t\t<disk type='file' device='disk'>\n\t\t\t<source file='[0] %s/disk.0/disk.vmdk'/>\n\t\t\t<target dev='sda'/>\n\t\t</disk>\n\t\t<interface type='bridge'>\n\t\t\t<source bridge='VM Network'/>\n\t\t\t<mac address='02:00:c0:a8:00:%02x'/>\n\t\t\t<model type='e1000'/>\n\t\t</interface>\n\t</devices>\n<devices><controller type='scsi' index='0' model='lsilogic'/></devices>%s\n</domain>\n" \
    "$vid" "$vid" "$((vid % 256))" "$meta" > "$VMS/$vid/deployment.0"
}

# run ACTION ARGS...: $out (stdout), $err (stderr), $rc
run () {
  local a=$1; shift
  out=$("$A/$a" "$@" 2>"$T/err") && rc=0 || rc=$?
  err=$(cat "$T/err")
}
# The text of the ERROR MESSAGE block of the last run.
errmsg () { printf '%s\n' "$err" | sed -n '/^ERROR MESSAGE --8<------$/{n;p;q}'; }
expect_ok () {
  if [ "$rc" = 0 ]; then ok "$*"; else fail "$* (exit $rc: $err)"; fi
}
expect_fail () { # expect_fail TEXT DESCRIPTION
  local m; m=$(errmsg)
  if [ "$rc" != 0 ] && [ -n "$m" ] && printf '%s' "$m" | grep -qF -- "$1"; then
    ok "$2"
  else
    fail "$2 (exit $rc, message '$m', wanted '$1'; stderr: $err)"
  fi
}

uri_of () { case $1 in esx1) echo "$ESX_URI" ;; host1) echo "$VPX_URI_HOST1" ;; host2) echo "$VPX_URI_HOST2" ;; esac; }
# vm_state NAME [HOST]: the domain's state as virsh sees it, or "missing"
vm_state () {
  local s
  s=$(esx_virsh "$(uri_of "${2:-esx1}")" domstate "$1" 2>/dev/null) || { echo missing; return; }
  echo "$s" | head -1
}
# api_stat KEY [PORT]: a counter of the bed's /esxsim/stats
api_stat () {
  curl -sk "https://127.0.0.1:${2:-$ESX_API_PORT}/esxsim/stats" | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}
# No libvirt session left open: every LOGIN has its LOGOUT, except the
# vSphere sessions esxmad caches on purpose (at most one per server).
expect_no_leak () {
  local port=${1:-$ESX_API_PORT} s
  s=$(api_stat SESSIONS "$port")
  if [ "$s" -le "$(ls "$T/cache" 2>/dev/null | wc -l)" ] && [ "$s" -le 1 ]; then
    ok "no session leaked (SESSIONS=$s)"
  else
    fail "sessions leaked: SESSIONS=$s LOGIN=$(api_stat LOGIN "$port") LOGOUT=$(api_stat LOGOUT "$port")"
  fi
}

# vmm_running VID [HOST]: a VM deployed and running (through esxmad's deploy)
vmm_running () {
  vmm_vm "$1" "${2:-esx1}"
  run deploy "$VMS/$1/deployment.0" "${2:-esx1}" "$1" "${2:-esx1}"
  [ "$rc" = 0 ] || { fail "setup: deploy one-$1: $err"; esxsim_finish; }
}
