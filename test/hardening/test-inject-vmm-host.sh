#!/bin/bash
# Hostile host names (the <host> arguments of every VMM action, the
# destination of migrate): refused before any connection, as a
# configuration error (exit 2) with a one-line message naming the host,
# whatever the action; nothing runs anywhere.  Includes values that would
# change a libvirt URI (esx1/?no_verify=1#, user@host, host:port) or an ssh
# command line (-oProxyCommand=...).
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/shutdown vmm/cancel vmm/reboot vmm/reset vmm/save vmm/restore \
  vmm/snapshot_create vmm/snapshot_revert vmm/snapshot_delete vmm/attach_nic \
  vmm/detach_nic vmm/attach_disk vmm/detach_disk vmm/migrate
hard_start
hard_payloads
P+=("esx1/?no_verify=1#" "root@esx1" "esx1:22" "-oProxyCommand=touch /tmp/CANARY_${TOK}_9" "esx1 esx2" "esx1%00x")
PN+=("URI query" "userinfo" "port" "ssh option" "space" "percent")

hard_vm 5
run vmm/deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "setup: deploy one-5"
hard_tree_snap
logins=$(api_stat LOGIN)

try () { # ACTION ARGS...
  run "vmm/$1" "${@:2}"
  if [ "$rc" = 2 ]; then expect_clean_fail "$1, host ${PN[$k]}" "host name"
  else expect_clean_fail "$1, host ${PN[$k]} (wanted exit 2)" "host name"; fail "$1: exit $rc, not 2"; fi
}
for k in "${!P[@]}"; do
  h=${P[$k]}
  try deploy "$VMS/5/deployment.0" "$h" 5 "$h"
  try shutdown one-5 "$h" 5 "$h"
  try cancel one-5 "$h" 5 "$h"
  try reboot one-5 "$h" 5 "$h"
  try reset one-5 "$h" 5 "$h"
  try save one-5 /vmfs/volumes/0/5/checkpoint "$h" 5 "$h"
  try restore /vmfs/volumes/0/5/checkpoint "$h" one-5 5 "$h"
  try snapshot_create one-5 0 5 "$h"
  try snapshot_revert one-5 snap-0-1 5 "$h"
  try snapshot_delete one-5 snap-0-1 5 "$h"
  try attach_nic one-5 02:00:00:00:00:99 "VM Network" e1000 - 5 "$h"
  try detach_nic one-5 02:00:00:00:00:99 5 "$h"
  try attach_disk one-5 /vmfs/volumes/0/5/disk.1 sdb 1 drv_message 5 "$h"
  try detach_disk one-5 /vmfs/volumes/0/5/disk.1 sdb 1 5 "$h"
  try migrate one-5 "$h" host1 5 host1
  try migrate one-5 host2 "$h" 5 "$h"
done
[ "$(api_stat LOGIN)" = "$logins" ] && ok "no login was even tried" || fail "logins: $logins -> $(api_stat LOGIN)"
expect_no_canary "hostile host names"
expect_no_escape "hostile host names" '^$'
[ "$(vm_state one-5)" = running ] && ok "one-5 still runs" || fail "one-5 is $(vm_state one-5)"
esxsim_finish
