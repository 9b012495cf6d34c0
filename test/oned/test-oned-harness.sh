#!/bin/bash
# The oned harness itself, without esxmad or the test bed: it writes the
# files oned 4.4 writes (deployment file byte-identical to a hand-written
# sample of LibVirtDriverVMware.cc @4.4, transfer files, action data) and
# reads replies as OpenNebula 4.4's driver layer does (spec §2.1, §9),
# flagging every reply that would break oned.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
command -v pkg-config >/dev/null && pkg-config --exists expat || { echo "SKIP: no expat"; exit 77; }
oned_build || { echo "FAIL: building the harness"; exit 1; }

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export ONE_LOCATION=$t/one ONED_HOSTNAME=frontend
R=$ONE_LOCATION/var/remotes
mkdir -p "$R/vmm/vmware" "$R/tm/vmfs" "$R/datastore/vmfs" "$R/im/vmware.d" "$R/vnm/vmware"
pass=0 failn=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
fail() { failn=$((failn + 1)); echo "FAIL - $*"; }
# expect DESC RC CMD... : CMD exits RC
expect() {
	local d=$1 want=$2; shift 2
	"$@" >"$t/out" 2>"$t/err"
	local rc=$?
	if [ "$rc" = "$want" ]; then ok "$d"; else
		fail "$d (exit $rc, want $want)"; sed 's/^/    out| /' "$t/out"; sed 's/^/    err| /' "$t/err"
	fi
}
has() { grep -qF -- "$2" "$t/$1" || { echo "    missing in $1: $2"; sed "s/^/    $1| /" "$t/$1"; return 1; }; }

# ---- deployment file ----
VM_ID=42 VM_MEMORY=256 VM_VCPU=2
VM_TEMPLATE_EXTRA="$(oned_context 2 hdc NETWORK=YES "SSH_PUBLIC_KEY=ssh-rsa AAA it's")$(oned_disk 0 /vmfs/volumes/1/abc sda 1 7)$(oned_volatile 1 64 vmdk_thin sdb)<FEATURES><PCIBRIDGE><![CDATA[1]]></PCIBRIDGE></FEATURES><GRAPHICS><LISTEN><![CDATA[0.0.0.0]]></LISTEN><PORT><![CDATA[5942]]></PORT><TYPE><![CDATA[vnc]]></TYPE></GRAPHICS>$(oned_nic 0 3 'VM Network' 02:00:0a:00:00:0b e1000)<OS><BOOT><![CDATA[hd,cdrom]]></BOOT><GUESTOS><![CDATA[otherlinux-64]]></GUESTOS></OS><RAW><DATA><![CDATA[<devices><controller type='scsi' index='0' model='lsilogic'/></devices>]]></DATA><DATA_VMX><![CDATA[pciBridge0.present = \"TRUE\"\\nethernet0.virtualDev = \"e1000\"]]></DATA_VMX><TYPE><![CDATA[vmware]]></TYPE></RAW><RAW><DATA><![CDATA[<kvm-only/>]]></DATA><TYPE><![CDATA[kvm]]></TYPE></RAW>"
VM_HISTORY=$(oned_history 0 esx1 0 0 dummy)
oned_vm "$t/vm.xml"
expect "deployment file written" 0 "$ONED" deployment "$t/vm.xml"
if cmp "$ONE_LOCATION/var/vms/42/deployment.0" "$here/data/deployment-42.sample"; then
	ok "deployment file byte-identical to the oned 4.4 sample"
else
	fail "deployment file differs from the sample"; diff -u "$here/data/deployment-42.sample" "$ONE_LOCATION/var/vms/42/deployment.0" | cat -A | sed 's/^/    /'
fi
VM_HISTORY=$(oned_history 0 esx1 0 0 vmware); oned_vm "$t/vm-pg.xml"
"$ONED" deployment "$t/vm-pg.xml" >/dev/null
grep -qF "<source bridge='one-pg-3'/>" "$ONE_LOCATION/var/vms/42/deployment.0" \
	&& ok "VN_MAD vmware: bridge one-pg-<NETWORK_ID>" || fail "VN_MAD vmware bridge"
sed 's|<MEMORY><!\[CDATA\[256\]\]></MEMORY>||' "$t/vm.xml" >"$t/vm-nomem.xml"
expect "no MEMORY: oned refuses to write the file" 2 "$ONED" deployment "$t/vm-nomem.xml"

# ---- transfer files and TM lines ----
expect "prolog transfer file" 0 "$ONED" transfer prolog "$t/vm.xml"
p=$ONE_LOCATION/var/vms/42/transfer.0.prolog
printf '%s\n' "CLONE vmfs frontend:/vmfs/volumes/1/abc esx1:/vmfs/volumes/0/42/disk.0 42 1" \
	"MKIMAGE vmfs 64 vmdk_thin esx1:/vmfs/volumes/0/42/disk.1 42 0" \
	"CONTEXT vmfs $ONE_LOCATION/var/vms/42/context.sh esx1:/vmfs/volumes/0/42/disk.2 42 0" >"$t/want"
cmp -s "$p" "$t/want" && ok "prolog lines as TransferManager.cc @4.4" || { fail "prolog lines"; diff "$t/want" "$p"; }
grep -qx "SSH_PUBLIC_KEY='ssh-rsa AAA it'\\\\''s'" "$ONE_LOCATION/var/vms/42/context.sh" \
	&& ok "context.sh quotes like generate_context" || { fail "context.sh"; cat "$ONE_LOCATION/var/vms/42/context.sh"; }
"$ONED" transfer epilog "$t/vm.xml" >/dev/null
printf '%s\n' "DELETE vmfs esx1:/vmfs/volumes/0/42/disk.0 42 0" "DELETE vmfs esx1:/vmfs/volumes/0/42/disk.1 42 0" \
	"DELETE vmfs esx1:/vmfs/volumes/0/42 42 0" >"$t/want"
cmp -s "$ONE_LOCATION/var/vms/42/transfer.0.epilog" "$t/want" && ok "epilog lines" || { fail "epilog lines"; diff "$t/want" "$ONE_LOCATION/var/vms/42/transfer.0.epilog"; }
VM_HISTORY="$(oned_history 0 host1 1 0)$(oned_history 1 host2 2 0)"; oned_vm "$t/vm-migr.xml"
[ "$("$ONED" tm-line migrate "$t/vm-migr.xml")" = "MIGRATE vmfs host1 host2 /vmfs/volumes/0/42 42 0" ] \
	&& ok "MIGRATE TM line" || fail "MIGRATE TM line"
"$ONED" action-data MIGRATE "$t/vm-migr.xml" >"$t/ad"
grep -q '^<VMM_DRIVER_ACTION_DATA><HOST>host1</HOST><NET_DRV>dummy</NET_DRV><MIGR_HOST>host2</MIGR_HOST><MIGR_NET_DRV>dummy</MIGR_NET_DRV><DEPLOY_ID></DEPLOY_ID>\|^<VMM_DRIVER_ACTION_DATA><HOST>host1</HOST><NET_DRV>dummy</NET_DRV><MIGR_HOST>host2</MIGR_HOST><MIGR_NET_DRV>dummy</MIGR_NET_DRV><DEPLOY_ID/><LOCAL_DEPLOYMENT_FILE/><REMOTE_DEPLOYMENT_FILE/><CHECKPOINT_FILE/><TM_COMMAND><!\[CDATA\[MIGRATE vmfs host1 host2 /vmfs/volumes/0/42 42 0\]\]></TM_COMMAND><TM_COMMAND_ROLLBACK/><DISK_TARGET_PATH/><VM><ID>42</ID>' "$t/ad" \
	&& ok "VMM_DRIVER_ACTION_DATA for MIGRATE" || { fail "action data"; cut -c1-400 "$t/ad"; }

# ---- replies (spec §2.1, §9) with stand-in programs ----
mk() { printf '#!/bin/sh\n%s\n' "$2" >"$R/$1"; chmod +x "$R/$1"; }
EB='echo "ERROR MESSAGE --8<------" >&2'
EE='echo "ERROR MESSAGE ------>8--" >&2'
VM_DEPLOY_ID=one-42; VM_HISTORY=$(oned_history 0 esx1 0 0 dummy); oned_vm "$t/vm.xml"; VM_DEPLOY_ID=

mk vmm/vmware/deploy 'echo "args: $*" >&2; [ "$2" = esx1 ] && [ "$3" = 42 ] && [ "$4" = esx1 ] && [ -f "$1" ] || exit 9; echo "DEBUG: defining" >&2; echo one-42'
expect "deploy success" 0 "$ONED" vmm DEPLOY "$t/vm.xml"
has out "DEPLOY SUCCESS 42 one-42"
has out "LOG I 42 Successfully execute virtualization driver operation: deploy."
! grep -q "defining" "$t/out" && ok "local success: stderr not relayed" || fail "stderr relayed on success"

mk vmm/vmware/deploy "echo 'DEBUG: connecting' >&2; echo 'plain line' >&2; $EB; echo 'could not define domain: boom' >&2; $EE; exit 1"
expect "deploy failure is a well-formed FAILURE" 1 "$ONED" vmm DEPLOY "$t/vm.xml"
has out "DEPLOY FAILURE 42 could not define domain: boom"
has out "LOG D 42 connecting"
has out "LOG I 42 plain line"
has out "LOG E 42 could not define domain: boom"
has out "LOG I 42 Command execution fail: $R/vmm/vmware/deploy '$ONE_LOCATION/var/vms/42/deployment.0' 'esx1' 42 esx1"

mk vmm/vmware/deploy "$EB; echo 'line one' >&2; echo 'line two' >&2; $EE; exit 1"
expect "an error message on two lines is flagged" 3 "$ONED" vmm DEPLOY "$t/vm.xml"
has err "spans several lines"
mk vmm/vmware/deploy "echo oops >&2; exit 1"
expect "a failure without ERROR MESSAGE block is flagged" 3 "$ONED" vmm DEPLOY "$t/vm.xml"
has out "DEPLOY FAILURE 42 -"
mk vmm/vmware/deploy "$EB; echo 'never closed' >&2; exit 1"
expect "an unterminated block is flagged" 3 "$ONED" vmm DEPLOY "$t/vm.xml"
mk vmm/vmware/deploy "echo one-42; echo 'ExitCode: 0' >&2; exit 1"
expect "an ExitCode line on stderr is flagged (and overrides the status)" 3 "$ONED" vmm DEPLOY "$t/vm.xml"
has out "DEPLOY SUCCESS 42 one-42"
mk vmm/vmware/deploy "printf 'one-42\\nsecond\\n'"
expect "deploy printing two lines is flagged" 3 "$ONED" vmm DEPLOY "$t/vm.xml"
mk vmm/vmware/deploy "printf '\\n  one-42  \\n'"
expect "deploy stdout is stripped (multi-step action)" 0 "$ONED" vmm DEPLOY "$t/vm.xml"
has out "DEPLOY SUCCESS 42 one-42"

mk vmm/vmware/poll '[ "$1 $2 $3 $4" = "one-42 esx1 42 esx1" ] || exit 9; echo "STATE=a USEDCPU=12.50 USEDMEMORY=131072 NETRX=0 NETTX=0"'
expect "poll success, unquoted parameters" 0 "$ONED" vmm POLL "$t/vm.xml"
has out "POLL SUCCESS 42 STATE=a USEDCPU=12.50 USEDMEMORY=131072 NETRX=0 NETTX=0"
mk vmm/vmware/poll 'echo "STATE=a USEDCPU=1"; echo "STATE=a"'
expect "poll printing two lines is flagged" 3 "$ONED" vmm POLL "$t/vm.xml"
has err "stray protocol line"
mk vmm/vmware/poll 'echo "STATE=a running"'
expect "a monitor token without = is flagged" 3 "$ONED" vmm POLL "$t/vm.xml"
mk vmm/vmware/poll 'echo "STATE=x"'
expect "an unknown STATE letter is flagged" 3 "$ONED" vmm POLL "$t/vm.xml"
mk vmm/vmware/poll 'true'
expect "an empty poll reply is flagged" 3 "$ONED" vmm POLL "$t/vm.xml"

mk vmm/vmware/shutdown '[ "$*" = "one-42 esx1 42 esx1" ] || exit 9; echo "DEBUG: bye" >&2'
expect "shutdown" 0 "$ONED" vmm SHUTDOWN "$t/vm.xml"
has out "SHUTDOWN SUCCESS 42"
mk vmm/vmware/snapshot_create '[ "$*" = "one-42 0 42 esx1" ] || exit 9; echo snapshot-1700000000'
VM_DEPLOY_ID=one-42 VM_TEMPLATE_EXTRA="$(oned_snapshot 0 '' yes)"; oned_vm "$t/vm-snap.xml"
expect "snapshot create: SNAPSHOT_ID of the ACTIVE snapshot" 0 "$ONED" vmm SNAPSHOTCREATE "$t/vm-snap.xml"
has out "SNAPSHOTCREATE SUCCESS 42 snapshot-1700000000"

# remote action (attach_disk is not in one_vmm_sh's local list)
mk vmm/vmware/attach_disk 'echo "$*" >&2'
mk tm/vmfs/mkimage 'echo "mkimage $*" >&2'
mk tm/vmfs/delete 'true'
VM_TEMPLATE_EXTRA="$(oned_disk 0 /vmfs/volumes/1/abc sda 1 7)$(oned_volatile 1 64 vmdk_thin sdb yes)"; oned_vm "$t/vm-att.xml"
ONED_VMM_LOCAL=attach_disk expect "attach_disk: TM_COMMAND then the action, with drv_message" 0 "$ONED" --trace vmm ATTACHDISK "$t/vm-att.xml"
has err "mkimage 64 vmdk_thin esx1:/vmfs/volumes/0/42/disk.1 42 0"
has err "one-42 /vmfs/volumes/0/42/disk.1 sdb 1 drv_message 42 esx1"
printf '#!/bin/sh\nexec sh -c "$2"\n' >"$t/fakessh"; chmod +x "$t/fakessh"
mkdir -p "$t/remote/vmm/vmware"; cp "$R/vmm/vmware/attach_disk" "$t/remote/vmm/vmware/"
ONED_SSH_ESX1="$t/fakessh esx1" ONED_SCRIPTS_REMOTE_DIR=$t/remote expect "attach_disk runs remotely by default, stderr relayed" 0 "$ONED" vmm ATTACHDISK "$t/vm-att.xml"
has out "LOG I 42 one-42 /vmfs/volumes/0/42/disk.1 sdb 1 drv_message 42 esx1"

# TM and datastore
printf 'CLONE vmfs fe:/a esx1:/vmfs/volumes/0/42/disk.0 42 1\n# comment\n\nDELETE vmfs esx1:/x 42 0\n' >"$t/xfr"
mk tm/vmfs/clone '[ "$*" = "fe:/a esx1:/vmfs/volumes/0/42/disk.0 42 1" ] || exit 9'
expect "TRANSFER success" 0 "$ONED" tm 42 "$t/xfr"
has out "TRANSFER SUCCESS 42"
mk tm/vmfs/clone "$EB; echo 'clone failed: no space' >&2; $EE; exit 1"
mk tm/vmfs/delete 'echo deleted >"$0.ran"'
expect "TRANSFER stops at the first failure" 1 "$ONED" tm 42 "$t/xfr"
has out "TRANSFER FAILURE 42 clone failed: no space"
[ ! -e "$R/tm/vmfs/delete.ran" ] && ok "no line after the failing one" || fail "ran past the failure"

oned_ds_data "$t/ds.xml" 7 1 "esx1 esx2" /tmp/img
mk datastore/vmfs/cp 'echo "$1" | base64 -d | grep -q "<PATH><!\[CDATA\[/tmp/img\]\]></PATH>" && [ "$2" = 7 ] || exit 9; echo /vmfs/volumes/1/0123abcd'
expect "datastore cp" 0 "$ONED" ds cp 7 "$t/ds.xml"
has out "CP SUCCESS 7 /vmfs/volumes/1/0123abcd"
mk datastore/vmfs/stat 'echo 0'
expect "STAT 0 MB is flagged" 3 "$ONED" ds stat 7 "$t/ds.xml"
mk datastore/vmfs/monitor 'printf "USED_MB=1\nTOTAL_MB=10\nFREE_MB=9\n"'
expect "datastore monitor (base64 reply)" 0 "$ONED" ds monitor 1 "$t/ds.xml"
has out "MONITOR SUCCESS 1 $(printf 'USED_MB=1\nTOTAL_MB=10\nFREE_MB=9\n' | base64 -w0)"

# IM
mk im/vmware.d/vmware '[ "$*" = "vmware /vmfs/volumes 4124 20 3 esx1" ] || exit 9
cat <<EOF
HYPERVISOR=vmware
MODELNAME="Intel(R) Xeon(R)  CPU"
CPUSPEED=2600
TOTALCPU=200
USEDCPU=12.50
FREECPU=187.50
TOTALMEMORY=4194304
USEDMEMORY=1048576
FREEMEMORY=3145728
NETRX=0
NETTX=0
DS=[ID="0",USED_MB=10,TOTAL_MB=100,FREE_MB=90]
DS=[ID="datastore1",USED_MB=10,TOTAL_MB=100,FREE_MB=90]
VM_POLL=YES
VM=[ID=42,DEPLOY_ID="one-42",POLL="STATE=a USEDCPU=1.00 USEDMEMORY=1024 NETRX=0 NETTX=0"]
VM=[ID=-1,DEPLOY_ID="wild vm",POLL="STATE=d"]
EOF'
expect "IM probe output parsed like Host.cc" 0 "$ONED" im 3 esx1
has out "# VM ID=42 DEPLOY_ID=one-42 POLL=\"STATE=a USEDCPU=1.00 USEDMEMORY=1024 NETRX=0 NETTX=0\""
has out "# 2 VMs, 2 datastores"
has out "(not a datastore id: ignored by oned)"
grep '^MONITOR SUCCESS 3 ' "$t/out" | cut -d' ' -f4 | base64 -d >"$t/im"
grep -q 'MODELNAME="Intel(R) Xeon(R) CPU" CPUSPEED=2600' "$t/im" && ok "run_probes joins words (echo \$data)" || fail "run_probes joining"
mk im/vmware.d/vmware 'echo "TOTALCPU=200 VM=[ID=1,DEPLOY_ID=\"one-1\",POLL=\"STATE=a bad\"]"'
expect "IM: missing keys and a bad POLL are flagged" 3 "$ONED" im 3 esx1
mk im/vmware.d/vmware 'exit 3'
expect "IM: a failing probe gives MONITOR FAILURE" 1 "$ONED" im 3 esx1
has out "MONITOR FAILURE 3 $(printf 'Error executing vmware' | base64 -w0)"

# the programs get oneadmin's environment, not the test's
mk vmm/vmware/shutdown '[ -z "${LIBVIRT_AUTH_FILE:-}" ] && [ -z "${VMWARERC:-}" ] && [ -n "$ONE_LOCATION" ] && [ -n "$PATH" ] || exit 9'
LIBVIRT_AUTH_FILE=/x VMWARERC=/y expect "environment scrubbed (no LIBVIRT_AUTH_FILE, VMWARERC)" 0 "$ONED" vmm SHUTDOWN "$t/vm.xml"

# sanitizer reports (make check-asan) fail the step even on success
mk vmm/vmware/shutdown 'echo "src/lib/x.c:12:5: runtime error: signed integer overflow" >&2'
expect "a UBSan report is flagged" 3 "$ONED" vmm SHUTDOWN "$t/vm.xml"
mk vmm/vmware/shutdown 'echo "DEBUG: server said: SystemError: runtime error: nil pointer" >&2'
expect "a server's Go panic text is not a sanitizer report" 0 "$ONED" vmm SHUTDOWN "$t/vm.xml"

# secrets
echo 's3cret-pw' >"$t/pw"
mk vmm/vmware/shutdown 'echo "DEBUG: using s3cret-pw" >&2'
ONED_SECRET_FILE=$t/pw expect "a password in the output is flagged" 3 "$ONED" vmm SHUTDOWN "$t/vm.xml"

echo "$pass passed, $failn failed"
[ "$failn" = 0 ]
