#!/bin/bash
# vnm/vmware against the simulated ESX: two VMs on networks with VLANs get
# their port groups (a shared network is created once), pre is idempotent,
# clean removes only unused port groups (a port in use, seen through the
# API, keeps its group), hostile names are refused before anything runs,
# a missing vSwitch is an error, not a silent success.
set -eu
src=${ESXMAD_SRC:?} build=${ESXMAD_BUILD:?}
vnm="$build/remotes/vnm/vmware"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (test bed)"; exit 77; }
[ -x "$src/test/esxsim/start" ] || { echo "SKIP: no test bed"; exit 77; }
for t in ssh virsh busybox go; do command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }; done
[ -x "$vnm/pre" ] || { echo "SKIP: vnm not built"; exit 77; }

out=$("$src/test/esxsim/start") || { echo "FAIL: bed did not start"; exit 1; }
eval "$out"
tmp=$(mktemp -d)
trap '"$STOP" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
export VMWARERC=$tmp/vmwarerc LIBVIRT_AUTH_FILE LIBVIRT_LOG_OUTPUTS=1:file:/dev/null
cat > "$VMWARERC" <<RC
:libvirt_uri: "'esx://@HOST@/?no_verify=1&auto_answer=1'"
:username: "$USERNAME"
:password_file: "$PASSWORD_FILE"
:datacenter: "ha-datacenter"
:ssh_user: "root"
:ssh_identity: "$SSH_KEY"
:ssh_known_hosts: "$KNOWN_HOSTS"
:tls_thumbprint: "$ESX_THUMBPRINT"
:timeout: 5
:cache_dir: "$tmp/cache"
:hosts:
  esx1:
    :address: "127.0.0.1"
    :api_port: $ESX_API_PORT
    :ssh_port: $SSH_PORT_ESX
RC
chmod 600 "$VMWARERC"

pass=0 failed=0
ok () { pass=$((pass + 1)); echo "ok - $*"; }
fail () { failed=$((failed + 1)); echo "FAIL - $*"; }
check () { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
esx () { ssh -i "$SSH_KEY" -o UserKnownHostsFile="$KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
  -o BatchMode=yes -o LogLevel=ERROR -p "$SSH_PORT_ESX" root@127.0.0.1 "$@" </dev/null; }
# pg NAME -> "VSWITCH VLAN USED" from esxcfg-vswitch -l (exact name), or nothing
pg () { esx esxcfg-vswitch -l | awk -v n="$1" '
  /^Switch Name/ { getline; sw = $1; next }
  $1 == n && NF >= 3 && $2 ~ /^[0-9]+$/ { print sw, $2, $3 }'; }
count_pg () { esx esxcfg-vswitch -l | awk -v n="$1" '$1 == n' | wc -l; }

# NIC XML: id network bridge vlan(YES/NO) [vlan_id]
nic () { echo "<NIC><NIC_ID>$1</NIC_ID><MAC>02:00:00:00:$(printf %02x "$2" 2>/dev/null || echo 00):0$1</MAC><NETWORK_ID>$2</NETWORK_ID><BRIDGE>$3</BRIDGE><VLAN>$4</VLAN>${5:+<VLAN_ID>$5</VLAN_ID>}</NIC>"; }
vm () { # id nics... -> base64 VM XML on host esx1
  local id=$1; shift
  printf '<VM><ID>%s</ID><NAME>vm%s</NAME><TEMPLATE>%s</TEMPLATE><HISTORY_RECORDS><HISTORY><HOSTNAME>esx1</HOSTNAME></HISTORY></HISTORY_RECORDS></VM>' \
    "$id" "$id" "$(printf '%s' "$@")" | base64 -w0
}

esx esxcfg-vswitch -a vSwitch1
vm10=$(vm 10 "$(nic 0 7 vSwitch0 YES 107)" "$(nic 1 8 vSwitch1 YES)")
vm11=$(vm 11 "$(nic 0 8 vSwitch1 YES)" "$(nic 1 9 vSwitch0 NO)" "$(nic 2 8 vSwitch1 YES)")

"$vnm/pre" "$vm10" 2>"$tmp/pre10.err" || { cat "$tmp/pre10.err"; fail "pre vm 10"; }
check "one-pg-7 on vSwitch0, VLAN 107" test "$(pg one-pg-7)" = "vSwitch0 107 0"
check "one-pg-8 on vSwitch1, VLAN 2+8" test "$(pg one-pg-8)" = "vSwitch1 10 0"
check "pre recorded the NICs' port groups for attach_nic" \
  test "$(cat "$tmp/cache/vnm/10.nics")" = "02:00:00:00:07:00 one-pg-7
02:00:00:00:08:01 one-pg-8"
"$vnm/pre" "$vm11" 2>"$tmp/pre11.err" || { cat "$tmp/pre11.err"; fail "pre vm 11"; }
check "shared network: one-pg-8 not created again" \
  sh -c "! grep -q \"'one-pg-8' added\" '$tmp/pre11.err'"
check "shared network: one row for one-pg-8" test "$(count_pg one-pg-8)" = 1
check "one-pg-9 without VLAN" test "$(pg one-pg-9)" = "vSwitch0 0 0"
check "pre logged what it created" grep -q "'one-pg-9' added to vSwitch 'vSwitch0'" "$tmp/pre11.err"
check "pre is idempotent" "$vnm/pre" "$vm10"
check "post validates and succeeds" "$vnm/post" "$vm10" one-10

# the API sees the port groups the driver made
check "API: port groups of vSwitch1" sh -c "virsh -q -c '$ESX_URI' net-dumpxml vSwitch1 2>/dev/null | grep -q \"portgroup name='one-pg-8'\""

# a VLAN changed in OpenNebula is applied to the existing group
vm10b=$(vm 10 "$(nic 0 7 vSwitch0 YES 207)" "$(nic 1 8 vSwitch1 YES)")
check "VLAN change applied" "$vnm/pre" "$vm10b"
check "one-pg-7 now VLAN 207" test "$(pg one-pg-7)" = "vSwitch0 207 0"

# a VM that uses one-pg-8, defined through libvirt
esx mkdir -p /vmfs/volumes/datastore1/vnmuser
esx vmkfstools -c 8M -d thin /vmfs/volumes/datastore1/vnmuser/vnmuser.vmdk >/dev/null
cat > "$tmp/dom.xml" <<XML
<domain type='vmware'><name>vnmuser</name><memory>65536</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><source file='[datastore1] vnmuser/vnmuser.vmdk'/><target dev='sda' bus='scsi'/></disk>
<interface type='bridge'><source bridge='one-pg-8'/><mac address='00:50:56:00:00:08'/><model type='e1000'/></interface>
</devices></domain>
XML
virsh -q -c "$ESX_URI" define "$tmp/dom.xml" >/dev/null 2>"$tmp/virsh.err" || { cat "$tmp/virsh.err"; fail "define vnmuser"; }
check "API: vnmuser's NIC on one-pg-8" sh -c "virsh -q -c '$ESX_URI' dumpxml vnmuser | grep -q \"bridge='one-pg-8'\""
check "one-pg-8 has a used port" test "$(pg one-pg-8)" = "vSwitch1 10 1"

"$vnm/clean" "$vm10" 2>"$tmp/clean10.err" || { cat "$tmp/clean10.err"; fail "clean vm 10"; }
check "clean removed the unused one-pg-7" test -z "$(pg one-pg-7)"
check "clean kept one-pg-8 (in use)" test "$(pg one-pg-8)" = "vSwitch1 10 1"
check "clean kept one-pg-9 (not this VM's network)" test "$(pg one-pg-9)" = "vSwitch0 0 0"
check "clean said why it kept one-pg-8" grep -q "'one-pg-8' kept: 1 port(s) in use" "$tmp/clean10.err"
check "other port groups untouched" sh -c "esx_l=\$(cat); echo \"\$esx_l\" | grep -q '^  VM Network '" <<<"$(esx esxcfg-vswitch -l)"

virsh -q -c "$ESX_URI" undefine vnmuser >/dev/null 2>&1
"$vnm/clean" "$vm11" 2>"$tmp/clean11.err" || { cat "$tmp/clean11.err"; fail "clean vm 11"; }
check "clean removed one-pg-8 once unused" test -z "$(pg one-pg-8)"
check "clean removed one-pg-9" test -z "$(pg one-pg-9)"
check "clean of a cleaned VM is a no-op" "$vnm/clean" "$vm11"
esx esxcfg-vswitch -l | grep -q "Management Network" && ok "Management Network untouched" || fail "Management Network untouched"

# dynamic mode end to end: pre, then the VMM deploy of a deployment file
# whose NIC is on one-pg-<NETWORK_ID> (as oned writes it, spec §6); the API
# shows the NIC on that port group; clean keeps it while the VM exists and
# removes it after cancel
vmm="$build/remotes/vmm/vmware"
if [ -x "$vmm/deploy" ] && [ -x "$vmm/cancel" ]; then
  vm20=$(vm 20 "$(nic 0 21 vSwitch1 YES 321)")
  check "deploy: pre" "$vnm/pre" "$vm20"
  esx mkdir -p /vmfs/volumes/0/20/disk.0
  esx vmkfstools -c 8M -d thin /vmfs/volumes/0/20/disk.0/disk.vmdk >/dev/null
  cat > "$tmp/deployment.0" <<XML
<domain type='vmware'>
	<name>one-20</name>
	<vcpu>1</vcpu>
	<memory>65536</memory>
	<os>
		<type arch='x86_64'>hvm</type>
	</os>
	<devices>
		<disk type='file' device='disk'>
			<source file='[0] 20/disk.0/disk.vmdk'/>
			<target dev='sda'/>
		</disk>
		<interface type='bridge'>
			<source bridge='one-pg-21'/>
			<mac address='02:00:00:00:15:00'/>
			<model type='e1000'/>
		</interface>
	</devices>
</domain>
XML
  if "$vmm/deploy" "$tmp/deployment.0" esx1 20 esx1 >"$tmp/deploy.out" 2>"$tmp/deploy.err"; then
    ok "deploy one-20"
  else
    cat "$tmp/deploy.err"; fail "deploy one-20"
  fi
  check "API: one-20's NIC on one-pg-21" sh -c "virsh -q -c '$ESX_URI' dumpxml one-20 | grep -q \"bridge='one-pg-21'\""
  check "one-pg-21 on vSwitch1 VLAN 321, one port used" test "$(pg one-pg-21)" = "vSwitch1 321 1"
  check "clean while one-20 exists keeps one-pg-21" "$vnm/clean" "$vm20"
  check "  still there" test "$(pg one-pg-21)" = "vSwitch1 321 1"
  "$vmm/cancel" one-20 esx1 20 esx1 >/dev/null 2>"$tmp/cancel.err" || { cat "$tmp/cancel.err"; fail "cancel one-20"; }
  check "clean after cancel" "$vnm/clean" "$vm20"
  check "  one-pg-21 removed" test -z "$(pg one-pg-21)"
else
  echo "# vmm deploy/cancel not built: dynamic-mode deploy not tested"
fi

# hostile names: refused before any command reaches the host
for bad in "vSwitch0;touch /tmp/pwned" "\$(touch /tmp/pwned)" "vSwitch0 --del-pg=VM" "-l" "vSwitch0'"; do
  b=$(vm 12 "$(nic 0 5 "$bad" NO)")
  set +e; "$vnm/pre" "$b" 2>"$tmp/bad.err"; rc=$?; set -e
  check "hostile bridge refused: $bad" test "$rc" = 1
  check "  with a message naming it" grep -q "is not a vSwitch name" "$tmp/bad.err"
done
for bad in "5;touch /tmp/pwned" "5 6" "x"; do
  b=$(vm 12 "$(nic 0 "$bad" vSwitch0 NO)")
  set +e; "$vnm/pre" "$b" 2>"$tmp/bad.err"; rc=$?; set -e
  check "hostile network id refused: $bad" test "$rc" = 1
done
check "nothing ran on the host" test ! -e "$ESX_ROOT/tmp/pwned"
check "no one-pg-5 made" test -z "$(pg one-pg-5)"

# errors are reported, not swallowed
b=$(vm 13 "$(nic 0 6 vSwitch9 NO)")
set +e; "$vnm/pre" "$b" 2>"$tmp/err"; rc=$?; set -e
check "missing vSwitch: exit 1" test "$rc" = 1
check "missing vSwitch: message" grep -q "vSwitch 'vSwitch9' (BRIDGE of network 6) does not exist" "$tmp/err"
check "missing vSwitch: ERROR MESSAGE block" grep -q "^ERROR MESSAGE --8<------" "$tmp/err"
b=$(vm 14 "$(nic 0 6 vSwitch0 NO)")
echo 200 > "$RUN/ssh-drop-after-esx1"
set +e; "$vnm/pre" "$b" 2>"$tmp/err"; rc=$?; set -e
rm -f "$RUN/ssh-drop-after-esx1"
check "SSH cut: exit 1" test "$rc" = 1
check "SSH cut: reported" grep -q "^ERROR MESSAGE --8<------" "$tmp/err"
# the host given as an argument (newer OpenNebula passes it to clean) wins
# over the last history record
vmh=$(printf '<VM><ID>30</ID><TEMPLATE>%s</TEMPLATE><HISTORY_RECORDS><HISTORY><HOSTNAME>esx1</HOSTNAME></HISTORY><HISTORY><HOSTNAME>elsewhere</HOSTNAME></HISTORY></HISTORY_RECORDS></VM>' \
  "$(nic 0 31 vSwitch0 NO)" | base64 -w0)
check "pre with the host argument" "$vnm/pre" "$vmh" esx1
check "  one-pg-31 made on esx1" test "$(pg one-pg-31)" = "vSwitch0 0 0"
check "clean with the host argument" "$vnm/clean" "$vmh" esx1
check "  one-pg-31 removed" test -z "$(pg one-pg-31)"
set +e; "$vnm/clean" "$vmh" "esx1;reboot" 2>"$tmp/err"; rc=$?; set -e
check "hostile host argument refused (exit 2)" test "$rc" = 2
check "post accepts deploy id and host" "$vnm/post" "$vmh" one-30 esx1

# a VM without NICs needs no host at all
check "VM without NIC: nothing to do" "$vnm/pre" "$(vm 15)"

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
