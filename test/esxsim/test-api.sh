#!/bin/bash
# The test bed's API and shell share one state, checked with virsh (libvirt's
# esx driver) and plain OpenSSH only (no esxmad code): define a VM on a disk
# made by vmkfstools, start, snapshots, vim-cmd, disk hot-add, port groups,
# migration between the vCenter hosts. Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/lib.sh"
esxsim_need virsh curl

esxsim_start
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; esxsim_stop' EXIT

domxml() { # domxml NAME DS
	cat <<EOF
<domain type='vmware'>
  <name>$1</name>
  <memory>262144</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='[$2] $1/disk.0/disk.vmdk'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <controller type='scsi' index='0' model='lsilogic'/>
    <interface type='bridge'>
      <mac address='02:00:0a:00:00:01'/>
      <source bridge='VM Network'/>
      <model type='e1000'/>
    </interface>
    <graphics type='vnc' port='5901'/>
  </devices>
</domain>
EOF
}

# --- standalone ESX ---
check "virsh list on ESX_URI" esx_virsh "$ESX_URI" list --all
check "virsh hostname" test -n "$(esx_virsh "$ESX_URI" hostname)"
check "vmkfstools -c over ssh" esx_ssh esx1 'mkdir -p /vmfs/volumes/datastore1/vm1/disk.0 && vmkfstools -c 32M -d thin /vmfs/volumes/datastore1/vm1/disk.0/disk.vmdk >/dev/null'
domxml vm1 datastore1 >"$tmp/vm1.xml"
out=$(esx_virsh "$ESX_URI" define "$tmp/vm1.xml" 2>&1)
check "virsh define ($out)" test $? = 0
line=$(esx_ssh esx1 vim-cmd vmsvc/getallvms | grep ' vm1 ')
vmid=$(echo "$line" | cut -d' ' -f1)
check "vim-cmd getallvms sees vm1 ($line)" grep -q '^[0-9][0-9]* .*\[datastore1\] vm1/disk.0/vm1.vmx' <<<"$line"
hdr=$(esx_ssh esx1 vim-cmd vmsvc/getallvms | head -1)
check "getallvms header ($hdr)" grep -q '^Vmid  *Name  *File  *Guest OS  *Version  *Annotation' <<<"$hdr"
check "virsh start" esx_virsh "$ESX_URI" start vm1
check "vim-cmd power.getstate says Powered on" test "$(esx_ssh esx1 vim-cmd vmsvc/power.getstate "$vmid" | tail -1)" = "Powered on"
out=$(esx_virsh "$ESX_URI" snapshot-create-as vm1 snap1 2>&1)
check "snapshot-create-as ($out)" test $? = 0
check "snapshot-list shows snap1" grep -q snap1 <<<"$(esx_virsh "$ESX_URI" snapshot-list vm1)"
check "snapshot-revert" esx_virsh "$ESX_URI" snapshot-revert vm1 snap1

# disk hot-add through vim-cmd, seen by libvirt (which reads the .vmx)
esx_ssh esx1 'mkdir -p /vmfs/volumes/datastore1/vm1/disk.1 && vmkfstools -c 16M -d thin /vmfs/volumes/datastore1/vm1/disk.1/disk.vmdk >/dev/null'
out=$(esx_ssh esx1 vim-cmd vmsvc/device.diskaddexisting "$vmid" /vmfs/volumes/datastore1/vm1/disk.1/disk.vmdk 0 1 datastore1 2>&1)
check "diskaddexisting ($out)" test -z "$out"
xml=$(esx_virsh "$ESX_URI" dumpxml vm1)
check "virsh dumpxml shows the added disk" grep -q "vm1/disk.1/disk.vmdk" <<<"$xml"
check "... as sdb" grep -q "target dev='sdb'" <<<"$xml"
esx_soap_login "$ESX_URL" >/dev/null
dev=$(esx_soap_get "$ESX_URL" VirtualMachine "vm-$vmid" config.hardware.device)
check "the API (raw SOAP) lists the added disk in the VM's devices" grep -q 'vm1/disk.1/disk.vmdk' <<<"$dev"
check ".vmx has scsi0:1" grep -q '^scsi0:1.fileName' "$ESX_ROOT"/vmfs/volumes/datastore1/vm1/disk.0/vm1.vmx
out=$(esx_ssh esx1 vim-cmd vmsvc/device.diskaddexisting "$vmid" /vmfs/volumes/datastore1/vm1/disk.1/disk.vmdk 0 1 datastore1 2>&1); rc=$?
check "diskaddexisting on a used unit fails" grep -q 'Reconfigure failed' <<<"$out"
out=$(esx_ssh esx1 vim-cmd vmsvc/device.diskremove "$vmid" 0 1 /vmfs/volumes/datastore1/vm1/disk.1 2>&1)
check "diskremove ($out)" test -z "$out"
check "virsh dumpxml no longer shows it" not grep -q "vm1/disk.1/disk.vmdk" <<<"$(esx_virsh "$ESX_URI" dumpxml vm1)"
check "diskremove kept the file (delete-file arg is not 'true')" esx_ssh esx1 test -f /vmfs/volumes/datastore1/vm1/disk.1/disk.vmdk

# power through vim-cmd, seen by libvirt
check "vim-cmd power.off" esx_ssh esx1 vim-cmd vmsvc/power.off "$vmid" >/dev/null
check "virsh domstate: shut off" grep -q 'shut off' <<<"$(esx_virsh "$ESX_URI" domstate vm1)"
check "vim-cmd power.on" esx_ssh esx1 vim-cmd vmsvc/power.on "$vmid" >/dev/null
check "virsh domstate: running" grep -q 'running' <<<"$(esx_virsh "$ESX_URI" domstate vm1)"
check "vim-cmd power.getstate of an unknown vmid fails" not esx_ssh esx1 vim-cmd vmsvc/power.getstate 99999 2>/dev/null
touch "$ESX_ROOT/etc/esxsim/vim-cmd-exit-zero"
out=$(esx_ssh esx1 vim-cmd vmsvc/power.getstate 99999 2>&1)
check "knob vim-cmd-exit-zero: exit 0" test $? = 0
check "... message kept ($out)" grep -q 'Unable to find a VM' <<<"$out"
rm "$ESX_ROOT/etc/esxsim/vim-cmd-exit-zero"
esx_ssh esx1 vim-cmd vmsvc/power.off "$vmid" >/dev/null
check "vim-cmd unregister" esx_ssh esx1 vim-cmd vmsvc/unregister "$vmid"
check "virsh no longer lists vm1" not grep -q vm1 <<<"$(esx_virsh "$ESX_URI" list --all --name)"
newid=$(esx_ssh esx1 vim-cmd solo/registervm /vmfs/volumes/datastore1/vm1/disk.0/vm1.vmx vm1)
check "vim-cmd solo/registervm prints a vmid ($newid)" grep -qE '^[0-9]+$' <<<"$newid"
check "virsh lists vm1 again" grep -q vm1 <<<"$(esx_virsh "$ESX_URI" list --all --name)"
check "hostsvc/datastore/listsummary" grep -q 'url = "/vmfs/volumes/' <<<"$(esx_ssh esx1 vim-cmd hostsvc/datastore/listsummary)"

# port groups made in the shell are seen through the API
check "esxcfg-vswitch --add-pg" esx_ssh esx1 esxcfg-vswitch vSwitch0 --add-pg=one-pg-7
check "esxcfg-vswitch -p --vlan" esx_ssh esx1 esxcfg-vswitch -p one-pg-7 --vlan=7 vSwitch0
check "esxcfg-vswitch -l shows one-pg-7 with VLAN 7" grep -qE '^ +one-pg-7 +7 ' <<<"$(esx_ssh esx1 esxcfg-vswitch -l)"
check "esxcfg-vswitch -C one-pg-7 prints 1" test "$(esx_ssh esx1 esxcfg-vswitch -C one-pg-7)" = 1
check "OpenNebula's vnm line works" esx_ssh esx1 '((esxcfg-vswitch vSwitch0 -l|grep one-pg-8) || /sbin/esxcfg-vswitch vSwitch0 --add-pg one-pg-8); /sbin/esxcfg-vswitch vSwitch0 -p one-pg-8 --vlan=10'
ns=$(esx_soap_get "$ESX_URL" HostSystem ha-host configManager.networkSystem | sed -n 's/.*type="HostNetworkSystem">\([^<]*\)<.*/\1/p')
pgs=$(esx_soap_get "$ESX_URL" HostNetworkSystem "$ns" networkInfo.portgroup)
check "the API (raw SOAP) has one-pg-7 with vlanId 7" grep -q '<name>one-pg-7</name><vlanId>7</vlanId>' <<<"$pgs"
net=$(esx_virsh "$ESX_URI" net-dumpxml vSwitch0 2>&1)
check "libvirt net-dumpxml vSwitch0 shows one-pg-7" grep -q "one-pg-7" <<<"$net"
check "esxcfg-vswitch -A / -D" esx_ssh esx1 'esxcfg-vswitch -A pg-x vSwitch0 && esxcfg-vswitch -C pg-x | grep -q 1 && esxcfg-vswitch -D pg-x vSwitch0 && esxcfg-vswitch -C pg-x | grep -q 0'

# --- vCenter: two hosts, migration ---
check "virsh list on VPX_URI_HOST1" esx_virsh "$VPX_URI_HOST1" list --all
check "vmkfstools on host1" esx_ssh host1 'mkdir -p /vmfs/volumes/0/vm2/disk.0 && vmkfstools -c 16M -d thin /vmfs/volumes/0/vm2/disk.0/disk.vmdk >/dev/null'
domxml vm2 0 >"$tmp/vm2.xml"
check "define vm2 on host1" esx_virsh "$VPX_URI_HOST1" define "$tmp/vm2.xml"
check "start vm2" esx_virsh "$VPX_URI_HOST1" start vm2
check "host1's getallvms has vm2" grep -q ' vm2 ' <<<"$(esx_ssh host1 vim-cmd vmsvc/getallvms)"
check "host2's getallvms has no vm2" not grep -q ' vm2 ' <<<"$(esx_ssh host2 vim-cmd vmsvc/getallvms)"
out=$(esx_virsh "$VPX_URI_HOST1" migrate --live vm2 "$VPX_URI_HOST2" 2>&1)
check "virsh migrate host1 -> host2 ($out)" test $? = 0
check "vm2 listed on host2" grep -q vm2 <<<"$(esx_virsh "$VPX_URI_HOST2" list --name)"
check "vm2 gone from host1" not grep -q vm2 <<<"$(esx_virsh "$VPX_URI_HOST1" list --all --name)"
check "host2's getallvms has vm2 after migration" grep -q ' vm2 ' <<<"$(esx_ssh host2 vim-cmd vmsvc/getallvms)"
check "host1's getallvms no longer has vm2" not grep -q ' vm2 ' <<<"$(esx_ssh host1 vim-cmd vmsvc/getallvms)"
check "port group on host1" esx_ssh host1 esxcfg-vswitch vSwitch0 --add-pg=one-pg-1
out=$(esx_ssh host2 esxcfg-vswitch vSwitch0 --add-pg=one-pg-1 2>&1)
check "same port group on host2 ($out)" test -z "$out"
check "host2 -l shows one-pg-1" grep -q one-pg-1 <<<"$(esx_ssh host2 esxcfg-vswitch -l)"
esxsim_finish
