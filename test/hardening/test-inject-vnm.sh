#!/bin/bash
# Hostile values in the VM XML given to the network driver (vnm/pre,
# vnm/clean, vnm/post): the NIC's BRIDGE (vSwitch), NETWORK_ID, VLAN_ID,
# MAC, the history's HOSTNAME and the VM ID.  Each is refused before
# anything reaches the ESX shell (esxcfg-vswitch), with a one-line message;
# no command runs, and no port group is created (an empty VLAN_ID is
# legal: the VLAN is 2 + NETWORK_ID, port group one-pg-7).
. "$(dirname "$0")/lib.sh"
hard_need vnm/pre vnm/clean vnm/post
HARD_TIMEOUT=5
hard_start
hard_payloads
esc () { printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'; }
# vm ID BRIDGE NETWORK_ID VLAN_ID MAC HOST -> base64 VM XML
vm () {
  printf '<VM><ID>%s</ID><TEMPLATE><NIC><NIC_ID>0</NIC_ID><MAC>%s</MAC><NETWORK_ID>%s</NETWORK_ID><BRIDGE>%s</BRIDGE><VLAN>YES</VLAN><VLAN_ID>%s</VLAN_ID></NIC></TEMPLATE><HISTORY_RECORDS><HISTORY><HOSTNAME>%s</HOSTNAME></HISTORY></HISTORY_RECORDS></VM>' \
    "$(esc "$1")" "$(esc "$5")" "$(esc "$3")" "$(esc "$2")" "$(esc "$4")" "$(esc "$6")" | base64 -w0
}
# port group names other than the legal one-pg-7
pgs () { esx_ssh esx1 esxcfg-vswitch -l | awk 'NF >= 3 && $2 ~ /^[0-9]+$/ && $1 != "one-pg-7" { print $1 }' | sort | md5sum; }
before=$(pgs)
for k in "${!P[@]}"; do
  p=${P[$k]} w=${PN[$k]}
  for a in pre clean; do
    run vnm/$a "$(vm 5 "$p" 7 107 02:00:00:00:07:05 esx1)";        expect_clean_fail "$a BRIDGE $w"
    run vnm/$a "$(vm 5 vSwitch0 "$p" 107 02:00:00:00:07:05 esx1)"; expect_clean_fail "$a NETWORK_ID $w"
    run vnm/$a "$(vm 5 vSwitch0 7 "$p" 02:00:00:00:07:05 esx1)"
    if [ -z "$p" ] && [ "$rc" = 0 ]; then ok "$a VLAN_ID empty: succeeds (legal: VLAN 2 + NETWORK_ID)"
    else expect_clean_fail "$a VLAN_ID $w"; fi
    run vnm/$a "$(vm 5 vSwitch0 7 107 02:00:00:00:07:05 "$p")";    expect_clean_fail "$a HOSTNAME $w"
    run vnm/$a "$(vm "$p" vSwitch0 7 107 02:00:00:00:07:05 esx1)"; expect_clean_fail "$a VM ID $w"
  done
  run vnm/post "$(vm 5 "$p" 7 107 02:00:00:00:07:05 esx1)" one-5;  expect_clean_fail "post BRIDGE $w"
done
expect_no_canary "hostile VM XML for vnm"
[ "$(pgs)" = "$before" ] && ok "no port group created or changed" || fail "esxcfg-vswitch -l changed"
esxsim_finish
