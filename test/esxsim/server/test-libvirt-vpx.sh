#!/bin/sh
# libvirt vpx:// against esxsim-server -mode vpx: per-host lists and live migration.
. "$(dirname "$0")/testlib.sh"

start_server vpx -mode vpx -host-names host1,host2 -vms 4
DS1="$ROOT_DIR/vmfs/volumes/datastore1"
check "ready file has VPX_PATH_host1" test "$VPX_PATH_host1" = "DC0/DC0_C0/host1"
U1="vpx://127.0.0.1:$PORT/$VPX_PATH_host1?no_verify=1"
U2="vpx://127.0.0.1:$PORT/$VPX_PATH_host2?no_verify=1"
l1() { timeout 60 virsh -c "$U1" list --all --name; }
l2() { timeout 60 virsh -c "$U2" list --all --name; }
check "host1 lists wild-1" sh -c "$(command -v timeout) 60 virsh -c '$U1' list --all --name | grep -qx wild-1"
check "host2 lists wild-2" sh -c "$(command -v timeout) 60 virsh -c '$U2' list --all --name | grep -qx wild-2"
check "host1 does not list wild-2" sh -c "! timeout 60 virsh -c '$U1' list --all --name | grep -qx wild-2"
check "nodeinfo host1" sh -c "timeout 60 virsh -c '$U1' nodeinfo | grep -q 'CPU(s)'"
check "dumpxml wild-1 via vpx" sh -c "timeout 60 virsh -c '$U1' dumpxml wild-1 | grep -q 'wild-1.vmdk'"
check "migrate wild-1 host1 -> host2" timeout 60 virsh -c "$U1" migrate --live wild-1 "$U2"
check "host2 lists wild-1" sh -c "timeout 60 virsh -c '$U2' list --all --name | grep -qx wild-1"
check "host1 no longer lists wild-1" sh -c "! timeout 60 virsh -c '$U1' list --all --name | grep -qx wild-1"
check "control endpoint shows wild-1 on host2" sh -c "curl -skf https://127.0.0.1:$PORT/esxsim/vms | grep -q '^wild-1 vm-[0-9]* host2 '"
check "migrate back host2 -> host1" timeout 60 virsh -c "$U2" migrate --live wild-1 "$U1"
check "host1 lists wild-1 again" sh -c "timeout 60 virsh -c '$U1' list --all --name | grep -qx wild-1"
check "offline migrate of a powered-off VM (wild-3)" timeout 60 virsh -c "$U1" migrate wild-3 "$U2"

# RemoveSnapshot_Task on a snapshot that has children: removeChildren=false
# re-parents them (as ESX does), true removes the subtree
sv() { timeout 60 virsh -c "$U1" "$@"; }
for s in p1 p2 p3; do check "snapshot-create-as wild-1 $s" sv snapshot-create-as wild-1 $s; done
check "snapshot-delete p2 (middle, has a child)" sh -c "timeout 60 virsh -c '$U1' snapshot-delete wild-1 p2 | grep -q deleted"
check "p3 re-parented under p1" sh -c "timeout 60 virsh -c '$U1' snapshot-parent wild-1 p3 | grep -qx p1"
check "p3 still current" sh -c "timeout 60 virsh -c '$U1' snapshot-current --name wild-1 | grep -qx p3"
check "snapshot-revert p1 (has a child)" sv snapshot-revert wild-1 p1
check "snapshot-delete p1 (root, current, has a child)" sh -c "timeout 60 virsh -c '$U1' snapshot-delete wild-1 p1 | grep -q deleted"
check "p3 is a root now" sh -c "timeout 60 virsh -c '$U1' snapshot-list --roots --name wild-1 | grep -qx p3"
check "no current snapshot after removing the current root" sh -c "! timeout 60 virsh -c '$U1' snapshot-current --name wild-1"
check "snapshot-revert p3" sv snapshot-revert wild-1 p3
check "snapshot-create-as wild-1 p4 (child of p3)" sv snapshot-create-as wild-1 p4
check "p4 is a child of p3" sh -c "timeout 60 virsh -c '$U1' snapshot-parent wild-1 p4 | grep -qx p3"
check "snapshot-delete --children p3 (removeChildren=true)" sh -c "timeout 60 virsh -c '$U1' snapshot-delete --children wild-1 p3 | grep -q deleted"
check "no snapshot left" sh -c "test -z \"\$(timeout 60 virsh -c '$U1' snapshot-list --name wild-1 | grep .)\""
check "no .vmsn left" sh -c "! ls '$DS1'/wild-1/*.vmsn 2>/dev/null | grep -q ."
finish
