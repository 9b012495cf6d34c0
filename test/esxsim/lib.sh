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
	# One retry: a start that fails under load says why (on stderr), and
	# the second attempt shows whether it was passing.
	out=$("$ESXSIM_DIR/start" "$@") || {
		echo "# test bed start failed once; retrying" >&2
		sleep 1
		out=$("$ESXSIM_DIR/start" "$@") || { echo "FAIL: start"; exit 1; }
	}
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

# esx_soap URL BODY: one vSphere SOAP call with curl (cookie kept per URL in
# $ESXSIM_SOAP_COOKIES), to look at the API without any of the bed's own code.
# esx_soap_login URL logs in with USERNAME / PASSWORD_FILE.
esx_soap() {
	local jar=${ESXSIM_SOAP_COOKIES:-$RUN/soap-cookies}.$(echo "$1" | tr -c 'a-zA-Z0-9' _)
	curl -sk -b "$jar" -c "$jar" -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: "urn:vim25/6.5"' \
		--data-binary "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>$2</soapenv:Body></soapenv:Envelope>" "$1"
}
esx_soap_login() {
	local sm=ha-sessionmgr
	[ "$1" = "${VPX_URL:-}" ] && sm=SessionManager
	esx_soap "$1" "<Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">$sm</_this><userName>$USERNAME</userName><password>$(cat "$PASSWORD_FILE")</password></Login>"
}
# esx_soap_get URL TYPE MOREF PATH: RetrieveProperties of one property (raw XML)
esx_soap_get() {
	local pc=ha-property-collector
	[ "$1" = "${VPX_URL:-}" ] && pc=propertyCollector
	esx_soap "$1" "<RetrieveProperties xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$pc</_this><specSet><propSet><type>$2</type><pathSet>$4</pathSet></propSet><objectSet><obj type=\"$2\">$3</obj></objectSet></specSet></RetrieveProperties>"
}
