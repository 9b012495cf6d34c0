#!/bin/sh
# esxsim-server control endpoint: stats, fault knobs, session expiry, vms, reload.
. "$(dirname "$0")/testlib.sh"
CLIENT="$SRVDIR/../bin/esxsim-client"

start_server esx -mode esx -vms 4
DS1="$ROOT_DIR/vmfs/volumes/datastore1"
U="esx://127.0.0.1:$PORT/?no_verify=1"
v() { timeout 60 virsh -c "$U" "$@"; }
c() { curl -skf -X "$1" "https://127.0.0.1:$PORT$2"; }
stat() { c GET /esxsim/stats | awk -v k="$1" '$1==k {print $2}'; }

check "stats reset" c POST /esxsim/stats/reset
v list --all >/dev/null 2>&1
check "stats count RetrieveServiceContent" test "$(stat RetrieveServiceContent)" = 1
check "stats TOTAL > 3" test "$(stat TOTAL)" -gt 3
check "one login, one logout" sh -c "test '$(stat LOGIN)' = 1 && test '$(stat LOGOUT)' = 1"
check "no live sessions after virsh exits" test "$(stat SESSIONS)" = 0

# fault: non-task method
check "inject fault on RetrieveServiceContent" c POST "/esxsim/fault?method=RetrieveServiceContent&kind=fault&count=1"
check "virsh fails once with simulated fault" sh -c "timeout 30 virsh -c '$U' list 2>&1 | grep -q 'simulated fault'"
check "fault count exhausted -> works again" sh -c "timeout 30 virsh -c '$U' list >/dev/null 2>&1"
# fault: task method ends in error
check "inject fault on PowerOnVM_Task" c POST "/esxsim/fault?method=PowerOnVM_Task&kind=fault"
check "start fails via task error" sh -c "timeout 30 virsh -c '$U' start wild-3 2>&1 | grep -q 'simulated fault'"
check "clear faults" c DELETE /esxsim/fault
check "start works after clearing" sh -c "timeout 30 virsh -c '$U' start wild-3 >/dev/null"
# delay
check "inject 1500 ms delay on Login" c POST "/esxsim/fault?method=Login&kind=delay&ms=1500&count=1"
t0=$(date +%s%N); v list >/dev/null 2>&1; t1=$(date +%s%N)
check "delayed call took >= 1.5 s" test $(( (t1 - t0) / 1000000 )) -ge 1500
# drop
# (libcurl retries once on a fresh connection when a reused one dies, so use no count)
check "inject drop on Login" c POST "/esxsim/fault?method=Login&kind=drop"
check "virsh fails on dropped connection" sh -c "! timeout 30 virsh -c '$U' list >/dev/null 2>&1"
check "clear drop" c DELETE /esxsim/fault
check "next connection works" sh -c "timeout 30 virsh -c '$U' list >/dev/null 2>&1"
c DELETE /esxsim/fault >/dev/null
# ignore: a guest that ignores ShutdownGuest (OK answer, stays poweredOn)
check "inject ignore on ShutdownGuest" c POST "/esxsim/fault?method=ShutdownGuest&kind=ignore"
check "rule listed" sh -c "curl -skf https://127.0.0.1:$PORT/esxsim/fault | grep -q '^ShutdownGuest ignore '"
check "virsh shutdown wild-1 answers OK" sh -c "timeout 30 virsh -c '$U' shutdown wild-1 | grep -q 'is being shutdown'"
sleep 0.3
check "wild-1 still running" sh -c "timeout 30 virsh -c '$U' domstate wild-1 | grep -qx running"
check "clear ignore" c DELETE /esxsim/fault
check "virsh shutdown wild-1 after clearing" sh -c "timeout 30 virsh -c '$U' shutdown wild-1 | grep -q 'is being shutdown'"
check "wild-1 shut off" sh -c "timeout 30 virsh -c '$U' domstate wild-1 | grep -qx 'shut off'"
check "start wild-1 again" sh -c "timeout 30 virsh -c '$U' start wild-1 >/dev/null"
check "bad kind refused" sh -c "! curl -skf -X POST 'https://127.0.0.1:$PORT/esxsim/fault?method=ShutdownGuest&kind=nope'"

# sessions
if [ -x "$CLIENT" ]; then
	cat > "$T/expire.sh" <<EOT
#!/bin/sh
# keep a govmomi session, expire it, and check the next call fails
exec "$CLIENT" -url "$URL" -password-file "$T/pw" noop
EOT
fi
c POST /esxsim/stats/reset >/dev/null
check "expire endpoint" c POST /esxsim/sessions/expire
cat > "$T/login.xml" <<EOT
<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this><userName>root</userName><password>secret</password></Login></soapenv:Body></soapenv:Envelope>
EOT
cat > "$T/badlogin.xml" <<EOT
<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this><userName>root</userName><password>wrong</password></Login></soapenv:Body></soapenv:Envelope>
EOT
cat > "$T/time.xml" <<EOT
<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">ha-property-collector</_this><specSet><propSet><type>HostSystem</type><all>false</all><pathSet>name</pathSet></propSet><objectSet><obj type="HostSystem">ha-host</obj></objectSet></specSet></RetrieveProperties></soapenv:Body></soapenv:Envelope>
EOT
soap() { curl -sk -b "$T/jar" -c "$T/jar" -H 'Content-Type: text/xml' --data-binary @"$1" "$URL"; }
check "wrong password -> InvalidLogin" sh -c "curl -sk -H 'Content-Type: text/xml' --data-binary @'$T/badlogin.xml' '$URL' | grep -q InvalidLogin"
soap "$T/login.xml" >/dev/null
check "session live after Login" test "$(stat SESSIONS)" = 1
check "call with session works" sh -c "curl -sk -b '$T/jar' -H 'Content-Type: text/xml' --data-binary @'$T/time.xml' '$URL' | grep -q returnval"
c POST /esxsim/sessions/expire >/dev/null
check "expired session -> NotAuthenticated" sh -c "curl -sk -b '$T/jar' -H 'Content-Type: text/xml' --data-binary @'$T/time.xml' '$URL' | grep -q NotAuthenticated"
check "no live sessions after expire" test "$(stat SESSIONS)" = 0

# /folder fault: define uploads the .vmx by HTTP PUT
check "inject fault on HTTP_PUT" c POST "/esxsim/fault?method=HTTP_PUT&kind=fault&count=1"
cat > "$T/vmx.xml" <<EOT
<domain type='vmware'><name>vmf</name><memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os>
<devices><disk type='file' device='disk'><source file='[datastore1] vmf/vmf.vmdk'/><target dev='sda' bus='scsi'/></disk></devices></domain>
EOT
check "define fails when the .vmx upload fails" sh -c "! timeout 30 virsh -c '$U' define '$T/vmx.xml' >/dev/null 2>&1"
check "define works afterwards" sh -c "timeout 30 virsh -c '$U' define '$T/vmx.xml' | grep -q defined"
check "HTTP_PUT counted" test "$(stat HTTP_PUT)" -ge 2

# vms + reload
check "vms lists wild-1 with vmx path" sh -c "c() { curl -skf https://127.0.0.1:$PORT/esxsim/vms; }; c | grep -q '^wild-1 vm-[0-9]* esx1.sim.local poweredOn /vmfs/volumes/.*/wild-1/wild-1.vmx$'"
sed -i 's/^memSize = .*/memSize = "3072"/' "$DS1/wild-3/wild-3.vmx"
check "reload endpoint" c POST "/esxsim/reload?vm=wild-3"
check "memory from edited vmx visible to libvirt" sh -c "timeout 30 virsh -c '$U' dominfo wild-3 | grep -q '3145728 KiB'"
# Reload SOAP method (VirtualMachine.Reload)
sed -i 's/^numvcpus = .*/numvcpus = "4"/' "$DS1/wild-3/wild-3.vmx"
VM3=$(c GET /esxsim/vms | awk '$1=="wild-3" {print $2}')
cat > "$T/reload.xml" <<EOT
<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Reload xmlns="urn:vim25"><_this type="VirtualMachine">$VM3</_this></Reload></soapenv:Body></soapenv:Envelope>
EOT
soap "$T/login.xml" >/dev/null
check "Reload SOAP method" sh -c "curl -sk -b '$T/jar' -H 'Content-Type: text/xml' --data-binary @'$T/reload.xml' '$URL' | grep -q ReloadResponse"
check "vcpus from edited vmx visible to libvirt" sh -c "timeout 30 virsh -c '$U' dominfo wild-3 | grep -q 'CPU(s): *4'"
finish
