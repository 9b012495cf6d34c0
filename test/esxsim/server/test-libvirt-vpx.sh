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
finish
