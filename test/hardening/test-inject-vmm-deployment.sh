#!/bin/bash
# Hostile values inside the deployment file given to vmm/deploy: the VM
# name, the disk source (datastore and path), the NIC's bridge and MAC,
# and DATA_VMX (keys, values, lines that try to break out of the .vmx
# syntax).  No command runs on the ESX or the front-end; no file is
# written outside the VM's folder; a refused value fails with a one-line
# message and leaves no VM defined.  A NIC bridge with '"' or a newline
# is refused: libvirt 9.0 writes it unescaped into the .vmx, where it adds
# keys of the caller's choosing.  DATA_VMX values with shell characters
# are legal: they are written literally, quoted, into the .vmx.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy vmm/cancel
HARD_TIMEOUT=5
hard_start
hard_payloads
esc () { printf '%s' "$1" | sed "s/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/'/\&apos;/g"; }
hard_tree_snap
v=100
dep () { # DESC NAME SOURCE META BRIDGE MAC -> deploy of VM $v; sets $st
  local d=$1
  hard_vm $v esx1 >/dev/null
  hard_dfile "$2" "$3" "${4-}" "${5-}" "${6-}" > "$VMS/$v/deployment.0"
  run vmm/deploy "$VMS/$v/deployment.0" esx1 $v esx1
  st=$(vm_state "$2")
}
refused () { # DESC
  expect_clean_fail "$1"
  local s; s=$(vm_state "one-$v")
  [ "$s" = missing ] || fail "$1: one-$v left $s"
  run vmm/cancel "one-$v" esx1 $v esx1 >/dev/null
  v=$((v + 1))
}
legal () { # DESC: success allowed when harmless, else a clean failure
  if [ "$rc" = 0 ]; then ok "$1: succeeds harmlessly (legal)"; else expect_clean_fail "$1"; fi
  run vmm/cancel "one-$v" esx1 $v esx1 >/dev/null
  v=$((v + 1))
}
dv () { printf '<metadata><datavmx>%s</datavmx></metadata>' "$(esc "$1")"; }
for k in "${!P[@]}"; do
  p=${P[$k]} e=$(esc "${P[$k]}") w=${PN[$k]}
  dep "name $w" "$e" "[0] $v/disk.0/disk.vmdk" "$(dv 'a.b = "1"')";   refused "VM name $w"
  dep "src path $w" "one-$v" "[0] $v/$e/disk.vmdk" "$(dv 'a.b = "1"')"; refused "disk source path $w"
  dep "src ds $w" "one-$v" "[$e] $v/disk.0/disk.vmdk" "$(dv 'a.b = "1"')"; refused "disk source datastore $w"
  dep "bridge $w" "one-$v" "[0] $v/disk.0/disk.vmdk" "" "$e"
  case $p in *'"'*) refused "NIC bridge $w" ;; *) legal "NIC bridge $w (a raw newline in the XML attribute reads as a space)" ;; esac
  dep "mac $w" "one-$v" "[0] $v/disk.0/disk.vmdk" "" "" "$e"
  if [ -z "$p" ]; then legal "NIC MAC $w (the default MAC)"; else refused "NIC MAC $w"; fi
  dep "dv key $w" "one-$v" "[0] $v/disk.0/disk.vmdk" "$(dv "$p = \"1\"")"; refused "DATA_VMX key $w"
  dep "dv value $w" "one-$v" "[0] $v/disk.0/disk.vmdk" "$(dv "guestinfo.x = \"$p\"")"; legal "DATA_VMX value $w"
done
for s in "[0] ../../../../tmp/x/disk.vmdk" "[0] $v/../../1/x/disk.vmdk" "[0] /etc/x/disk.vmdk" "[../..] tmp/disk.vmdk" "[0]" "0/5/disk.vmdk"; do
  dep "src $s" "one-$v" "$s" "$(dv 'a.b = "1"')"; refused "disk source '$s'"
done
# a bridge that would add a .vmx key through libvirt (newline as &#10;)
hard_vm $v esx1 >/dev/null
hard_dfile "one-$v" "[0] $v/disk.0/disk.vmdk" "" 'VM Network&quot;&#10;evil.key = &quot;1' > "$VMS/$v/deployment.0"
run vmm/deploy "$VMS/$v/deployment.0" esx1 $v esx1
refused "NIC bridge with &quot;&#10; (a .vmx key injection through libvirt)"
grep -rqs '^evil.key' "$ESX_ROOT/vmfs/volumes/0/" && fail "evil.key reached a .vmx" || ok "no injected key in any .vmx"
for l in 'x = "1" y = "2"' 'x = "a"b"' 'x = 1' '"x" = "1"' 'x y = "1"' '= "1"'; do
  dep "dv line $l" "one-$v" "[0] $v/disk.0/disk.vmdk" "$(dv "$l")"; refused "DATA_VMX line '$l'"
done
expect_no_canary "hostile deployment files"
expect_no_escape "hostile deployment files"
esxsim_finish
