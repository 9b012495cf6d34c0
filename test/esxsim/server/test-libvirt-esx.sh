#!/bin/sh
# libvirt's esx driver against esxsim-server (esx mode, https and http).
. "$(dirname "$0")/testlib.sh"

start_server esx -mode esx -hostname esx1.sim.local -vms 4
DS1="$ROOT_DIR/vmfs/volumes/datastore1"
U="esx://127.0.0.1:$PORT/?no_verify=1"
v() { timeout 60 virsh -c "$U" "$@"; }
has() { pat=$1; shift; v "$@" | grep -q -- "$pat"; }

check "version" has "Running hypervisor: ESX" version
check "list --all shows 4 wild VMs" sh -c "test \$(timeout 30 virsh -c '$U' list --all --name | grep -c wild-) -eq 4"
check "nodeinfo" has "CPU(s)" nodeinfo
check "dominfo wild-1 running" has "running" dominfo wild-1
check "dominfo wild-3 shut off" has "shut off" dominfo wild-3
check "dumpxml wild-2 (vmx parsed)" has "\[datastore1\] wild-2/wild-2.vmdk" dumpxml wild-2
check "hostname" has "esx1.sim.local" hostname
check "pool-list" has "datastore1" pool-list --all
check "vol-list" has "wild-1/wild-1.vmdk" vol-list datastore1
check "vol-info capacity" has "2.00 GiB" vol-info "[datastore1] wild-1/wild-1.vmdk"
check "net-list" has "vSwitch0" net-list

# define / lifecycle
cat > "$T/vm1.xml" <<EOT
<domain type='vmware'>
  <name>vm1</name>
  <uuid>4d2b5a0c-1111-2222-3333-444455556666</uuid>
  <memory>524288</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='[datastore1] vm1/vm1.vmdk'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <interface type='bridge'>
      <mac address='00:50:56:01:02:03'/>
      <source bridge='VM Network'/>
      <model type='e1000'/>
    </interface>
    <graphics type='vnc' port='5901'/>
  </devices>
</domain>
EOT
check "define vm1 (disk missing)" has "defined" define "$T/vm1.xml"
check "start with missing disk fails with FileNotFound" sh -c "timeout 30 virsh -c '$U' start vm1 2>&1 | grep -F 'FileNotFound - File [datastore1] vm1/vm1.vmdk was not found'"
mkvmdk "$DS1" vm1/vm1.vmdk 64
check "vmx written under datastore" test -f "$DS1/vm1/vm1.vmx"
check "dumpxml vm1" has "\[datastore1\] vm1/vm1.vmdk" dumpxml vm1
check "dominfo vm1 uuid" has "4d2b5a0c-1111-2222-3333-444455556666" dominfo vm1
check "start vm1" has "started" start vm1
check "vm1 running" has "running" domstate vm1
check "suspend" has "suspended" suspend vm1
check "paused" has "paused" domstate vm1
check "resume" has "resumed" resume vm1
check "reboot" has "rebooted" reboot vm1
check "snapshot-create-as" has "snap1" snapshot-create-as vm1 snap1
check "snapshot-list" has "snap1" snapshot-list vm1
check "snapshot-revert" v snapshot-revert vm1 snap1
check "second snapshot" has "snap2" snapshot-create-as vm1 snap2
check "snapshot tree snap1 -> snap2" sh -c "timeout 30 virsh -c '$U' snapshot-list vm1 --tree | grep -q '+- snap2'"
check "snapshot-current is snap2" has "^snap2" snapshot-current vm1 --name
check "snapshot-revert to snap1 (has a child)" v snapshot-revert vm1 snap1
check "snapshot-delete snap1 keeps child" has "deleted" snapshot-delete vm1 snap1
check "snap2 still listed" has "snap2" snapshot-list vm1
check "snapshot-delete snap2" has "deleted" snapshot-delete vm1 snap2
check "OpenNebula checkpoint snapshot (snapshot-create with XML)" sh -c "echo '<domainsnapshot><name>checkpoint</name></domainsnapshot>' > '$T/cp.xml'; timeout 30 virsh -c '$U' snapshot-create vm1 '$T/cp.xml' | grep -q created"
check "suspend after checkpoint" has "suspended" suspend vm1
check "snapshot-revert --force checkpoint" v snapshot-revert --force vm1 checkpoint
check "running after revert (snapshot taken running, with memory)" has "running" domstate vm1
check "snapshot-delete checkpoint" has "deleted" snapshot-delete vm1 checkpoint
check "shutdown" has "shutdown" shutdown vm1
check "shut off after shutdown" has "shut off" domstate vm1
check "start again" has "started" start vm1
check "destroy" has "destroyed" destroy vm1
check "autostart" has "marked as autostarted" autostart vm1
check "autostart shown" has "Autostart:.*enable" dominfo vm1
check "autostart --disable" has "unmarked" autostart --disable vm1
check "setvcpus" v setvcpus vm1 2
check "setvcpus in vmx" grep -qi 'numvcpus = "2"' "$DS1/vm1/vm1.vmx"
check "vol-list shows vm1 disk" has "vm1/vm1.vmdk" vol-list datastore1
check "vol-key" has "6000c291" vol-key "[datastore1] vm1/vm1.vmdk"
check "vol-create-as thin" has "created" vol-create-as datastore1 vm1/extra.vmdk 10M --format vmdk
check "vol-create-as wrote ESX descriptor" grep -q 'createType="vmfs"' "$DS1/vm1/extra.vmdk"
check "vol-clone" has "cloned" vol-clone --pool datastore1 vm1/extra.vmdk vm1/extra2.vmdk
check "vol-clone extent renamed" grep -q '"extra2-flat.vmdk"' "$DS1/vm1/extra2.vmdk"
check "vol-delete" has "deleted" vol-delete --pool datastore1 vm1/extra2.vmdk
check "pool-refresh" has "refreshed" pool-refresh datastore1
check "undefine" has "undefined" undefine vm1
check "vm1 gone" sh -c "! timeout 30 virsh -c '$U' list --all --name | grep -qx vm1"

# http transport
start_server http -mode esx -tls=false -vms 2
UH="esx://127.0.0.1:$PORT/?transport=http"
check "http transport list" sh -c "timeout 30 virsh -c '$UH' list --all | grep -q wild-2"
finish
