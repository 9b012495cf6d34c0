#!/bin/bash
# The SSH connection dropped during tm/clone (and the same for
# datastore/clone when built).  The proxy cuts after N bytes from the
# client; N is swept across the handshake, the login, the script and the
# end of stdin, so that the cut lands before, while and after the script
# reaches the ESX shell and the clone runs.  Each run either succeeds with
# a complete disk or fails with a one-line message leaving the
# destination absent or complete (never a descriptor without its data, a
# partial extent or a temporary file); once the fault is cleared, the
# same clone succeeds and the disk is complete.
. "$(dirname "$0")/lib.sh"
hard_need tm/clone
HARD_TIMEOUT=5 HARD_RUN_LIMIT=120
hard_start
E=$ESX_ROOT/vmfs/volumes
knob=$RUN/ssh-drop-after-esx1
# a 64 MiB source with 48 MiB of data
esx_ssh esx1 'mkdir -p /vmfs/volumes/1/src && vmkfstools -c 64M -d thin /vmfs/volumes/1/src/disk.vmdk' >/dev/null
head -c 48M /dev/urandom | dd of="$E/1/src/disk-flat.vmdk" conv=notrunc status=none
want=$(md5sum < "$E/1/src/disk-flat.vmdk")

state () { # DIR: absent | complete | partial:<why>
  local d=$1
  [ -e "$d" ] || { echo absent; return; }
  [ -f "$d/disk.vmdk" ] || { echo "partial:no descriptor"; return; }
  [ -f "$d/disk-flat.vmdk" ] || { echo "partial:no extent"; return; }
  [ "$(md5sum < "$d/disk-flat.vmdk")" = "$want" ] || { echo "partial:extent differs"; return; }
  echo complete
}
# (a whole tm/clone sends about 2.5 KB from the client: the sweep is finest there)
n=0 cuts=0 fails=0 passes=0 bad=0
for N in 1000 1500 $(seq 1800 100 3000) 3500 5000 10000; do
  n=$((n + 1))
  d=/vmfs/volumes/0/9/disk.$n
  echo "$N" > "$knob"
  run tm/clone fe:/vmfs/volumes/1/src "esx1:$d" 9 1
  echo 0 > "$knob"
  sleep 0.5                       # (a shell left running on the ESX finishes)
  s=$(state "$E${d#/vmfs/volumes}")
  parts=$(find "$E/0/9" -name '*esxmad-part*' -o -name '*.part' 2>/dev/null)
  if [ "$rc" = 0 ]; then
    passes=$((passes + 1))
    [ "$s" = complete ] && ok "cut after $N B: succeeded (${secs}s), disk complete" || { bad=$((bad + 1)); fail "cut after $N B: succeeded but disk $s"; }
  else
    fails=$((fails + 1))
    expect_clean_fail "cut after $N B"
    case $s in absent|complete) ok "cut after $N B: destination $s" ;;
      *) bad=$((bad + 1)); fail "cut after $N B: destination left $s: $(ls -l "$E${d#/vmfs/volumes}" 2>&1 | tr '\n' ' ')" ;; esac
  fi
  [ -z "$parts" ] || fail "cut after $N B: temporary files: $parts"
  run tm/clone fe:/vmfs/volumes/1/src "esx1:$d" 9 1
  expect_ok "cut after $N B: clone retried without the fault"
  [ "$(state "$E${d#/vmfs/volumes}")" = complete ] && ok "cut after $N B: retried disk complete" || fail "retried disk $(state "$E${d#/vmfs/volumes}")"
done
echo "# $n cuts: $fails failed cleanly, $passes succeeded, $bad half-made"
if hard_have datastore/clone; then
  x=$(printf '<DS_DRIVER_ACTION_DATA><IMAGE><ID>50</ID><PATH>/vmfs/volumes/1/src</PATH><TYPE>0</TYPE><TEMPLATE/></IMAGE><DATASTORE><ID>1</ID><BASE_PATH>/vmfs/volumes/1</BASE_PATH><TEMPLATE><BRIDGE_LIST>esx1</BRIDGE_LIST></TEMPLATE></DATASTORE></DS_DRIVER_ACTION_DATA>' | base64 -w0)
  for N in 1500 $(seq 1800 200 3000) 5000; do
    ls -A "$E/1" > "$T/b"
    echo "$N" > "$knob"; run datastore/clone "$x" 50; echo 0 > "$knob"; sleep 0.5
    if [ "$rc" = 0 ]; then
      [ "$(state "$ESX_ROOT$out")" = complete ] && ok "datastore/clone cut after $N B: succeeded, complete" || fail "datastore/clone cut after $N B: $out $(state "$ESX_ROOT$out")"
    else
      expect_clean_fail "datastore/clone cut after $N B"
      new=$(comm -13 "$T/b" <(ls -A "$E/1"))
      bads=""; for f in $new; do s=$(state "$E/1/$f"); [ "$s" = complete ] || bads="$bads $f:$s"; done
      [ -z "$bads" ] && ok "datastore/clone cut after $N B: nothing half-made" || fail "datastore/clone cut after $N B: left$bads"
    fi
  done
fi
esxsim_finish
