#!/bin/sh
# govmomi client against esxsim-server: ReconfigVM adds a NIC and a disk (API +
# .vmx), monitoring via ContainerView/RetrievePropertiesEx, port groups.
. "$(dirname "$0")/testlib.sh"
CLIENT="$SRVDIR/../bin/esxsim-client"
[ -x "$CLIENT" ] || skip "esxsim-client not built"

start_server esx -mode esx -vms 4
DS1="$ROOT_DIR/vmfs/volumes/datastore1"
cl() { timeout 60 "$CLIENT" -url "$URL" -user root -password-file "$T/pw" "$@"; }

check "reconfig wild-3: add NIC + disk" sh -c "$(command -v timeout) 60 '$CLIENT' -url '$URL' -password-file '$T/pw' reconfig wild-3 > '$T/reconfig.out'"
cat "$T/reconfig.out" | sed 's/^/     > /'
check "API shows NIC" grep -q "API_NIC=true" "$T/reconfig.out"
check "API shows disk" grep -q "API_DISK=true" "$T/reconfig.out"
check "disk is a real ESX vmdk" grep -q 'createType="vmfs"' "$DS1/wild-3/wild-3_extra.vmdk"
check "disk extent exists" test -f "$DS1/wild-3/wild-3_extra-flat.vmdk"
check "vmx lists the new disk" grep -q 'scsi0:1.fileName = "wild-3_extra.vmdk"' "$DS1/wild-3/wild-3.vmx"
check "NIC removed again" grep -q "NIC_REMOVED=true" "$T/reconfig.out"
check "vmx has no static NIC after removal" sh -c "! grep -q '00:50:56:aa:bb:cc' '$DS1/wild-3/wild-3.vmx'"
check "libvirt sees the new disk" sh -c "timeout 30 virsh -c 'esx://127.0.0.1:$PORT/?no_verify=1' dumpxml wild-3 | grep -q 'wild-3_extra.vmdk'"

# OpenNebula-style attach_nic/detach_nic for every NIC model
i=0
for model in e1000 e1000e vmxnet3 pcnet32; do
	i=$((i+1)); mac="00:50:56:00:00:0$i"
	case $model in pcnet32) vdev=vlance ;; *) vdev=$model ;; esac
	check "attach $model NIC" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' addnic wild-4 $model 'VM Network' $mac | grep -qx ok"
	check "vmx has $vdev NIC with static MAC $mac" sh -c "grep -q 'ethernet[0-9]*.address = \"$mac\"' '$DS1/wild-4/wild-4.vmx' && grep -q 'virtualDev = \"$vdev\"' '$DS1/wild-4/wild-4.vmx'"
	check "libvirt sees $mac" sh -c "timeout 30 virsh -c 'esx://127.0.0.1:$PORT/?no_verify=1' domiflist wild-4 | grep -q '$mac'"
done
check "attach NIC on a vSwitch name (OpenNebula dynamic mode) is accepted" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' addnic wild-4 e1000 vSwitch0 00:50:56:00:00:09 | grep -qx ok"
check "vmx keeps networkName vSwitch0" grep -q 'networkName = "vSwitch0"' "$DS1/wild-4/wild-4.vmx"
check "detach NIC by MAC" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' delnic wild-4 00:50:56:00:00:02 | grep -qx ok"
check "detached MAC gone from vmx" sh -c "! grep -q '00:50:56:00:00:02' '$DS1/wild-4/wild-4.vmx'"
check "original NIC keeps ethernet0 after hot-plugs" grep -q '^ethernet0.addressType = "generated"' "$DS1/wild-4/wild-4.vmx"
check "removed NIC's index is freed, others keep theirs" sh -c "! grep -q '^ethernet2\.' '$DS1/wild-4/wild-4.vmx' && grep -q '^ethernet3.address = \"00:50:56:00:00:03\"' '$DS1/wild-4/wild-4.vmx'"
check "detach the NIC on vSwitch0 (no Network object)" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' delnic wild-4 00:50:56:00:00:09 | grep -qx ok"
check "vSwitch0 NIC gone from vmx" sh -c "! grep -q '00:50:56:00:00:09' '$DS1/wild-4/wild-4.vmx'"
check "detach unknown MAC prints -1" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' delnic wild-4 00:50:56:00:00:77 | grep -qx -- -1"

check "monitor (ContainerView + RetrievePropertiesEx)" sh -c "$(command -v timeout) 60 '$CLIENT' -url '$URL' -password-file '$T/pw' monitor > '$T/mon.out'"
sed 's/^/     > /' "$T/mon.out"
check "running VM has non-zero quickStats" sh -c "grep '^VM wild-1 poweredOn' '$T/mon.out' | grep -v 'cpu=0 ' | grep -v 'guestmem=0 ' | grep -qv 'hostmem=0 '"
check "powered-off VM has zero quickStats" grep -q '^VM wild-3 poweredOff cpu=0 guestmem=0 hostmem=0' "$T/mon.out"
check "datastore reported as VMFS /vmfs/volumes/<uuid>" grep -q "^DS datastore1 type=VMFS .* url=/vmfs/volumes/$DS_datastore1\$" "$T/mon.out"
check "host summary" grep -q '^HOST .* mhz=[1-9]' "$T/mon.out"

# free space follows real usage
free1=$(sed -n 's/^DS datastore1 .* free=\([0-9]*\) .*/\1/p' "$T/mon.out")
dd if=/dev/urandom of="$DS1/filler" bs=1M count=8 2>/dev/null
sleep 0.3
cl monitor > "$T/mon2.out"
free2=$(sed -n 's/^DS datastore1 .* free=\([0-9]*\) .*/\1/p' "$T/mon2.out")
check "free space drops after writing 8 MiB ($free1 -> $free2)" test "$((free1 - free2))" -ge 8000000

check "portgroup add/update" sh -c "$(command -v timeout) 60 '$CLIENT' -url '$URL' -password-file '$T/pw' portgroup one-pg-5 5 > '$T/pg.out'"
sed 's/^/     > /' "$T/pg.out"
check "portgroup in host.config.network.portgroup with vlan" grep -q '^PG .* one-pg-5 vlan=6' "$T/pg.out"
check "portgroup is a Network object" grep -q '^NET .*/one-pg-5$' "$T/pg.out"

check "ResetVM_Task on a running VM" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' power wild-1 reset | grep -qx poweredOn"
check "RebootGuest on a running VM" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' power wild-1 reboot | grep -qx poweredOn"
check "RebootGuest on a powered-off VM fails (InvalidPowerState)" sh -c "! $(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' power wild-3 reboot 2>&1 | grep -q poweredOn"
check "SuspendVM_Task" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' power wild-4 suspend | grep -qx suspended"
check "perf counters net.packetsRx/Tx" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' perf wild-1 | grep -q '^PERF net.packetsRx.summation'"

# raw SOAP: every DynamicProperty value is typed
cat > "$T/login.xml" <<EOT
<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this><userName>root</userName><password>secret</password></Login></soapenv:Body></soapenv:Envelope>
EOT
cat > "$T/rp.xml" <<EOT
<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">ha-property-collector</_this><specSet><propSet><type>HostSystem</type><all>false</all><pathSet>datastore</pathSet><pathSet>vm</pathSet><pathSet>config.network.portgroup</pathSet></propSet><objectSet><obj type="HostSystem">ha-host</obj></objectSet></specSet></RetrieveProperties></soapenv:Body></soapenv:Envelope>
EOT
curl -sk -c "$T/jar" -H 'Content-Type: text/xml' -H 'SOAPAction: "urn:vim25/6.5"' --data-binary @"$T/login.xml" "$URL" > "$T/login.out"
curl -sk -b "$T/jar" -H 'Content-Type: text/xml' -H 'SOAPAction: "urn:vim25/6.5"' --data-binary @"$T/rp.xml" "$URL" > "$T/rp.out"
check "array items carry xsi:type" grep -q '<ManagedObjectReference type="Datastore" xsi:type="ManagedObjectReference">' "$T/rp.out"
check "no XMLSchema-instance prefix left" sh -c "! grep -q 'XMLSchema-instance:type' '$T/rp.out'"
VM1=$(curl -skf https://127.0.0.1:$PORT/esxsim/vms | awk '$1=="wild-1" {print $2}')
sed -e 's/<type>HostSystem</<type>VirtualMachine</' -e "s/<obj type=\"HostSystem\">ha-host</<obj type=\"VirtualMachine\">$VM1</" \
    -e 's/<pathSet>datastore<\/pathSet><pathSet>vm<\/pathSet><pathSet>config.network.portgroup<\/pathSet>/<pathSet>config.extraConfig<\/pathSet><pathSet>summary.quickStats<\/pathSet>/' "$T/rp.xml" > "$T/rp2.xml"
curl -sk -b "$T/jar" -H 'Content-Type: text/xml' --data-binary @"$T/rp2.xml" "$URL" > "$T/rp2.out"
check "extraConfig values typed xsd:string" grep -q '<OptionValue xsi:type="OptionValue"><key>nvram</key><value xsi:type="xsd:string">wild-1.nvram</value>' "$T/rp2.out"
check "quickStats typed" grep -q '<val xsi:type="VirtualMachineQuickStats"><overallCpuUsage>' "$T/rp2.out"
curl -sk -H 'Content-Type: text/xml' --data-binary @"$T/rp.xml" "$URL" > "$T/rp-noauth.out"
check "no session -> NotAuthenticated" grep -q NotAuthenticated "$T/rp-noauth.out"

# vCenter: a NIC attached with backing deviceName vSwitch0 (not a Network
# object, OpenNebula's dynamic mode) can be detached again
start_server vpx -mode vpx -host-names host1,host2 -vms 2
VDS1="$ROOT_DIR/vmfs/volumes/datastore1"
vcl() { timeout 30 "$CLIENT" -url "$URL" -password-file "$T/pw" "$@"; }
check "vpx: attach NIC on vSwitch0" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' addnic wild-1 e1000 vSwitch0 00:50:56:00:01:01 | grep -qx ok"
check "vpx: attach NIC on VM Network" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' addnic wild-1 vmxnet3 'VM Network' 00:50:56:00:01:02 | grep -qx ok"
check "vpx: detach the vSwitch0 NIC" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' delnic wild-1 00:50:56:00:01:01 | grep -qx ok"
check "vpx: vSwitch0 NIC gone from vmx" sh -c "! grep -q '00:50:56:00:01:01' '$VDS1/wild-1/wild-1.vmx'"
check "vpx: detach the VM Network NIC" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' delnic wild-1 00:50:56:00:01:02 | grep -qx ok"
check "vpx: detached MAC unknown now" sh -c "$(command -v timeout) 30 '$CLIENT' -url '$URL' -password-file '$T/pw' delnic wild-1 00:50:56:00:01:01 | grep -qx -- -1"
check "vpx: server still answers" sh -c "$(command -v timeout) 30 virsh -c 'vpx://127.0.0.1:$PORT/$VPX_PATH_host1?no_verify=1' list --all --name | grep -qx wild-1"
finish
