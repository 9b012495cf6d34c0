#!/bin/bash
# 15 VMs deployed, polled and shut down at the same time against one host
# (esx1), as oned's 15 driver threads (`-t 15`) would run them: no failure,
# no leaked ESX session (the server's LOGIN/LOGOUT/SESSIONS), no mixed-up
# VMs (each VM's name, MAC and disk are its own).
# Exit 0 pass, 1 fail, 77 skip (no bed / not root, or programs not landed).
set -u
. "$(dirname "$0")/lib.sh"
e2e_setup concurrency
D=$E2E_T
N=${E2E_VMS:-15}
FIRST=100
echo ":cache_dir: \"$D/cache\"" >>"$ONE_LOCATION/etc/vmwarerc"

have vmm/vmware/deploy vmm/vmware/poll vmm/vmware/shutdown || {
	waiting "vmm deploy/poll/shutdown" "VMM actions; vSphere client + poll"; e2e_finish; }

mac() { printf '02:00:0a:00:01:%02x' "$1"; }
v() { local u=$1; shift; esxmad_virsh "$u" "$@" 2>>"$E2E_LOG"; }

# the image, registered once
mkdir -p "$D/img"
qemu-img create -q -f vmdk -o subformat=monolithicFlat "$D/img/disk.vmdk" 8M >>"$E2E_LOG" 2>&1
oned_ds_data "$D/ds.xml" 9 1 esx1 "$D/img"
SOURCE=
if have datastore/vmfs/cp; then
	step "datastore cp (image 9)" SUCCESS ds cp 9 "$D/ds.xml" && SOURCE=$REPLY_INFO
else
	waiting "datastore/vmfs/cp" "ssh + TM + datastore"
fi
if [ -z "$SOURCE" ]; then
	SOURCE=/vmfs/volumes/1/e2e-standin-image
	esxmad_ssh esx1 "mkdir -p $SOURCE && vmkfstools -c 8M -d thin $SOURCE/disk.vmdk" >>"$E2E_LOG" 2>&1
fi

vms=()
for i in $(seq 0 $((N - 1))); do
	vid=$((FIRST + i))
	vms+=("$vid")
	VM_ID=$vid VM_MEMORY=$((64 + 4 * i)) VM_DEPLOY_ID= \
	VM_TEMPLATE_EXTRA="$(oned_disk 0 "$SOURCE" sda 1 9)$(oned_nic 0 0 'VM Network' "$(mac "$vid")" e1000)" \
	VM_HISTORY=$(VM_ID=$vid oned_history 0 esx1 0 0 dummy) oned_vm "$D/vm-$vid.xml"
	sed 's|<DEPLOY_ID></DEPLOY_ID>|<DEPLOY_ID>one-'"$vid"'</DEPLOY_ID>|' "$D/vm-$vid.xml" >"$D/vm-$vid-d.xml"
done

# all: run "oned ARGS-with-@" for every VM at once; @ = the vid.
# Counts replies that are not WANT (or that broke the protocol).
all() {
	local title=$1 want=$2; shift 2
	local t0=$(date +%s.%N) vid pids=() bad=0
	for vid in "${vms[@]}"; do
		( "$ONED" "${@//@/$vid}" >"$D/out-$vid" 2>"$D/err-$vid"; echo $? >"$D/rc-$vid" ) &
		pids+=($!)
	done
	wait "${pids[@]}"
	local secs=$(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e-s}')
	for vid in "${vms[@]}"; do
		{ echo "=== $title $vid: rc $(cat "$D/rc-$vid")"; cat "$D/err-$vid" "$D/out-$vid"; } >>"$E2E_LOG"
		local last=$(grep -v '^LOG \|^# ' "$D/out-$vid" | tail -n 1)
		if [ "$(cat "$D/rc-$vid")" = 3 ]; then
			bad=$((bad + 1)); echo "        VM $vid: protocol violation: $(grep -m1 VIOLATION "$D/err-$vid")"
		elif [ "$(echo "$last" | cut -d' ' -f2)" != "$want" ]; then
			bad=$((bad + 1)); echo "        VM $vid: $last"
		fi
	done
	[ "$E2E_VERBOSE" = 1 ] && sed -n 's/^    \$ /      run: /p' "$D/err-${vms[0]}" | sed "s|$ONE_LOCATION|\$ONE_LOCATION|g" | sed 's/$/   (one of '"$N"')/'
	if [ "$bad" = 0 ]; then ok "$title: $N x $want at once (${secs}s)"; else fail "$title: $bad of $N not $want (${secs}s)"; fi
	sessions_note "$title"
}
# the ESX server's session books after each phase
sessions_note() {
	local st=$(esxmad_stats esx | awk '$1 == "LOGIN" || $1 == "LOGOUT" || $1 == "SESSIONS" { printf "%s=%s ", $1, $2 }')
	echo "    ESX after $1: $st" >>"$E2E_LOG"
	e2e_note "ESX after $1: $st"
}

if have tm/vmfs/clone; then
	for vid in "${vms[@]}"; do "$ONED" transfer prolog "$D/vm-$vid.xml" >/dev/null; done
	all "TM prolog (clone)" SUCCESS tm @ "$ONE_LOCATION/var/vms/@/transfer.0.prolog"
else
	waiting "tm/vmfs/clone" "ssh + TM + datastore"
	for vid in "${vms[@]}"; do
		esxmad_ssh esx1 "mkdir -p /vmfs/volumes/0/$vid/disk.0 && vmkfstools -i $SOURCE/disk.vmdk -d thin /vmfs/volumes/0/$vid/disk.0/disk.vmdk" >>"$E2E_LOG" 2>&1
	done
fi

s0=$(esxmad_stat SESSIONS) l0=$(esxmad_stat LOGIN) o0=$(esxmad_stat LOGOUT)
e2e_note "ESX sessions before: SESSIONS=$s0 LOGIN=$l0 LOGOUT=$o0"

all "deploy" SUCCESS vmm DEPLOY "$D/vm-@.xml"
for vid in "${vms[@]}"; do
	grep -qx "DEPLOY SUCCESS $vid one-$vid" "$D/out-$vid" || fail "VM $vid: deploy id is not one-$vid: $(tail -n1 "$D/out-$vid")"
done
running=$(esxmad_vms esx | awk -v a=$FIRST -v b=$((FIRST + N - 1)) '$1 ~ /^one-[0-9]+$/ { n = substr($1, 5) + 0; if (n >= a && n <= b && $4 == "poweredOn") c++ } END { print c + 0 }')
check "$N VMs powered on on esx1 ($running)" test "$running" = "$N"

mixed=0
for vid in "${vms[@]}"; do
	x=$(v "$ESX_URI" dumpxml "one-$vid")
	echo "$x" | grep -q "<name>one-$vid</name>" || { mixed=$((mixed + 1)); echo "        one-$vid: wrong name"; }
	echo "$x" | grep -qi "address='$(mac "$vid")'" || { mixed=$((mixed + 1)); echo "        one-$vid: MAC is not $(mac "$vid")"; }
	echo "$x" | grep -q "file='\[0\] $vid/disk.0/disk.vmdk'" || { mixed=$((mixed + 1)); echo "        one-$vid: disk is not [0] $vid/disk.0/disk.vmdk"; }
	echo "$x" | grep -q "<memory unit='KiB'>$(( (64 + 4 * (vid - FIRST)) * 1024 ))</memory>" || { mixed=$((mixed + 1)); echo "        one-$vid: memory is not $((64 + 4 * (vid - FIRST))) MB"; }
done
check "each VM has its own name, MAC, disk and memory" test "$mixed" = 0

all "poll" SUCCESS vmm POLL "$D/vm-@-d.xml"
pa=0; for vid in "${vms[@]}"; do grep -q "^POLL SUCCESS $vid STATE=a" "$D/out-$vid" && pa=$((pa + 1)); done
check "every poll says STATE=a ($pa of $N)" test "$pa" = "$N"

all "shutdown" SUCCESS vmm SHUTDOWN "$D/vm-@-d.xml"
left=$(esxmad_vms esx | awk -v a=$FIRST -v b=$((FIRST + N - 1)) '$1 ~ /^one-[0-9]+$/ { n = substr($1, 5) + 0; if (n >= a && n <= b) c++ } END { print c + 0 }')
check "no VM left registered on esx1 ($left)" test "$left" = 0

if have tm/vmfs/delete; then
	for vid in "${vms[@]}"; do "$ONED" transfer epilog "$D/vm-$vid.xml" >/dev/null; done
	all "TM epilog (delete)" SUCCESS tm @ "$ONE_LOCATION/var/vms/@/transfer.0.epilog"
	check "no VM folder left on datastore 0" esxmad_ssh esx1 "! ls /vmfs/volumes/0/ | grep -q '^1[01][0-9]\$'"
else
	waiting "tm/vmfs/delete" "ssh + TM + datastore"
fi

s1=$(esxmad_stat SESSIONS) l1=$(esxmad_stat LOGIN) o1=$(esxmad_stat LOGOUT)
cached=$(find "$D/cache" -type f 2>/dev/null | wc -l)
echo "  ESX sessions: before SESSIONS=$s0 LOGIN=$l0 LOGOUT=$o0; after SESSIONS=$s1 LOGIN=$l1 LOGOUT=$o1; cached session files: $cached"
check "every login but the cached sessions logged out (open sessions $s0 -> $s1, $cached cache files)" \
	test $((s1 - s0)) -le "$cached"
check "the server's books balance (logins - logouts = new open sessions)" test $(( (l1 - l0) - (o1 - o0) )) = $((s1 - s0))
e2e_finish
