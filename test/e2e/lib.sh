# End-to-end helpers: an installed esxmad driven by the oned harness
# (test/oned) against the simulated ESX (test/esxsim).  Source from bash
# after setting nothing; call e2e_setup first.
#
# Output: one line per step and per check.  With E2E_VERBOSE=1 (make demo)
# each step also shows the programs the driver layer ran (argv, exit,
# time), their log lines, and the protocol lines oned received.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$E2E_DIR/../lib.sh"
. "$E2E_DIR/../oned/lib.sh"

e2e_pass=0 e2e_fail=0 e2e_wait=0
e2e_waiting=()
E2E_VERBOSE=${E2E_VERBOSE:-0}
if [ -t 1 ] && [ "$E2E_VERBOSE" = 1 ]; then
	_B=$'\e[1m' _G=$'\e[32m' _R=$'\e[31m' _Y=$'\e[33m' _D=$'\e[2m' _N=$'\e[0m'
else
	_B= _G= _R= _Y= _D= _N=
fi

ok() { e2e_pass=$((e2e_pass + 1)); echo "  ${_G}ok${_N}   $*"; }
fail() { e2e_fail=$((e2e_fail + 1)); echo "  ${_R}FAIL${_N} $*"; }
# check DESCRIPTION CMD...: CMD must succeed (its output goes to the log)
check() {
	local d=$1; shift
	if "$@" >>"$E2E_LOG" 2>&1; then ok "$d"; else fail "$d"; fi
}
waiting() { # waiting WHAT WHO
	e2e_wait=$((e2e_wait + 1)); e2e_waiting+=("$1 ($2)")
	echo "  ${_Y}WAIT${_N} $1: not landed yet ($2)"
}

# e2e_setup NAME: bed, install into a temp ONE_LOCATION, vmwarerc, harness
e2e_setup() {
	esxmad_need_bed qemu-img pkg-config
	pkg-config --exists expat || esxmad_skip "no expat"
	[ -d "$ESXMAD_BUILD" ] || esxmad_skip "nothing built in $ESXMAD_BUILD (run make)"
	if [ -n "${E2E_WORKDIR:-}" ]; then
		E2E_T=$E2E_WORKDIR; rm -rf "$E2E_T"; mkdir -p "$E2E_T"
	else
		E2E_T=$(mktemp -d "/tmp/esxmad-$1.XXXXXX")
	fi
	E2E_LOG=$E2E_T/log
	: >"$E2E_LOG"
	oned_build || { echo "FAIL: cannot build the oned harness"; exit 1; }
	export ONE_LOCATION=$E2E_T/one
	e2e_install "$ONE_LOCATION" || exit 1
	local t0=$(date +%s.%N)
	esxmad_bed_start
	echo "$STOP" >"$E2E_T/bed.stop"     # for test/demo, should this script be killed
	trap 'e2e_teardown' EXIT
	trap 'e2e_teardown; exit 130' INT
	trap 'e2e_teardown; exit 143' TERM
	e2e_note "simulated ESX started in $(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')s (run folder $RUN)"
	esxmad_vmwarerc "$ONE_LOCATION/etc/vmwarerc"
	export ONED_SECRET_FILE=$PASSWORD_FILE
	export ONED_HOSTNAME=frontend
	# esxmad's attach_disk/detach_disk/reset use the vSphere API from the
	# front-end: they are local actions (oned.conf: VM_MAD arguments -l ...)
	export ONED_VMM_LOCAL=${E2E_VMM_LOCAL:-deploy,shutdown,reboot,cancel,save,restore,migrate,poll,pre,post,clean,snapshotcreate,snapshotrevert,snapshotdelete,attach_nic,detach_nic,attach_disk,detach_disk,reset}
	mkdir -p "$ONE_LOCATION/var/vms"
	e2e_note "VMM actions run on the front-end (one_vmm_exec -l): $ONED_VMM_LOCAL"
	e2e_note "(OpenNebula 4.4's one_vmm_sh list lacks attach_disk, detach_disk and reset: oned.conf must pass -l with them)"
}

e2e_teardown() {
	[ -n "${e2e_torn_down:-}" ] && return 0
	e2e_torn_down=1
	esxmad_bed_stop
	if [ "${E2E_KEEP:-0}" = 1 ] || [ "$e2e_fail" != 0 ]; then
		echo "  (files kept in $E2E_T: log, one/var/vms/<vid>/ deployment and transfer files)"
	else
		rm -rf "$E2E_T"
	fi
}

e2e_note() { [ "$E2E_VERBOSE" = 1 ] && echo "  ${_D}$*${_N}"; return 0; }

# e2e_install DIR: `make install ONE_LOCATION=DIR`, or, while the install
# script has not landed, the same self-contained layout by hand.
e2e_install() {
	local d=$1
	if [ -x "$ESXMAD_SRC/scripts/install-tree" ]; then
		esxmad_install "$d" || return 1
	else
		echo "  note: scripts/install-tree has not landed: copying $ESXMAD_BUILD/remotes by hand"
		mkdir -p "$d/var/remotes" "$d/etc" "$d/bin"
		cp -a "$ESXMAD_BUILD/remotes/." "$d/var/remotes/"
		[ -d "$d/var/remotes/tm/vmware" ] && cp -a "$d/var/remotes/tm/vmware" "$d/var/remotes/tm/vmfs"
		[ -d "$d/var/remotes/datastore/vmware" ] && cp -a "$d/var/remotes/datastore/vmware" "$d/var/remotes/datastore/vmfs"
	fi
	mkdir -p "$d/var/remotes/tm/vmfs" "$d/var/remotes/datastore/vmfs" "$d/var/remotes/vmm/vmware" \
		"$d/var/remotes/im/vmware.d" "$d/var/remotes/vnm/vmware" "$d/etc"
}

# have GROUP/PROG...: every program is installed
have() {
	local p
	for p in "$@"; do [ -x "$ONE_LOCATION/var/remotes/$p" ] || return 1; done
}

# step TITLE EXPECT oned-args...   EXPECT = SUCCESS | FAILURE
# Runs the harness; the step passes when the reply oned receives has
# EXPECT and nothing would break oned's parser.  Sets $REPLY_LINE (the
# last protocol line), $REPLY_INFO (its info), $STEP_OUT (all stdout).
step() {
	local title=$1 want=$2; shift 2
	local out=$E2E_T/step.out err=$E2E_T/step.err
	local t0=$(date +%s.%N)
	"$ONED" --trace "$@" >"$out" 2>"$err"
	local rc=$?
	local secs=$(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e-s}')
	{ echo "=== $title: oned $*"; cat "$err" "$out"; } >>"$E2E_LOG"
	STEP_OUT=$(cat "$out")
	REPLY_LINE=$(grep -v '^LOG \|^# ' "$out" | tail -n 1)
	REPLY_INFO=$(echo "$REPLY_LINE" | cut -d' ' -f4-)
	local got=$(echo "$REPLY_LINE" | cut -d' ' -f2)
	if [ "$E2E_VERBOSE" = 1 ]; then
		echo "${_B}> $title${_N}  ${_D}(${secs}s)${_N}"
		sed -n 's/^    \$ /      run: /p; s/^      exit \(.*\)/           exit \1/p; s/^  oned -> /      oned -> /p; s/^ONED PROTOCOL VIOLATION/      PROTOCOL VIOLATION/p' "$err" \
			| sed "s|$ONE_LOCATION|\$ONE_LOCATION|g" | _cut 200
		grep -v '^# ' "$out" | sed 's/^/      oned <- /' | _cut 160
		grep '^# ' "$out" | sed 's/^# /      decoded: /' | _cut 160
	fi
	if [ "$rc" = 3 ]; then
		fail "$title: a reply would break oned's parser"; sed 's/^/        /' "$err" | grep -i violation
		return 1
	fi
	if [ "$got" != "$want" ]; then
		fail "$title: oned got '$REPLY_LINE', expected $want"
		[ "$E2E_VERBOSE" = 1 ] || { sed 's/^/        | /' "$err" | tail -n 15; }
		return 1
	fi
	ok "$title: $(echo "$REPLY_LINE" | _cut 100) (${secs}s)"
	return 0
}

_cut() { awk -v n="$1" '{ if (length($0) > n) print substr($0, 1, n) "..."; else print }'; }

e2e_finish() {
	echo "$e2e_pass passed, $e2e_fail failed, $e2e_wait waiting"
	if [ "$e2e_fail" != 0 ]; then
		echo "log: $E2E_LOG"
		E2E_KEEP=1
		exit 1
	fi
	if [ "$e2e_wait" != 0 ]; then
		echo "SKIP: waiting on: ${e2e_waiting[*]}"
		exit 77
	fi
	exit 0
}

# vm_in_bed SERVER NAME [STATE [HOST]]: /esxsim/vms has NAME (in STATE, on HOST)
vm_in_bed() {
	esxmad_vms "$1" | awk -v n="$2" -v s="${3:-}" -v h="${4:-}" \
		'$1 == n && (s == "" || $4 == s) && (h == "" || $3 == h) { f = 1 } END { exit !f }'
}
vm_not_in_bed() { ! esxmad_vms "$1" | awk '{ print $1 }' | grep -qx "$2"; }
