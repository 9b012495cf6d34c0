#!/bin/sh
# esxsim-server restarted on a kept -root re-registers the VMs it finds.
. "$(dirname "$0")/testlib.sh"

start_server esx -mode esx -vms 3
DS1="$ROOT_DIR/vmfs/volumes/datastore1"
U="esx://127.0.0.1:$PORT/?no_verify=1"
uuid1=$DS_datastore1
mkvmdk "$DS1" vm1/vm1.vmdk 16
cat > "$T/vm1.xml" <<EOT
<domain type='vmware'><name>vm1</name><uuid>4d2b5a0c-1111-2222-3333-444455557777</uuid>
<memory>262144</memory><vcpu>2</vcpu><os><type>hvm</type></os>
<devices><disk type='file' device='disk'><source file='[datastore1] vm1/vm1.vmdk'/><target dev='sda' bus='scsi'/></disk></devices></domain>
EOT
check "define vm1" sh -c "timeout 30 virsh -c '$U' define '$T/vm1.xml' | grep -q defined"
pid=$PID
kill "$pid"; wait "$pid" 2>/dev/null
check "server exited on SIGTERM" sh -c "! kill -0 $pid 2>/dev/null"
rm -f "$T/esx/ready"
start_server esx -mode esx -vms 3
U="esx://127.0.0.1:$PORT/?no_verify=1"
check "datastore uuid kept" test "$DS_datastore1" = "$uuid1"
check "4 VMs after restart" test "$(timeout 30 virsh -c "$U" list --all --name | grep -c .)" -eq 4
check "vm1 back with its uuid and 2 vcpus" sh -c "timeout 30 virsh -c '$U' dominfo vm1 | grep -q 4d2b5a0c-1111-2222-3333-444455557777 && timeout 30 virsh -c '$U' dominfo vm1 | grep -q 'CPU(s): *2'"
check "vm1 can start" sh -c "timeout 30 virsh -c '$U' start vm1 | grep -q started"
finish
