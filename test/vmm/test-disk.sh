#!/bin/bash
# vmm/attach_disk and detach_disk: hot-plug of disk.<i>/disk.vmdk on the
# SCSI controller at the target's address; the disk shows in the VM's
# devices; detach keeps the files; wrong disk / missing disk are errors.
. "$(dirname "$0")/lib.sh"
vmm_running 19
esx_ssh esx1 'mkdir -p /vmfs/volumes/0/19/disk.1 /vmfs/volumes/0/19/disk.2 && vmkfstools -c 8M -d thin /vmfs/volumes/0/19/disk.1/disk.vmdk && vmkfstools -c 8M -d thin /vmfs/volumes/0/19/disk.2/disk.vmdk' >/dev/null
disks () { esx_virsh "$ESX_URI" domblklist one-19; }
run attach_disk one-19 /vmfs/volumes/0/19/disk.1 sdb 1 drv_message 19 esx1
expect_ok "attach_disk sdb"
disks | grep -q 'disk.1/disk.vmdk' && ok "disk.1 in the VM's devices" || fail "disks: $(disks)"
vmx=$(esx_ssh esx1 'cat /vmfs/volumes/0/19/disk.0/one-19.vmx')
printf '%s\n' "$vmx" | grep -q '^scsi0:1.fileName = ".*19/disk.1/disk.vmdk"' && ok "at scsi0:1" || fail "vmx: $(printf '%s\n' "$vmx" | grep scsi0)"
run attach_disk one-19 /vmfs/volumes/0/19/disk.1 sdb 1 drv_message 19 esx1
expect_ok "attaching the same disk again is a no-op"
run attach_disk one-19 /vmfs/volumes/0/19/disk.2 sdb 1 drv_message 19 esx1
expect_fail "already holds" "another disk at a used address refused"
run attach_disk one-19 /vmfs/volumes/0/19/disk.2 hdb 1 drv_message 19 esx1
expect_fail "DEV_PREFIX=sd" "non-SCSI target refused"
run detach_disk one-19 /vmfs/volumes/0/19/disk.2 sdb 1 19 esx1
expect_fail "holds" "detaching a disk that is not there refused"
run detach_disk one-19 /vmfs/volumes/0/19/disk.1 sdb 1 19 esx1
expect_ok "detach_disk sdb"
! disks | grep -q 'disk.1/disk.vmdk' && ok "disk.1 gone from the VM" || fail "disks: $(disks)"
esx_ssh esx1 'test -f /vmfs/volumes/0/19/disk.1/disk.vmdk' && ok "its files kept" || fail "disk.1 deleted"
run detach_disk one-19 /vmfs/volumes/0/19/disk.1 sdb 1 19 esx1
expect_fail "has no disk 'sdb'" "detaching twice fails"
run attach_disk one-20 /vmfs/volumes/0/19/disk.2 sdc 2 drv_message 20 esx1
expect_fail "one-20" "attach_disk on a missing VM fails"
expect_no_leak
esxsim_finish
