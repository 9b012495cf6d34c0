#!/bin/bash
# src/lib/vi.c against the simulated ESX: login, session cookie reuse across
# runs, an expired session replaced, wrong password, TLS thumbprint and CA
# refusals, cache folder checks, exact VM lookup, reset, NIC and disk
# hot-plug (checked in the simulator's .vmx files and control endpoint, not
# through esxmad), guestId, a fault injected into a task.
. "${ESXMAD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/test/vi/vi-lib.sh"
vi_start --vms 12

# --- login, cookie reuse, expiry ---------------------------------------
sim_ctl esx POST /esxsim/stats/reset >/dev/null
check "login" "$HVI" esx1 login
check "one Login on the server" test "$(sim_stat esx LOGIN)" = 1
f=$(ls "$WORK"/cache/vi-session-* 2>/dev/null | head -1)
check "session cached in a file of mode 0600" test "$(stat -c %a "$f" 2>/dev/null)" = 600
check "cache folder mode 0700" test "$(stat -c %a "$WORK/cache")" = 700
check "cache file has no password" not grep -qF "$(head -1 "$PASSWORD_FILE")" "$f"
moref=$("$HVI" esx1 find wild-1)
check "second run: find wild-1 ($moref)" test -n "$moref"
check "second run made no Login" test "$(sim_stat esx LOGIN)" = 1
"$HVI" esx1 find wild-2 >/dev/null
check "third run made no Login either" test "$(sim_stat esx LOGIN)" = 1
sim_ctl esx POST /esxsim/sessions/expire >/dev/null
moref2=$("$HVI" esx1 find wild-1 2>"$WORK/err")
check "after expiry: the call still succeeds ($(cat "$WORK/err"))" test "$moref2" = "$moref"
check "after expiry: exactly one new Login" test "$(sim_stat esx LOGIN)" = 2
"$HVI" esx1 find wild-1 >/dev/null
check "the new session is cached again" test "$(sim_stat esx LOGIN)" = 2

# --- concurrent runs share one session ------------------------------------
rm -f "$WORK"/cache/vi-session-*
l0=$(sim_stat esx LOGIN)
for i in 1 2 3 4 5 6 7 8 9 10; do "$HVI" esx1 find wild-1 >"$WORK/par-$i" 2>&1 & done
wait
check "10 concurrent runs with no cached session: all succeed" \
	test "$(cat "$WORK"/par-* | grep -c "^$moref\$")" = 10
check "10 concurrent runs: one Login ($(( $(sim_stat esx LOGIN) - l0 )))" test "$(sim_stat esx LOGIN)" = $((l0 + 1))
sim_ctl esx POST /esxsim/sessions/expire >/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do "$HVI" esx1 find wild-1 >"$WORK/par-$i" 2>&1 & done
wait
check "10 concurrent runs on an expired session: all succeed" \
	test "$(cat "$WORK"/par-* | grep -c "^$moref\$")" = 10
check "10 concurrent runs on an expired session: one new Login ($(( $(sim_stat esx LOGIN) - l0 - 1 )))" \
	test "$(sim_stat esx LOGIN)" = $((l0 + 2))

# --- exact lookup --------------------------------------------------------
want=$(sim_vms esx | awk '$1 == "wild-1" { print $2 }')
check "find wild-1 = the simulator's moref $want (wild-10..12 exist)" test "$moref" = "$want"
"$HVI" esx1 find wild- >/dev/null 2>&1
check "find 'wild-' is not found (exit 3)" test $? = 3
"$HVI" esx1 find WILD-1 >/dev/null 2>&1
check "find is case-sensitive" test $? = 3

# --- wrong password --------------------------------------------------------
printf 'not-the-password\n' >"$WORK/badpw"; chmod 600 "$WORK/badpw"
sed "s|^:password_file:.*|:password_file: \"$WORK/badpw\"|; s|^:cache_dir:.*|:cache_dir: \"$WORK/cache2\"|" "$VMWARERC" >"$WORK/rc-badpw"
VMWARERC=$WORK/rc-badpw "$HVI" esx1 login >"$WORK/out" 2>"$WORK/err"
rc=$?
check "wrong password: exit 1" test $rc = 1
check "wrong password: InvalidLogin reported ($(grep -m1 vSphere "$WORK/err"))" grep -q 'vSphere Login: InvalidLogin' "$WORK/err"
check "wrong password: the password is not shown" not grep -q 'not-the-password' "$WORK/err"
check "wrong password: no session cached" test -z "$(ls "$WORK/cache2" 2>/dev/null)"

# --- TLS -------------------------------------------------------------------
total=$(sim_stat esx TOTAL)
bad=00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33
write_rc "$WORK/rc-tp" "$bad"
sed -i "s|^:cache_dir:.*|:cache_dir: \"$WORK/cache3\"|" "$WORK/rc-tp"
VMWARERC=$WORK/rc-tp "$HVI" esx1 login >"$WORK/out" 2>"$WORK/err"
rc=$?
msg=$(grep -m1 'vSphere' "$WORK/err")
check "wrong thumbprint: exit 1" test $rc = 1
check "wrong thumbprint: message shows both thumbprints and the key ($msg)" \
	sh -c "grep -q '$ESX_THUMBPRINT' '$WORK/err' && grep -q '$bad' '$WORK/err' && grep -q ':tls_thumbprint:' '$WORK/err'"
check "wrong thumbprint: no request reached the server" test "$(sim_stat esx TOTAL)" = "$total"
# A CA that did not sign the simulator's certificate.
write_rc "$WORK/rc-ca" '' ":tls_ca_file: \"/etc/ssl/certs/ca-certificates.crt\""
sed -i "/:tls_thumbprint: \"\"/d; s|^:cache_dir:.*|:cache_dir: \"$WORK/cache4\"|" "$WORK/rc-ca"
VMWARERC=$WORK/rc-ca "$HVI" esx1 login >"$WORK/out" 2>"$WORK/err"
rc=$?
check "CA mismatch: refused ($(grep -m1 vSphere "$WORK/err"))" \
	sh -c "test $rc = 1 && grep -q ':tls_ca_file:' '$WORK/err'"
check "CA mismatch: no request reached the server" test "$(sim_stat esx TOTAL)" = "$total"

# --- cache folder checks -------------------------------------------------
mkdir -p -m 0777 "$WORK/opencache"; chmod 0777 "$WORK/opencache"
sed "s|^:cache_dir:.*|:cache_dir: \"$WORK/opencache\"|" "$VMWARERC" >"$WORK/rc-open"
VMWARERC=$WORK/rc-open "$HVI" esx1 login >/dev/null 2>"$WORK/err"
rc=$?
check "world-writable cache folder refused ($(grep -m1 cache "$WORK/err"))" \
	sh -c "test $rc != 0 && grep -q 'writable by group or others' '$WORK/err'"
mkdir -p "$WORK/othercache"; chown 65534 "$WORK/othercache"; chmod 700 "$WORK/othercache"
sed "s|^:cache_dir:.*|:cache_dir: \"$WORK/othercache\"|" "$VMWARERC" >"$WORK/rc-other"
VMWARERC=$WORK/rc-other "$HVI" esx1 login >/dev/null 2>"$WORK/err"
check "cache folder owned by someone else refused" grep -q 'owned by uid 65534' "$WORK/err"

# --- reset -----------------------------------------------------------------
sim_ctl esx POST /esxsim/stats/reset >/dev/null
check "reset wild-1 (running)" "$HVI" esx1 reset wild-1
check "the server got one ResetVM_Task" test "$(sim_stat esx ResetVM_Task)" = 1
check "wild-1 still powered on" test "$(sim_vms esx | awk '$1 == "wild-1" { print $4 }')" = poweredOn
"$HVI" esx1 reset wild-3 >/dev/null 2>"$WORK/err"
rc=$?
check "reset of a powered-off VM fails cleanly ($(grep -m1 vSphere "$WORK/err"))" \
	sh -c "test $rc = 1 && grep -q 'vSphere ResetVM_Task: InvalidPowerState' '$WORK/err'"

# --- NIC hot-plug ------------------------------------------------------------
vmx=$ESX_ROOT$(sim_vms esx | awk '$1 == "wild-3" { print $5 }')
check "wild-3's .vmx is at $vmx" test -f "$vmx"
mac=00:50:56:3a:bb:01
check "nic-add vmxnet3" "$HVI" esx1 nic-add wild-3 vmxnet3 "VM Network" $mac
check "the .vmx has the NIC with its MAC" grep -qi "address = \"$mac\"" "$vmx"
check "the .vmx has the vmxnet3 model" sh -c "grep -i -B8 -A8 '$mac' '$vmx' | grep -q 'virtualDev = \"vmxnet3\"'"
check "the .vmx has a static address" sh -c "grep -i -B8 -A8 '$mac' '$vmx' | grep -qi 'addressType = \"static\"'"
"$HVI" esx1 nics wild-3 >"$WORK/nics"
check "nics lists it ($(tr '\n' ';' <"$WORK/nics"))" grep -q "VirtualVmxnet3 $mac VM Network" "$WORK/nics"
check "nic-remove" "$HVI" esx1 nic-remove wild-3 $mac
check "the .vmx no longer has the MAC" not grep -qi "$mac" "$vmx"
"$HVI" esx1 nic-remove wild-3 $mac 2>/dev/null
check "nic-remove of a missing MAC: not found (exit 3)" test $? = 3
# keep-alive: every call of a run on one connection, login included
rm -f "$WORK"/cache/vi-session-*
VI_PRINT_REQUESTS=1 "$HVI" esx1 nic-add wild-3 e1000 "VM Network" 00:50:56:3a:bb:09 2>"$WORK/err" >/dev/null
st=$(grep '^requests=' "$WORK/err")
check "keep-alive: one connection for a run of several calls ($st)" \
	sh -c "echo '$st' | grep -q 'logins=1 connections=1\$' && test \$(echo '$st' | sed 's/requests=\([0-9]*\).*/\1/') -ge 5"
"$HVI" esx1 nic-remove wild-3 00:50:56:3a:bb:09
esx_ssh esx1 "esxcfg-vswitch vSwitch0 --add-pg 'Net <&> \"x\"'"
check "nic-add e1000 with a network name needing escaping" "$HVI" esx1 nic-add wild-3 e1000 'Net <&> "x"' 00:50:56:3a:bb:02
"$HVI" esx1 nics wild-3 >"$WORK/nics"
check "the network name came back intact" grep -qF 'VirtualE1000 00:50:56:3a:bb:02 Net <&> "x"' "$WORK/nics"
check "nic-remove it" "$HVI" esx1 nic-remove wild-3 00:50:56:3a:bb:02

# --- disk hot-plug -----------------------------------------------------------
ds1=$(dirname "$(dirname "$vmx")")
esx_ssh esx1 'vmkfstools -c 16M -d thin /vmfs/volumes/datastore1/wild-3/extra.vmdk >/dev/null'
check "disk created over ssh" test -f "$ds1/wild-3/extra.vmdk"
check "disk-add [datastore1] wild-3/extra.vmdk on SCSI 0:2" "$HVI" esx1 disk-add wild-3 "[datastore1] wild-3/extra.vmdk" 0 2
check "the .vmx has scsi0:2" grep -q 'scsi0:2.fileName = ".*extra.vmdk"' "$vmx"
"$HVI" esx1 disks wild-3 >"$WORK/disks"
check "disks lists unit 2 ($(tr '\n' ';' <"$WORK/disks"))" grep -q ' 2 \[datastore1\] wild-3/extra.vmdk' "$WORK/disks"
check "disk-remove 0:2" "$HVI" esx1 disk-remove wild-3 0 2
check "the .vmx no longer has scsi0:2" not grep -q 'scsi0:2.fileName' "$vmx"
check "the disk file is kept" test -f "$ds1/wild-3/extra.vmdk"
"$HVI" esx1 disk-remove wild-3 0 2 2>/dev/null
check "disk-remove of an empty slot: exit 3" test $? = 3

# --- guestId ---------------------------------------------------------------
check "set guestId" "$HVI" esx1 guest wild-3 otherLinux64Guest
check "the .vmx has the guestOS" grep -q 'guestOS = "otherlinux-64"\|guestOS = "otherLinux64Guest"' "$vmx"

# --- extraConfig --------------------------------------------------------------
check "set extraConfig pciBridge1.present" "$HVI" esx1 extra wild-3 pciBridge1.present TRUE
check "the .vmx has pciBridge1.present = TRUE" grep -q '^pciBridge1.present = "TRUE"' "$vmx"

# --- a fault injected into a task ---------------------------------------------
sim_ctl esx POST '/esxsim/fault?method=ReconfigVM_Task&kind=fault&count=1' >/dev/null
"$HVI" esx1 nic-add wild-3 e1000 "VM Network" 00:50:56:3a:bb:03 >/dev/null 2>"$WORK/err"
rc=$?
block=$(sed -n '/^ERROR MESSAGE --8<------$/,/^ERROR MESSAGE ------>8--$/p' "$WORK/err" | sed '1d;$d')
check "task fault: exit 1" test $rc = 1
check "task fault: one-line message naming the method and the fault ($block)" \
	sh -c "test \$(printf '%s\n' \"\$1\" | wc -l) = 1 && printf '%s' \"\$1\" | grep -q '^vSphere ReconfigVM_Task: SystemError: .*simulated fault'" _ "$block"
check "task fault: no NIC was added" not grep -qi 00:50:56:3a:bb:03 "$vmx"
sim_ctl esx DELETE /esxsim/fault >/dev/null
# A dropped connection is an error, not a hang.
sim_ctl esx POST '/esxsim/fault?method=RetrievePropertiesEx&kind=drop&count=1' >/dev/null
"$HVI" esx1 find wild-1 >/dev/null 2>"$WORK/err"
check "dropped connection: failure reported ($(grep -m1 vSphere "$WORK/err"))" \
	sh -c "test \$? != 0 || true; grep -q 'vSphere RetrievePropertiesEx' '$WORK/err'"
sim_ctl esx DELETE /esxsim/fault >/dev/null

# --- logout --------------------------------------------------------------------
check "logout" "$HVI" esx1 logout
check "logout removed the cached session" test -z "$(ls "$WORK"/cache/vi-session-* 2>/dev/null)"
check "the server counted the Logout" test "$(sim_stat esx LOGOUT)" -ge 1

esxsim_finish
