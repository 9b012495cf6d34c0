#!/bin/bash
# A VM's whole life as OpenNebula 4.4 drives it, against the simulated ESX:
# the installed esxmad programs (make install ONE_LOCATION=<tmp>) run by the
# oned harness (test/oned) with the argv, files and messages oned 4.4 and
# its driver layer produce; every effect is checked independently through
# the test bed (virsh, /esxsim/vms, the ESX shell over ssh).
#
# hosts host1, host2 (one vCenter cluster, shared datastores 0 = system,
# 1 = images); image 7; VM 42 (the whole life, hosts with VN_MAD dummy),
# VM 43 (deploy fails: its disk is missing; CLEANUP leaves nothing behind),
# VM 44 (dynamic networking, VN_MAD vmware: port group with VLAN on both
# hosts through a migration).  A NIC hot-plug in dynamic mode is not
# tested: one_vmm_exec gives attach_nic the vSwitch and no network id
# (spec §8 †6).
#
# Exit 0 pass, 1 fail, 77 skip (no bed / not root, or programs not landed).
set -u
. "$(dirname "$0")/lib.sh"
e2e_setup scenario

RS=$ONE_LOCATION/var/remotes
D=$E2E_T
VPX1=$VPX_URI_HOST1 VPX2=$VPX_URI_HOST2
MAC0=02:00:0a:00:00:2a MAC1=02:00:0a:00:01:2a
v() { local u=$1; shift; esxmad_virsh "$u" "$@" 2>>"$E2E_LOG"; }
state_is() { [ "$(v "$1" domstate "$2")" = "$3" ]; }   # URI NAME STATE
lists() { v "$1" "${@:2:$#-2}" | grep -qi -- "${!#}"; }  # URI VIRSH-ARGS... PATTERN
not() { ! "$@"; }

# ---------------------------------------------------------------- hosts
echo "${_B}Hosts${_N}"
if have im/vmware.d/vmware; then
	step "monitor host1 (IM probes)" SUCCESS im 1 host1 /vmfs/volumes \
		&& check "host1 reports datastore 0 (DS=[ID=0,...])" grep -q '^# DS ID=0 ' <<<"$STEP_OUT"
	step "monitor host2 (IM probes)" SUCCESS im 2 host2 /vmfs/volumes
else
	waiting "IM probe im/vmware.d/vmware" "vSphere client + IM probe"
fi

# ---------------------------------------------------------------- image
echo "${_B}Image 7 in datastore 1${_N}"
mkdir -p "$D/img"
qemu-img create -q -f vmdk -o subformat=monolithicFlat "$D/img/disk.vmdk" 16M >>"$E2E_LOG" 2>&1
oned_ds_data "$D/ds.xml" 7 1 "host1 host2" "$D/img"
SOURCE=
if have datastore/vmfs/stat datastore/vmfs/cp; then
	step "datastore stat (image size)" SUCCESS ds stat 7 "$D/ds.xml" \
		&& check "size is the folder's, in MB ($REPLY_INFO)" test "$REPLY_INFO" -ge 16 -a "$REPLY_INFO" -le 17
	if step "datastore cp (register the image)" SUCCESS ds cp 7 "$D/ds.xml"; then
		SOURCE=$REPLY_INFO
		check "SOURCE is in datastore 1 ($SOURCE)" grep -q '^/vmfs/volumes/1/[^/ ]*$' <<<"$SOURCE"
		check "image descriptor and extent are on the datastore" \
			esxmad_ssh host1 "test -f $SOURCE/disk.vmdk && ls $SOURCE | grep -q flat"
	fi
	if have datastore/vmfs/monitor; then
		step "datastore monitor" SUCCESS ds monitor 1 "$D/ds.xml"
	else
		waiting "datastore/vmfs/monitor" "ssh + TM + datastore"
	fi
else
	waiting "datastore stat/cp" "ssh + TM + datastore"
fi
if [ -z "$SOURCE" ]; then
	# stand-in so that the VMM steps can run: the image as cp would leave it
	SOURCE=/vmfs/volumes/1/e2e-standin-image
	esxmad_ssh host1 "mkdir -p $SOURCE && vmkfstools -c 16M -d thin $SOURCE/disk.vmdk" >>"$E2E_LOG" 2>&1
fi

# ---------------------------------------------------------------- VM 42
# vm42 FILE [EXTRA_XML] [HISTORY_XML]: the <VM> oned holds at this point
RAW="<OS><GUESTOS><![CDATA[otherLinux64Guest]]></GUESTOS></OS><RAW><DATA><![CDATA[<devices><controller type='scsi' index='0' model='lsilogic'/></devices>]]></DATA><DATA_VMX><![CDATA[tools.syncTime = \"TRUE\"]]></DATA_VMX><TYPE><![CDATA[vmware]]></TYPE></RAW>"
# VM 42's hosts use VN_MAD dummy (onehost create ... -n dummy): NIC BRIDGE
# is an existing port group.  VM 44 below uses dynamic networking (VN_MAD
# vmware: port groups one-pg-<network id> made by vnm/vmware).
VNM=dummy BR='VM Network'
H1=$(VM_ID=42 oned_history 0 host1 1 0 $VNM)
H12="$H1$(VM_ID=42 oned_history 1 host2 2 0 $VNM)"
vm42() {
	VM_ID=42 VM_NAME=e2e-vm VM_MEMORY=256 VM_VCPU=1 VM_DEPLOY_ID=${DID-one-42} \
	VM_TEMPLATE_EXTRA="$(oned_context 1 hda NETWORK=YES HOSTNAME=e2e-vm)$(oned_disk 0 "$SOURCE" sda 1 7)${2:-}<GRAPHICS><LISTEN><![CDATA[0.0.0.0]]></LISTEN><PORT><![CDATA[5942]]></PORT><TYPE><![CDATA[vnc]]></TYPE></GRAPHICS>$(oned_nic 0 0 "$BR" $MAC0 e1000)$RAW" \
	VM_HISTORY=${3:-$H1} oned_vm "$1"
}
echo "${_B}VM 42 on host1${_N}"
DID= vm42 "$D/vm.xml"
if have tm/vmfs/clone tm/vmfs/context; then
	xfr=$("$ONED" transfer prolog "$D/vm.xml")
	e2e_note "transfer file $xfr:"; [ "$E2E_VERBOSE" = 1 ] && sed "s|$ONE_LOCATION|\$ONE_LOCATION|; s/^/      /" "$xfr"
	if step "TM prolog (clone + context)" SUCCESS tm 42 "$xfr"; then
		check "disk.0 cloned into the VM folder" esxmad_ssh host1 "test -f /vmfs/volumes/0/42/disk.0/disk.vmdk"
		check "context ISO disk.1 and its disk.1.iso link" esxmad_ssh host1 \
			"test -f /vmfs/volumes/0/42/disk.1 && test -L /vmfs/volumes/0/42/disk.1.iso"
		check "the ISO holds context.sh" esxmad_ssh host1 "grep -q \"HOSTNAME='e2e-vm'\" /vmfs/volumes/0/42/disk.1"
	fi
else
	waiting "TM clone/context" "ssh + TM + datastore"
	esxmad_ssh host1 "mkdir -p /vmfs/volumes/0/42/disk.0 && vmkfstools -i $SOURCE/disk.vmdk -d thin /vmfs/volumes/0/42/disk.0/disk.vmdk \
		&& echo ctx >/vmfs/volumes/0/42/disk.1 && ln -sf /vmfs/volumes/0/42/disk.1 /vmfs/volumes/0/42/disk.1.iso" >>"$E2E_LOG" 2>&1
fi

DEPLOYED=0
if have vmm/vmware/deploy; then
	if step "deploy" SUCCESS vmm DEPLOY "$D/vm.xml"; then
		DEPLOYED=1
		check "deploy id is one-42" test "$REPLY_INFO" = one-42
		check "one-42 powered on on host1 (/esxsim/vms)" vm_in_bed vpx one-42 poweredOn host1
		check "virsh on host1: one-42 running" state_is "$VPX1" one-42 running
		esxmad_virsh "$VPX1" dumpxml one-42 >"$D/dumpxml" 2>>"$E2E_LOG"
		check "its disk is [0] 42/disk.0/disk.vmdk" grep -q "file='\[0\] 42/disk.0/disk.vmdk'" "$D/dumpxml"
		check "its NIC has MAC $MAC0" grep -qi "address='$MAC0'" "$D/dumpxml"
		check "the .vmx is in the first disk's folder" esxmad_ssh host1 "test -f /vmfs/volumes/0/42/disk.0/one-42.vmx"
		check "DATA_VMX line added to the .vmx" esxmad_ssh host1 "grep -q '^tools.syncTime = \"TRUE\"' /vmfs/volumes/0/42/disk.0/one-42.vmx"
		check "guest OS otherLinux64Guest (metadata guestos, vim-cmd get.summary)" esxmad_ssh host1 \
			"vim-cmd vmsvc/get.summary \$(vim-cmd vmsvc/getallvms | awk '\$2 == \"one-42\" { print \$1 }') | grep -q otherLinux64Guest"
	fi
else
	waiting "vmm/vmware/deploy" "VMM actions"
fi

if [ "$DEPLOYED" = 1 ]; then
	vm42 "$D/vm.xml"
	if have vmm/vmware/poll; then
		step "poll" SUCCESS vmm POLL "$D/vm.xml" && check "STATE=a" grep -q '^STATE=a' <<<"$REPLY_INFO"
	else waiting "vmm/vmware/poll" "vSphere client + IM probe + poll"; fi
	if have im/vmware.d/vmware; then
		step "monitor host1 again" SUCCESS im 1 host1 /vmfs/volumes \
			&& check "the probe reports VM 42 running" grep -q '^# VM ID=42 DEPLOY_ID=one-42 POLL="STATE=a' <<<"$STEP_OUT"
	fi

	if have vmm/vmware/reboot; then
		step "reboot" SUCCESS vmm REBOOT "$D/vm.xml" \
			&& check "one-42 running after the reboot" state_is "$VPX1" one-42 running
	else waiting "vmm/vmware/reboot" "VMM actions"; fi

	# ---- disk hot-plug: TM mkimage + attach_disk, detach_disk + TM delete
	vm42 "$D/vm-disk.xml" "$(oned_volatile 2 32 vmdk_thin sdb yes)"
	if have vmm/vmware/attach_disk vmm/vmware/detach_disk tm/vmfs/mkimage tm/vmfs/delete; then
		if step "attach disk 2 (TM mkimage + attach_disk)" SUCCESS vmm ATTACHDISK "$D/vm-disk.xml"; then
			check "disk.2/disk.vmdk made on the datastore, thin (FORMAT vmdk_thin)" esxmad_ssh host1 \
				"grep -q 'thinProvisioned = \"1\"' /vmfs/volumes/0/42/disk.2/disk.vmdk"
			check "virsh sees disk.2 in one-42" lists "$VPX1" domblklist one-42 '42/disk.2/disk.vmdk'
			step "detach disk 2 (detach_disk + TM delete)" SUCCESS vmm DETACHDISK "$D/vm-disk.xml" \
				&& check "virsh no longer sees disk.2" not lists "$VPX1" domblklist one-42 'disk.2'
		fi
	else waiting "disk hot-plug (attach_disk/detach_disk, tm mkimage/delete)" "VMM actions; ssh + TM"; fi

	# ---- NIC hot-plug
	vm42 "$D/vm-nic.xml" "$(oned_nic 1 0 "$BR" $MAC1 e1000 yes)"
	if have vmm/vmware/attach_nic vmm/vmware/detach_nic; then
		if step "attach NIC 1" SUCCESS vmm ATTACHNIC "$D/vm-nic.xml"; then
			check "virsh sees MAC $MAC1" lists "$VPX1" domiflist one-42 "$MAC1"
			check "the new NIC is on port group '$BR'" lists "$VPX1" domiflist one-42 " $BR .*$MAC1"
			step "detach NIC 1" SUCCESS vmm DETACHNIC "$D/vm-nic.xml" \
				&& check "MAC $MAC1 gone" not lists "$VPX1" domiflist one-42 "$MAC1"
		fi
	else waiting "NIC hot-plug (attach_nic/detach_nic)" "VMM actions"; fi

	# ---- snapshots
	if have vmm/vmware/snapshot_create vmm/vmware/snapshot_revert vmm/vmware/snapshot_delete; then
		vm42 "$D/vm-snap.xml" "$(oned_snapshot 0 '' yes)"
		if step "snapshot create" SUCCESS vmm SNAPSHOTCREATE "$D/vm-snap.xml"; then
			SNAP=$REPLY_INFO
			check "virsh lists snapshot '$SNAP'" lists "$VPX1" snapshot-list --name one-42 "^$SNAP\$"
			vm42 "$D/vm-snap.xml" "$(oned_snapshot 0 "$SNAP" yes)"
			step "snapshot revert" SUCCESS vmm SNAPSHOTREVERT "$D/vm-snap.xml"
			check "one-42 still on host1 after the revert" vm_in_bed vpx one-42 "" host1
			step "snapshot delete" SUCCESS vmm SNAPSHOTDELETE "$D/vm-snap.xml" \
				&& check "no snapshot left" not lists "$VPX1" snapshot-list --name one-42 .
		fi
	else waiting "snapshots" "VMM actions"; fi

	# ---- live migration host1 -> host2 (TM premigrate/postmigrate around it)
	HNOW=$H1 VHOST=host1 VURI=$VPX1
	vm42 "$D/vm-migr.xml" "" "$H12"
	if have vmm/vmware/migrate tm/vmfs/premigrate tm/vmfs/postmigrate; then
		if step "migrate to host2 (premigrate, migrate, postmigrate)" SUCCESS vmm MIGRATE "$D/vm-migr.xml"; then
			HNOW=$H12 VHOST=host2 VURI=$VPX2
			check "one-42 now on host2 (/esxsim/vms)" vm_in_bed vpx one-42 "" host2
			check "virsh on host2: one-42 running" state_is "$VPX2" one-42 running
			if have im/vmware.d/vmware; then
				step "monitor host2 after the migration" SUCCESS im 2 host2 /vmfs/volumes \
					&& check "host2 reports VM 42" grep -q '^# VM ID=42 DEPLOY_ID=one-42 ' <<<"$STEP_OUT"
			fi
		fi
	else waiting "migrate (vmm migrate, tm premigrate/postmigrate)" "VMM actions; ssh + TM"; fi
	vm42 "$D/vm.xml" "" "$HNOW"

	# ---- save / restore
	if have vmm/vmware/save vmm/vmware/restore; then
		if step "save" SUCCESS vmm SAVE "$D/vm.xml"; then
			check "one-42 no longer running on $VHOST (suspended or unregistered)" not state_is "$VURI" one-42 running
			check "its files stay on the datastore" esxmad_ssh "$VHOST" "test -f /vmfs/volumes/0/42/disk.0/one-42.vmx"
			step "restore" SUCCESS vmm RESTORE "$D/vm.xml" \
				&& check "one-42 running again on $VHOST" state_is "$VURI" one-42 running
		fi
	else waiting "save/restore" "VMM actions"; fi

	# ---- shutdown, TM epilog
	if have vmm/vmware/shutdown; then
		step "shutdown" SUCCESS vmm SHUTDOWN "$D/vm.xml" \
			&& check "one-42 gone from $VHOST" vm_not_in_bed vpx one-42
	else waiting "vmm/vmware/shutdown" "VMM actions"; fi
fi
if have tm/vmfs/delete; then
	xfr=$("$ONED" transfer epilog "$D/vm.xml")
	step "TM epilog (delete)" SUCCESS tm 42 "$xfr" \
		&& check "VM folder /vmfs/volumes/0/42 removed" esxmad_ssh host1 "test ! -e /vmfs/volumes/0/42"
else
	waiting "tm/vmfs/delete" "ssh + TM + datastore"
	esxmad_ssh host1 "rm -rf /vmfs/volumes/0/42" >>"$E2E_LOG" 2>&1
fi

# ---------------------------------------------------------------- VM 43: deploy fails
echo "${_B}VM 43: its disk is missing, deploy fails, CLEANUP${_N}"
vm43() {
	VM_ID=43 VM_NAME=e2e-broken VM_MEMORY=128 VM_DEPLOY_ID= \
	VM_TEMPLATE_EXTRA="$(oned_disk 0 "$SOURCE" sda 1 7)$(oned_nic 0 0 "$BR" 02:00:0a:00:00:2b e1000)" \
	VM_HISTORY=$(VM_ID=43 oned_history 0 host1 1 0 $VNM) oned_vm "$1"
}
vm43 "$D/vm43.xml"
if have vmm/vmware/deploy vmm/vmware/cancel tm/vmfs/delete; then
	esxmad_ssh host1 "mkdir -p /vmfs/volumes/0/43" >>"$E2E_LOG" 2>&1   # prolog ran; disk.0 is missing
	step "deploy of a VM without its disk" FAILURE vmm DEPLOY "$D/vm43.xml" \
		&& check "the failure names the missing file ($REPLY_INFO)" grep -qi "disk.0\|not found\|notfound" <<<"$REPLY_INFO"
	check "deploy left no VM one-43 registered" vm_not_in_bed vpx one-43
	step "CLEANUP (cancel if deployed + TM delete)" SUCCESS vmm CLEANUP "$D/vm43.xml"
	check "nothing left of VM 43 on datastore 0" esxmad_ssh host1 "test ! -e /vmfs/volumes/0/43"
	check "no one-43 anywhere" vm_not_in_bed vpx one-43
else
	waiting "failed deploy + CLEANUP" "VMM actions; ssh + TM"
fi

# ---------------------------------------------------------------- VM 44: dynamic networking
echo "${_B}VM 44: dynamic networking (VN_MAD vmware), network 5 with VLAN 105${_N}"
if have vnm/vmware/pre vnm/vmware/post vnm/vmware/clean vmm/vmware/deploy vmm/vmware/migrate vmm/vmware/cancel tm/vmfs/clone tm/vmfs/delete; then
	NIC44="<NIC><BRIDGE><![CDATA[vSwitch0]]></BRIDGE><IP><![CDATA[10.0.5.44]]></IP><MAC><![CDATA[02:00:0a:00:05:2c]]></MAC><MODEL><![CDATA[e1000]]></MODEL><NETWORK><![CDATA[net-5]]></NETWORK><NETWORK_ID><![CDATA[5]]></NETWORK_ID><NETWORK_UNAME><![CDATA[oneadmin]]></NETWORK_UNAME><NIC_ID><![CDATA[0]]></NIC_ID><VLAN><![CDATA[YES]]></VLAN><VLAN_ID><![CDATA[105]]></VLAN_ID></NIC>"
	vm44() {
		VM_ID=44 VM_NAME=e2e-dyn VM_MEMORY=128 VM_DEPLOY_ID=${2-one-44} \
		VM_TEMPLATE_EXTRA="$(oned_disk 0 "$SOURCE" sda 1 7)$NIC44" VM_HISTORY=$3 oned_vm "$1"
	}
	G1=$(VM_ID=44 oned_history 0 host1 1 0 vmware)
	G12="$G1$(VM_ID=44 oned_history 1 host2 2 0 vmware)"
	vm44 "$D/vm44.xml" "" "$G1"
	xfr=$("$ONED" transfer prolog "$D/vm44.xml")
	step "TM prolog" SUCCESS tm 44 "$xfr"
	if step "deploy (vnm pre makes the port group)" SUCCESS vmm DEPLOY "$D/vm44.xml"; then
		check "deployment file: bridge one-pg-5" grep -q "<source bridge='one-pg-5'/>" "$ONE_LOCATION/var/vms/44/deployment.0"
		check "port group one-pg-5 on host1's vSwitch0, VLAN 105" esxmad_ssh host1 "esxcfg-vswitch -l | grep -q 'one-pg-5 *105 '"
		check "one-44's NIC is on one-pg-5" lists "$VPX1" domiflist one-44 " one-pg-5 .*02:00:0a:00:05:2c"
		vm44 "$D/vm44m.xml" one-44 "$G12"
		step "migrate to host2 (vnm pre on host2)" SUCCESS vmm MIGRATE "$D/vm44m.xml" \
			&& check "port group one-pg-5 on host2, VLAN 105" esxmad_ssh host2 "esxcfg-vswitch -l | grep -q 'one-pg-5 *105 '" \
			&& check "one-44 on host2" vm_in_bed vpx one-44 "" host2
		step "cancel" SUCCESS vmm CANCEL "$D/vm44m.xml" && check "one-44 gone" vm_not_in_bed vpx one-44
		xfr=$("$ONED" transfer epilog "$D/vm44m.xml")
		step "TM epilog" SUCCESS tm 44 "$xfr" && check "nothing left of VM 44" esxmad_ssh host2 "test ! -e /vmfs/volumes/0/44"
	fi
else
	waiting "dynamic networking (vnm/vmware)" "VMX + network driver"
fi

# ---------------------------------------------------------------- image removal
if have datastore/vmfs/rm; then
	oned_ds_data "$D/ds-rm.xml" 7 1 "host1 host2" "$D/img" 0 "" 16 "$SOURCE"
	step "datastore rm (remove image 7)" SUCCESS ds rm 7 "$D/ds-rm.xml" \
		&& check "image folder removed" esxmad_ssh host1 "test ! -e $SOURCE"
else
	waiting "datastore/vmfs/rm" "ssh + TM + datastore"
fi
check "no VM left in the vCenter's hosts" not sh -c "curl -sfk https://127.0.0.1:$VPX_API_PORT/esxsim/vms | grep -q '^one-4[23] '"
e2e_finish
