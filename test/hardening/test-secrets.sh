#!/bin/bash
# The vSphere password never leaks.  Every installed program (VMM, IM, VNM,
# TM, datastore, operator commands) runs against the bed with a known
# password, once from :password_file: with every debug switch on
# (ESXMAD_DEBUG=1, LIBVIRT_DEBUG=1, libvirt's log to a file), once from
# :password: in vmwarerc.  While they run, a sampler reads /proc/*/cmdline
# and /proc/*/environ of every process again and again; afterwards the
# password must be in none of them, nor in any program's stdout/stderr,
# libvirt's log, the session cache, or any file created under /tmp,
# /var/tmp or the test's folder during the run.
. "$(dirname "$0")/lib.sh"
hard_need vmm/deploy
hard_start
PW=$PASSWORD_FILE
[ "$(wc -c < "$PW")" -ge 8 ] || { fail "bed password too short to search for"; esxsim_finish; }
# the sampler and greps take the password from a file (-f), never argv/env
grep -v '^$' "$PW" | head -1 > "$T/pw.pattern"

hits=$T/proc-hits
sampler () {
  local n=0
  while [ ! -e "$T/stop-sampler" ]; do
    grep -alF -f "$T/pw.pattern" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null |
      while read -r f; do
        echo "$f $(tr '\0' ' ' < "${f%/*}/cmdline" 2>/dev/null | cut -c1-200)"
      done >> "$hits"
    n=$((n + 1))
  done
  echo "$n" > "$T/samples"
}
# processes of the bed that hold it on purpose would show before we start
grep -alF -f "$T/pw.pattern" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null > "$T/baseline" || true
[ -s "$T/baseline" ] && echo "# already holding the password before the run (bed): $(cat "$T/baseline")"

touch "$T/marker"; sleep 1
sampler & spid=$!
# positive control: a process holding the password in its environment must be seen
( ESXMAD_CONTROL=$(cat "$T/pw.pattern") exec sleep 2 ) & cpid=$!
OUT=$T/outputs; : > "$OUT"
nrun=0 nfail=0
act () { # PROG ARGS...: run it, keep its stdout/stderr
  run "$@"
  nrun=$((nrun + 1))
  { echo "== $* (exit $rc)"; printf '%s\n' "$out" "$err"; } >> "$OUT"
  if [ "$rc" != 0 ]; then nfail=$((nfail + 1)); echo "# $1 exit $rc: $(errmsg | cut -c1-200)"; fi
}
vmxml () { # VID HOST: base64 VM XML with one NIC on network 7 (vSwitch0)
  printf '<VM><ID>%s</ID><NAME>vm%s</NAME><TEMPLATE><NIC><NIC_ID>0</NIC_ID><MAC>02:00:00:00:07:%02x</MAC><NETWORK_ID>7</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE><VLAN>YES</VLAN><VLAN_ID>107</VLAN_ID></NIC></TEMPLATE><HISTORY_RECORDS><HISTORY><HOSTNAME>%s</HOSTNAME></HISTORY></HISTORY_RECORDS></VM>' \
    "$1" "$1" "$1" "$2" | base64 -w0
}
printf 'ONEGATE="x"\n' > "$T/context.sh"
esx_ssh esx1 'mkdir -p /vmfs/volumes/1/img && vmkfstools -c 8M -d thin /vmfs/volumes/1/img/disk.vmdk' >/dev/null
cp -r "$ESX_ROOT/vmfs/volumes/1/img" "$T/localimg"

every_program () { # VID: one pass over every installed program (VIDs VID, VID+1)
  local v=$1 w=$(($1 + 1)) b
  b=$(vmxml "$v" esx1)
  hard_vm "$v" esx1 "<metadata><datavmx>foo.bar = \"1\"</datavmx></metadata>"
  hard_have vnm/pre && act vnm/pre "$b"
  act vmm/deploy "$VMS/$v/deployment.0" esx1 "$v" esx1
  hard_have vnm/post && act vnm/post "$b" "one-$v"
  hard_have vmm/poll && act vmm/poll "one-$v" esx1 "$v" esx1
  hard_have im/vmware && act im/vmware /vmfs/volumes 4124 20 0 esx1
  act vmm/snapshot_create "one-$v" 0 "$v" esx1
  local snap=$out
  act vmm/snapshot_revert "one-$v" "${snap:-none}" "$v" esx1
  act vmm/snapshot_delete "one-$v" "${snap:-none}" "$v" esx1
  act vmm/attach_nic "one-$v" 02:00:00:00:09:01 "VM Network" e1000 - "$v" esx1
  act vmm/detach_nic "one-$v" 02:00:00:00:09:01 "$v" esx1
  if hard_have tm/mkimage; then act tm/mkimage 8 vmdk_thin "esx1:/vmfs/volumes/0/$v/disk.1" "$v" 0
  else esx_ssh esx1 "mkdir -p /vmfs/volumes/0/$v/disk.1 && vmkfstools -c 8M -d thin /vmfs/volumes/0/$v/disk.1/disk.vmdk" >/dev/null; fi
  act vmm/attach_disk "one-$v" "/vmfs/volumes/0/$v/disk.1" sdb 1 drv_message "$v" esx1
  act vmm/detach_disk "one-$v" "/vmfs/volumes/0/$v/disk.1" sdb 1 "$v" esx1
  act vmm/reboot "one-$v" esx1 "$v" esx1
  act vmm/reset "one-$v" esx1 "$v" esx1
  act vmm/save "one-$v" "/vmfs/volumes/0/$v/checkpoint" esx1 "$v" esx1
  act vmm/restore "/vmfs/volumes/0/$v/checkpoint" esx1 "one-$v" "$v" esx1
  act vmm/shutdown "one-$v" esx1 "$v" esx1
  act vmm/cancel "one-$v" esx1 "$v" esx1
  hard_have vnm/clean && act vnm/clean "$b"
  # through the vCenter: deploy on host1, migrate to host2, cancel
  hard_vm "$w" host1
  act vmm/deploy "$VMS/$w/deployment.0" host1 "$w" host1
  act vmm/migrate "one-$w" host2 host1 "$w" host1
  act vmm/cancel "one-$w" host2 "$w" host2
  if hard_have tm/clone; then
    act tm/clone fe:/vmfs/volumes/1/img "esx1:/vmfs/volumes/0/$v/disk.2" "$v" 1
    act tm/ln fe:/vmfs/volumes/1/img "esx1:/vmfs/volumes/0/$v/disk.3" "$v" 1
    act tm/mkswap 8 "esx1:/vmfs/volumes/0/$v/disk.4" "$v" 0
    act tm/context "$T/context.sh" "esx1:/vmfs/volumes/0/$v/disk.5" "$v" 0
    act tm/cpds "esx1:/vmfs/volumes/0/$v/disk.2" "/vmfs/volumes/1/saved$v" "$v" 1
    act tm/mvds "esx1:/vmfs/volumes/0/$v/disk.1" "/vmfs/volumes/1/moved$v" "$v" 1
    act tm/premigrate esx1 esx1 "/vmfs/volumes/0/$v" "$v" 0
    act tm/postmigrate esx1 esx1 "/vmfs/volumes/0/$v" "$v" 0
    act tm/failmigrate esx1 esx1 "/vmfs/volumes/0/$v" "$v" 0
    act tm/mv "esx1:/vmfs/volumes/0/$v" "esx1:/vmfs/volumes/0/$v" "$v" 0
    act tm/delete "esx1:/vmfs/volumes/0/$v" "$v" 0
  fi
  local ds
  for ds in stat mkfs cp clone monitor rm; do
    hard_have "datastore/$ds" || continue
    local x
    local ipath=/vmfs/volumes/1/img
    case $ds in stat|cp) ipath=$T/localimg ;; esac   # a path on the front-end
    x=$(printf '<DS_DRIVER_ACTION_DATA><IMAGE><ID>%s</ID><PATH>'"$ipath"'</PATH><SOURCE>/vmfs/volumes/1/dsimg%s</SOURCE><TYPE>0</TYPE><SIZE>8</SIZE><FSTYPE>vmdk_thin</FSTYPE><TEMPLATE></TEMPLATE></IMAGE><DATASTORE><ID>1</ID><BASE_PATH>/vmfs/volumes/1</BASE_PATH><TEMPLATE><BRIDGE_LIST>esx1</BRIDGE_LIST></TEMPLATE></DATASTORE></DS_DRIVER_ACTION_DATA>' "$v" "$v" | base64 -w0)
    act "datastore/$ds" "$x" "$v"
  done
  hard_have bin/esxmad-check && act bin/esxmad-check esx1
  return 0
}

# pass 1: :password_file:, everything in debug mode
export ESXMAD_DEBUG=1 LIBVIRT_DEBUG=1 LIBVIRT_LOG_OUTPUTS="1:file:$T/libvirt.log"
every_program 20
unset ESXMAD_DEBUG LIBVIRT_DEBUG
export LIBVIRT_LOG_OUTPUTS=1:file:/dev/null
# pass 2: :password: inline (the vmwarerc is the one file allowed to hold it)
mkdir -p "$T/conf"
hard_rc ":password: \"$(cat "$T/pw.pattern")\""
sed -i '/^:password_file:/d' "$VMWARERC"
mv "$VMWARERC" "$T/conf/vmwarerc"; VMWARERC=$T/conf/vmwarerc
every_program 30

touch "$T/stop-sampler"; wait "$spid"
echo "# $nrun runs ($nfail failed), $(cat "$T/samples") samples of /proc"
[ "$nrun" -ge 20 ] && ok "$nrun program runs" || fail "only $nrun runs"
[ "$(vm_state one-20)" != x ] # (keep set -u happy)

grep -q "^/proc/$cpid/environ " "$hits" && ok "the sampler sees a process holding the password (control)" \
  || fail "the sampler missed the control process $cpid"
# any process other than those of the baseline and the control
new=$(grep -v "^/proc/$cpid/" "$hits" | grep -vF -f <(sed 's/$/ /' "$T/baseline") 2>/dev/null | sort -u)
[ -z "$new" ] && ok "password in no process's argv or environment ($(cat "$T/samples") samples)" \
  || fail "password seen in: $(printf '%s' "$new" | head -5)"
grep -qF -f "$T/pw.pattern" "$OUT" && fail "password on a program's stdout/stderr: $(grep -F -f "$T/pw.pattern" "$OUT" | head -3 | cut -c1-200)" \
  || ok "password on no stdout/stderr ($(wc -l < "$OUT") lines)"
if [ -s "$T/libvirt.log" ]; then
  grep -qF -f "$T/pw.pattern" "$T/libvirt.log" && fail "password in libvirt's debug log" \
    || ok "password not in libvirt's debug log ($(wc -c < "$T/libvirt.log") bytes)"
else fail "no libvirt debug log written"; fi
ncache=$(find "$T/cache" -type f | wc -l)
grep -rlF -f "$T/pw.pattern" "$T/cache" >/dev/null && fail "password in the session cache" \
  || ok "password not in the session cache ($ncache files)"
leaks=$(find /tmp /var/tmp "$T" -xdev -type f -newer "$T/marker" ! -path "$T/conf/vmwarerc" ! -path "$T/pw.pattern" \
  -exec grep -lF -f "$T/pw.pattern" {} + 2>/dev/null)
nfiles=$(find /tmp /var/tmp "$T" -xdev -type f -newer "$T/marker" 2>/dev/null | wc -l)
[ -z "$leaks" ] && ok "password in none of the $nfiles files created under /tmp, /var/tmp, the test folder" \
  || fail "password in files: $leaks"
left=$(find /tmp /var/tmp -maxdepth 1 -newer "$T/marker" -name 'esxmad-noauth-*' 2>/dev/null)
[ -z "$left" ] && ok "no temporary auth file left" || fail "left behind: $left"
esxsim_finish
