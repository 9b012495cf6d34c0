# Shared helpers for esxmad's shell tests (source it from bash).
#
#   . "$ESXMAD_SRC/test/lib.sh"
#   esxmad_need_bed [TOOL...]   exit 77 (skip) unless root, the test bed and TOOLs are there
#   esxmad_bed_start [OPTS]     start the simulated ESX (test/esxsim/start), export its
#                               KEY=VALUE lines, stop it on EXIT (also on INT/TERM)
#   esxmad_vmwarerc FILE        a vmwarerc for the bed: esx1 (standalone ESX), host1 and
#                               host2 (in the vCenter "vcenter", cluster DC0_C0)
#   esxmad_install DIR          `make install ONE_LOCATION=DIR` from this checkout's build
#   esxmad_ssh HOST CMD...      run CMD in HOST's ESX shell (esx1, host1, host2)
#   esxmad_virsh URI ARGS...    virsh with the bed's credentials
#   esxmad_stats [esx|vpx]      the server's /esxsim/stats ("METHOD N", LOGIN, LOGOUT, SESSIONS)
#   esxmad_stat NAME [esx|vpx]  one number of the stats
#   esxmad_vms [esx|vpx]        /esxsim/vms: "name moref host powerstate path" per VM

ESXMAD_SRC=${ESXMAD_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
ESXMAD_BUILD=${ESXMAD_BUILD:-$ESXMAD_SRC/build}

esxmad_skip() { echo "SKIP: $*"; exit 77; }

esxmad_need_bed() {
	[ "$(id -u)" = 0 ] || esxmad_skip "needs root (the test bed uses chroot and namespaces)"
	[ -x "$ESXMAD_SRC/test/esxsim/start" ] || esxmad_skip "no test bed (test/esxsim/start)"
	local t
	for t in ssh ssh-keygen /usr/sbin/sshd unshare busybox go curl virsh "$@"; do
		command -v "$t" >/dev/null 2>&1 || esxmad_skip "missing $t"
	done
}

esxmad_bed_stop() {
	if [ -n "${STOP:-}" ] && [ -x "$STOP" ]; then "$STOP" >/dev/null 2>&1 || true; fi
	STOP=
}

esxmad_bed_start() {
	local out
	out=$("$ESXMAD_SRC/test/esxsim/start" "$@") || { echo "FAIL: test bed did not start"; exit 1; }
	eval "$out"
	export ESX_URI ESX_API_PORT ESX_THUMBPRINT VPX_URI_HOST1 VPX_URI_HOST2 VPX_API_PORT VPX_THUMBPRINT \
		SSH_PORT_ESX SSH_PORT_HOST1 SSH_PORT_HOST2 SSH_KEY KNOWN_HOSTS USERNAME PASSWORD_FILE \
		LIBVIRT_AUTH_FILE RUN ESX_ROOT VPX_ROOT STOP
	trap 'esxmad_bed_stop' EXIT
	trap 'esxmad_bed_stop; exit 130' INT
	trap 'esxmad_bed_stop; exit 143' TERM
}

esxmad_vmwarerc() {
	local dc=${VPX_DATACENTER:-DC0}
	cat >"$1" <<EOF
# vmwarerc for the simulated ESX (test bed $RUN)
:libvirt_uri: "'esx://@HOST@/?no_verify=1&auto_answer=1'"
:username: "$USERNAME"
:password_file: "$PASSWORD_FILE"
:datacenter: "$dc"
:vcenter: "vcenter"
:cluster: "DC0_C0"
:ssh_user: "root"
:ssh_identity: "$SSH_KEY"
:ssh_known_hosts: "$KNOWN_HOSTS"
:hosts:
  esx1:
    :address: "127.0.0.1"
    :api_port: $ESX_API_PORT
    :ssh_port: $SSH_PORT_ESX
    :tls_thumbprint: "$ESX_THUMBPRINT"
    :libvirt_uri: "esx://127.0.0.1:$ESX_API_PORT/?no_verify=1&auto_answer=1"
  host1:
    :address: "127.0.0.1"
    :api_port: $VPX_API_PORT
    :ssh_port: $SSH_PORT_HOST1
    :tls_thumbprint: "$VPX_THUMBPRINT"
    :libvirt_uri: "vpx://127.0.0.1:$VPX_API_PORT/$dc/DC0_C0/host1?no_verify=1&auto_answer=1"
  host2:
    :address: "127.0.0.1"
    :api_port: $VPX_API_PORT
    :ssh_port: $SSH_PORT_HOST2
    :tls_thumbprint: "$VPX_THUMBPRINT"
    :libvirt_uri: "vpx://127.0.0.1:$VPX_API_PORT/$dc/DC0_C0/host2?no_verify=1&auto_answer=1"
  vcenter:
    :address: "127.0.0.1"
    :api_port: $VPX_API_PORT
    :tls_thumbprint: "$VPX_THUMBPRINT"
EOF
	chmod 600 "$1"
}

# (with another build folder, e.g. build-asan, the install script make
# install runs, with the same arguments, so that nothing is rebuilt)
esxmad_install() {
	if [ "$ESXMAD_BUILD" -ef "$ESXMAD_SRC/build" ]; then
		make -s -C "$ESXMAD_SRC" install ONE_LOCATION="$1" >"$1.install.log" 2>&1
	else
		"$ESXMAD_SRC/scripts/install-tree" --build "$ESXMAD_BUILD" --destdir "" --remotes "$1/var/remotes" \
			--etc "$1/etc" --bindir "$1/bin" --mandir "$1/share/man" >"$1.install.log" 2>&1
	fi || { echo "make install ONE_LOCATION=$1 failed:"; tail -20 "$1.install.log"; return 1; }
}

_esxmad_port() {
	case $1 in
	esx1|esx) echo "$SSH_PORT_ESX" ;;
	host1) echo "$SSH_PORT_HOST1" ;;
	host2) echo "$SSH_PORT_HOST2" ;;
	*) echo "unknown host $1" >&2; return 1 ;;
	esac
}

esxmad_ssh() {
	local h=$1; shift
	ssh -i "$SSH_KEY" -o UserKnownHostsFile="$KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
		-o BatchMode=yes -o LogLevel=ERROR -p "$(_esxmad_port "$h")" root@127.0.0.1 "$@" </dev/null
}

esxmad_virsh() {
	local uri=$1; shift
	LIBVIRT_LOG_OUTPUTS=${LIBVIRT_LOG_OUTPUTS:-1:file:/dev/null} virsh -q -c "$uri" "$@" </dev/null
}

_esxmad_api() { # esx|vpx PATH [curl args]
	local port=$ESX_API_PORT
	[ "$1" = vpx ] && port=$VPX_API_PORT
	curl -sfk "${@:3}" "https://127.0.0.1:$port$2"
}
esxmad_stats() { _esxmad_api "${1:-esx}" /esxsim/stats; }
esxmad_stat() { esxmad_stats "${2:-esx}" | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }
esxmad_vms() { _esxmad_api "${1:-esx}" /esxsim/vms; }
