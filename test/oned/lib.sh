# Shell side of the oned harness (test/oned/): build it, and write the
# objects oned 4.4 keeps (the <VM>, <IMAGE> and <DATASTORE> XML of
# VirtualMachine::to_xml, Image::to_xml, Datastore::to_xml) for the
# harness to turn into deployment files, transfer files and driver
# messages.  Source it from bash after test/lib.sh.

ONED_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# oned_build: compile the harness into $ESXMAD_BUILD/oned/oned (or
# build/oned/oned), sets $ONED.
oned_build() {
	local out=${ESXMAD_BUILD:-$ONED_SRC/../../build}/oned
	mkdir -p "$out"
	ONED=$out/oned
	local src
	for src in "$ONED_SRC"/*.c "$ONED_SRC"/*.h; do
		if [ ! -x "$ONED" ] || [ "$src" -nt "$ONED" ]; then
			${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
				-Wno-missing-field-initializers -o "$ONED.tmp" "$ONED_SRC"/*.c \
				$(pkg-config --cflags --libs expat) || return 1
			mv "$ONED.tmp" "$ONED"
			break
		fi
	done
	export ONED
}

# <NAME><![CDATA[value]]></NAME>, as oned writes template values
_c() { printf '<%s><![CDATA[%s]]></%s>' "$1" "$2" "$1"; }

# oned_disk ID SOURCE TARGET IMAGE_DS IMAGE_ID [TYPE] [ATTACH]: an image disk (CLONE=YES)
oned_disk() {
	printf '<DISK>'
	_c CLONE YES; _c CLONE_TARGET SYSTEM; _c DATASTORE images; _c DATASTORE_ID "$4"
	_c DEV_PREFIX sd; _c DISK_ID "$1"; _c IMAGE "image-$5"; _c IMAGE_ID "$5"
	_c IMAGE_UNAME oneadmin; _c LN_TARGET NONE; _c READONLY NO; _c SAVE NO
	_c SOURCE "$2"; _c TARGET "$3"; _c TM_MAD vmfs; _c TYPE "${6:-FILE}"
	[ -n "${7:-}" ] && _c ATTACH YES
	printf '</DISK>'
}

# oned_volatile ID SIZE_MB FORMAT TARGET [ATTACH]: a volatile (TYPE=fs) disk
oned_volatile() {
	printf '<DISK>'
	[ -n "${5:-}" ] && _c ATTACH YES
	_c DEV_PREFIX sd; _c DISK_ID "$1"; _c FORMAT "$3"; _c SIZE "$2"; _c TARGET "$4"; _c TYPE fs
	printf '</DISK>'
}

# oned_nic ID NETWORK_ID BRIDGE MAC [MODEL] [ATTACH]
oned_nic() {
	printf '<NIC>'
	[ -n "${6:-}" ] && _c ATTACH YES
	_c BRIDGE "$3"; _c IP "10.0.0.$(( ${2} + 10 ))"; _c MAC "$4"
	[ -n "${5:-}" ] && _c MODEL "$5"
	_c NETWORK "net-$2"; _c NETWORK_ID "$2"; _c NETWORK_UNAME oneadmin; _c NIC_ID "$1"; _c VLAN NO
	printf '</NIC>'
}

# oned_context DISK_ID TARGET [KEY=VALUE...]
oned_context() {
	local id=$1 target=$2 kv; shift 2
	printf '<CONTEXT>'
	_c DISK_ID "$id"
	for kv in "$@"; do _c "${kv%%=*}" "${kv#*=}"; done
	_c TARGET "$target"
	printf '</CONTEXT>'
}

# oned_snapshot SNAP_ID [HYPERVISOR_ID] [ACTIVE]
oned_snapshot() {
	printf '<SNAPSHOT>'
	[ -n "${3:-}" ] && _c ACTIVE YES
	_c HYPERVISOR_ID "${2:-}"; _c NAME "snapshot-$1"; _c SNAPSHOT_ID "$1"; _c TIME 1700000100
	printf '</SNAPSHOT>'
}

# oned_history SEQ HOSTNAME HOST_ID SYS_DS [VNMMAD]
oned_history() {
	printf '<HISTORY><OID>%s</OID><SEQ>%s</SEQ><HOSTNAME>%s</HOSTNAME><HID>%s</HID><STIME>1700000000</STIME><ETIME>0</ETIME><VMMMAD>vmware</VMMMAD><VNMMAD>%s</VNMMAD><TMMAD>vmfs</TMMAD><DS_LOCATION>/vmfs/volumes</DS_LOCATION><DS_ID>%s</DS_ID><PSTIME>1700000000</PSTIME><PETIME>1700000001</PETIME><RSTIME>1700000001</RSTIME><RETIME>0</RETIME><ESTIME>0</ESTIME><EETIME>0</EETIME><REASON>0</REASON></HISTORY>' \
		"${VM_ID:-0}" "$1" "$2" "$3" "${5:-dummy}" "$4"
}

# oned_vm FILE: the <VM> document from VM_ID, VM_NAME, VM_DEPLOY_ID,
# VM_MEMORY, VM_VCPU, VM_TEMPLATE_EXTRA (disks, nics, context... XML),
# VM_HISTORY (history records XML).
oned_vm() {
	{
		printf '<VM><ID>%s</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>%s</NAME>' \
			"$VM_ID" "${VM_NAME:-vm-$VM_ID}"
		printf '<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>'
		printf '<LAST_POLL>0</LAST_POLL><STATE>3</STATE><LCM_STATE>%s</LCM_STATE><RESCHED>0</RESCHED><STIME>1700000000</STIME><ETIME>0</ETIME>' "${VM_LCM:-3}"
		if [ -n "${VM_DEPLOY_ID:-}" ]; then printf '<DEPLOY_ID>%s</DEPLOY_ID>' "$VM_DEPLOY_ID"; else printf '<DEPLOY_ID></DEPLOY_ID>'; fi
		printf '<MEMORY>0</MEMORY><CPU>0</CPU><NET_TX>0</NET_TX><NET_RX>0</NET_RX><TEMPLATE>'
		_c CPU "${VM_CPU:-0.5}"
		printf '%s' "${VM_TEMPLATE_EXTRA:-}"
		_c MEMORY "${VM_MEMORY:-128}"
		_c TEMPLATE_ID 0
		[ -n "${VM_VCPU:-}" ] && _c VCPU "$VM_VCPU"
		_c VMID "$VM_ID"
		printf '</TEMPLATE><USER_TEMPLATE/><HISTORY_RECORDS>%s</HISTORY_RECORDS></VM>\n' "${VM_HISTORY:-}"
	} >"$1"
}

# oned_ds_data FILE IMAGE_ID DS_ID BRIDGE_LIST PATH_OR_SOURCE [TYPE] [FSTYPE] [SIZE] [SOURCE]
# <DS_DRIVER_ACTION_DATA> with the IMAGE and DATASTORE oned 4.4 sends.
oned_ds_data() {
	local f=$1 iid=$2 ds=$3 bl=$4 path=$5 type=${6:-0} fstype=${7:-} size=${8:-0} source=${9:-}
	{
		printf '<DS_DRIVER_ACTION_DATA><IMAGE><ID>%s</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>image-%s</NAME>' "$iid" "$iid"
		printf '<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>'
		printf '<TYPE>%s</TYPE><DISK_TYPE>0</DISK_TYPE><PERSISTENT>0</PERSISTENT><REGTIME>1700000000</REGTIME>' "$type"
		printf '<SOURCE><![CDATA[%s]]></SOURCE><PATH><![CDATA[%s]]></PATH><FSTYPE><![CDATA[%s]]></FSTYPE><SIZE>%s</SIZE>' "$source" "$path" "$fstype" "$size"
		printf '<STATE>4</STATE><RUNNING_VMS>0</RUNNING_VMS><CLONING_OPS>0</CLONING_OPS><CLONING_ID>-1</CLONING_ID><DATASTORE_ID>%s</DATASTORE_ID><DATASTORE>images</DATASTORE>' "$ds"
		printf '<VMS></VMS><CLONES></CLONES><TEMPLATE><DEV_PREFIX><![CDATA[sd]]></DEV_PREFIX></TEMPLATE></IMAGE>'
		oned_datastore_xml "$ds" "$bl"
		printf '</DS_DRIVER_ACTION_DATA>\n'
	} >"$f"
}

# oned_datastore_xml DS_ID BRIDGE_LIST
oned_datastore_xml() {
	printf '<DATASTORE><ID>%s</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>images</NAME>' "$1"
	printf '<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>1</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>'
	printf '<DS_MAD><![CDATA[vmfs]]></DS_MAD><TM_MAD><![CDATA[vmfs]]></TM_MAD><BASE_PATH><![CDATA[/vmfs/volumes/%s]]></BASE_PATH><TYPE>0</TYPE><DISK_TYPE>0</DISK_TYPE>' "$1"
	printf '<CLUSTER_ID>-1</CLUSTER_ID><CLUSTER></CLUSTER><TOTAL_MB>0</TOTAL_MB><FREE_MB>0</FREE_MB><USED_MB>0</USED_MB><IMAGES></IMAGES>'
	printf '<TEMPLATE><BASE_PATH><![CDATA[/vmfs/volumes]]></BASE_PATH><BRIDGE_LIST><![CDATA[%s]]></BRIDGE_LIST><CLONE_TARGET><![CDATA[SYSTEM]]></CLONE_TARGET><DISK_TYPE><![CDATA[FILE]]></DISK_TYPE><DS_MAD><![CDATA[vmfs]]></DS_MAD><LN_TARGET><![CDATA[NONE]]></LN_TARGET><TM_MAD><![CDATA[vmfs]]></TM_MAD></TEMPLATE></DATASTORE>' "$2"
}
