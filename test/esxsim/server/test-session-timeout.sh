#!/bin/sh
# esxsim-server -session-timeout: idle sessions expire like on ESX.
. "$(dirname "$0")/testlib.sh"
start_server esx -mode esx -vms 1 -session-timeout 1s
cat > "$T/login.xml" <<EOT
<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this><userName>root</userName><password>secret</password></Login></soapenv:Body></soapenv:Envelope>
EOT
cat > "$T/rp.xml" <<EOT
<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">ha-property-collector</_this><specSet><propSet><type>HostSystem</type><all>false</all><pathSet>name</pathSet></propSet><objectSet><obj type="HostSystem">ha-host</obj></objectSet></specSet></RetrieveProperties></soapenv:Body></soapenv:Envelope>
EOT
soap() { curl -sk -b "$T/jar" -c "$T/jar" -H 'Content-Type: text/xml' --data-binary @"$1" "$URL"; }
soap "$T/login.xml" >/dev/null
check "active session works" sh -c "curl -sk -b '$T/jar' -H 'Content-Type: text/xml' --data-binary @'$T/rp.xml' '$URL' | grep -q returnval"
sleep 0.6
check "use within the timeout keeps it alive" sh -c "curl -sk -b '$T/jar' -H 'Content-Type: text/xml' --data-binary @'$T/rp.xml' '$URL' | grep -q returnval"
sleep 1.3
check "idle session expired -> NotAuthenticated" sh -c "curl -sk -b '$T/jar' -H 'Content-Type: text/xml' --data-binary @'$T/rp.xml' '$URL' | grep -q NotAuthenticated"
check "virsh still works (new session per connection)" sh -c "timeout 30 virsh -c 'esx://127.0.0.1:$PORT/?no_verify=1' list --all | grep -q wild-1"
finish
