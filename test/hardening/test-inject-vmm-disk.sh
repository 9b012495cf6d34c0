#!/bin/bash
# Hostile disk arguments of attach_disk / detach_disk (disk_target_path,
# target): every path that is not /vmfs/volumes/<ds>/<vm>/disk.<n> with
# plain components (no '.', '..', empty component, control character) and
# every target that is not sd<letters> is refused before any connection,
# with a one-line message naming the value; no disk is added to the VM.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/attach_disk vmm/detach_disk
hard_start
hard_payloads

hard_vm 5
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "setup: deploy one-5"
# a disk outside the VM's folder that an escaping path would reach
esx_ssh esx1 'mkdir -p /vmfs/volumes/0/disk.1 /vmfs/volumes/1/5/disk.1 && vmkfstools -c 1M -d thin /vmfs/volumes/0/disk.1/disk.vmdk && vmkfstools -c 1M -d thin /vmfs/volumes/1/5/disk.1/disk.vmdk' >/dev/null
hard_tree_snap
disks () { esx_virsh "$ESX_URI" domblklist one-5 | grep -c vmdk; }
before=$(disks)
logins=$(api_stat LOGIN)

paths=() pn=()
for k in "${!P[@]}"; do paths+=("/vmfs/volumes/0/5/${P[$k]}"); pn+=("disk.${PN[$k]}"); done
for k in "${!P[@]}"; do paths+=("${P[$k]}"); pn+=("${PN[$k]}"); done
paths+=("/vmfs/volumes/0/5/disk.1/.." "/vmfs/volumes/0/5/.." "/vmfs/volumes/0/.." "/vmfs/volumes/0/5/../disk.1"
  "/vmfs/volumes/0/5/../../1/5/disk.1" "/vmfs/volumes/../esx/vmfs/volumes/0/disk.1" "/vmfs/volumes/./0/5/disk.1"
  "/vmfs/volumes/0//5/disk.1" "/vmfs/volumes/0/5/./disk.1" "vmfs/volumes/0/5/disk.1" "/etc/passwd" "/vmfs/volumes/0"
  "/vmfs/volumes/0/disk.1" "/vmfs/volumes//5/disk.1" "/vmfs/volumes/0/5/disk.1
x" "/vmfs/volumes/0/5/disk.1$(printf '\t')")
pn+=("trailing /.." "<vm>/.." "<ds>/.." "/../ inside" "into another datastore" "../ at the datastore" "./ datastore"
  "empty component" "./ component" "relative" "/etc/passwd" "datastore only" "datastore top folder" "empty datastore"
  "newline" "tab")
for k in "${!paths[@]}"; do
  p=${paths[$k]}
  run vmm/attach_disk one-5 "$p" sdb 1 drv_message 5 esx1
  expect_clean_fail "attach_disk path ${pn[$k]}" "disk path"
  run vmm/detach_disk one-5 "$p" sdb 1 5 esx1
  expect_clean_fail "detach_disk path ${pn[$k]}" "disk path"
done
for k in "${!P[@]}" x; do
  if [ "$k" = x ]; then
    for t in sd sd1 sdB hda vdb "sdb " "sdb;x" sdaaaa "-sdb"; do
      run vmm/attach_disk one-5 /vmfs/volumes/0/5/disk.1 "$t" 1 drv_message 5 esx1
      expect_clean_fail "attach_disk target '$t'" "disk target"
    done
    continue
  fi
  run vmm/attach_disk one-5 /vmfs/volumes/0/5/disk.1 "${P[$k]}" 1 drv_message 5 esx1
  expect_clean_fail "attach_disk target ${PN[$k]}" "disk target"
  run vmm/detach_disk one-5 /vmfs/volumes/0/5/disk.1 "${P[$k]}" 1 5 esx1
  expect_clean_fail "detach_disk target ${PN[$k]}" "disk target"
done
[ "$(api_stat LOGIN)" = "$logins" ] && ok "refused before any connection" || fail "logins: $logins -> $(api_stat LOGIN)"
[ "$(disks)" = "$before" ] && ok "no disk added to one-5" || fail "disks: $before -> $(disks)"
expect_no_canary "hostile disk arguments"
expect_no_escape "hostile disk arguments" '^$'
esxsim_finish
