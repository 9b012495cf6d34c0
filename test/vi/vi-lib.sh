# Shared by the vSphere API and monitoring tests (sourced, not run):
# starts the simulated ESX through its own lib, writes a vmwarerc for it,
# and reads the simulator's control endpoint.
#   . "$ESXMAD_SRC/test/vi/vi-lib.sh"
#   vi_start [--vms N]          # the bed, a vmwarerc in $VMWARERC, $WORK
#   sim_stat esx|vpx KEY        # a count from /esxsim/stats (0 if absent)
#   sim_ctl esx|vpx METHOD PATH # a control request
set -u
: "${ESXMAD_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${ESXMAD_BUILD:=$ESXMAD_SRC/build}"
esxsim_lib=${ESXSIM_LIB:-$ESXMAD_SRC/test/esxsim/lib.sh}
if [ ! -f "$esxsim_lib" ]; then
	echo "SKIP: the simulated ESX ($esxsim_lib) is not there"
	exit 77
fi
. "$esxsim_lib"

B=$ESXMAD_BUILD
PROBE=$B/remotes/im/vmware.d/vmware
POLL=$B/remotes/vmm/vmware/poll
HVI=$B/test/helper-vi
PARSE=$B/test/helper-oneparse

# write_rc FILE [THUMBPRINT_ESX] [EXTRA YAML LINE]
write_rc() {
	local f=$1 tp=${2-$ESX_THUMBPRINT} extra=${3:-}
	cat >"$f" <<EOF
:libvirt_uri: "'esx://@HOST@/?no_verify=1&auto_answer=1'"
:username: "$USERNAME"
:password_file: "$PASSWORD_FILE"
:datacenter: "ha-datacenter"
:cache_dir: "$WORK/cache"
$extra
:hosts:
  esx1:
    :address: "127.0.0.1"
    :api_port: $ESX_API_PORT
    :tls_thumbprint: "$tp"
  host1:
    :address: "127.0.0.1"
    :api_port: $VPX_API_PORT
    :tls_thumbprint: "$VPX_THUMBPRINT"
  host2:
    :address: "127.0.0.1"
    :api_port: $VPX_API_PORT
    :tls_thumbprint: "$VPX_THUMBPRINT"
EOF
	chmod 600 "$f"
}

vi_start() {
	esxsim_need
	esxsim_start "$@"
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"; esxsim_stop' EXIT
	export VMWARERC=$WORK/vmwarerc
	write_rc "$VMWARERC"
	unset ESXMAD_DEBUG ONE_MAD_DEBUG ESXMAD_VI_STATS
}

sim_port() { case $1 in esx) echo "$ESX_API_PORT" ;; vpx) echo "$VPX_API_PORT" ;; esac; }
sim_ctl() { curl -sk -X "$2" "https://127.0.0.1:$(sim_port "$1")$3"; }
sim_stat() {
	local v
	v=$(sim_ctl "$1" GET /esxsim/stats | awk -v k="$2" '$1 == k { print $2 }')
	echo "${v:-0}"
}
# The simulator's VMs: NAME MOREF HOST POWERSTATE VMXPATH
sim_vms() { sim_ctl "$1" GET /esxsim/vms; }

# check DESCRIPTION COMMAND...: ok/fail from the bed's lib
check() {
	local d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
