# Helpers for test scripts that use the simulated ESX bed. Source it from bash:
#   . "$(dirname "$0")/lib.sh"
#   esxsim_need virsh qemu-img      # exit 77 unless root and the tools exist
#   esxsim_start [start options]    # eval start's output, stop on EXIT
#   esx_ssh esx1 'vim-cmd vmsvc/getallvms'
#   esx_virsh "$ESX_URI" list --all
# Test results: ok/fail print one line each; esxsim_finish prints
# "N passed, N failed" and exits 0 or 1.

ESXSIM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
esxsim_passed=0
esxsim_failed=0

esxsim_skip() { echo "SKIP: $*"; exit 77; }

esxsim_need() {
	[ "$(id -u)" = 0 ] || esxsim_skip "needs root"
	local t
	for t in ssh ssh-keygen /usr/sbin/sshd unshare busybox go "$@"; do
		command -v "$t" >/dev/null 2>&1 || esxsim_skip "missing $t"
	done
	[ -d /usr/share/gocode/src/github.com/vmware/govmomi ] || esxsim_skip "missing golang-github-vmware-govmomi-dev"
}

esxsim_start() {
	local out
	out=$("$ESXSIM_DIR/start" "$@") || { echo "FAIL: start"; exit 1; }
	eval "$out"
	export LIBVIRT_AUTH_FILE
	trap 'esxsim_stop' EXIT
}

esxsim_stop() {
	[ -n "${STOP:-}" ] && [ -x "$STOP" ] && "$STOP"
	STOP=
}

# esx_ssh HOST CMD... ; HOST = esx1 | host1 | host2
esx_port() {
	case $1 in
	esx1|esx) echo "$SSH_PORT_ESX" ;;
	host1) echo "$SSH_PORT_HOST1" ;;
	host2) echo "$SSH_PORT_HOST2" ;;
	*) echo "unknown host $1" >&2; return 1 ;;
	esac
}
esx_ssh_opts() {
	echo "-i $SSH_KEY -o UserKnownHostsFile=$KNOWN_HOSTS -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR"
}
esx_ssh() {
	local h=$1; shift
	ssh $(esx_ssh_opts) -p "$(esx_port "$h")" root@127.0.0.1 "$@"
}
esx_virsh() {
	local uri=$1; shift
	LIBVIRT_AUTH_FILE=$LIBVIRT_AUTH_FILE LIBVIRT_LOG_OUTPUTS=${LIBVIRT_LOG_OUTPUTS:-1:file:/dev/null} virsh -q -c "$uri" "$@" </dev/null
}

ok() { esxsim_passed=$((esxsim_passed + 1)); echo "ok - $*"; }
fail() { esxsim_failed=$((esxsim_failed + 1)); echo "FAIL - $*"; }
# check DESCRIPTION CMD...: ok if CMD succeeds
check() {
	local d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
not() { ! "$@"; }
esxsim_finish() {
	echo "$esxsim_passed passed, $esxsim_failed failed"
	[ "$esxsim_failed" = 0 ]
	exit $?
}
