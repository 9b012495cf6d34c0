#!/bin/bash
# The IM probe (remotes/im/vmware.d/vmware) and the VMM poll action against
# the simulated ESX with 0, 1, 4 and 200 VMs (running, suspended, off; wild
# and OpenNebula-named), and a vCenter host: the output is parsed the way
# oned parses it (test/unit/helper-oneparse.c) and every key is compared
# with the simulator's model, read without esxmad (the bed's govmomi client,
# /esxsim/vms, the .vmx files, raw SOAP with curl).  Also: the number of
# SOAP round trips per cycle (/esxsim/stats) does not depend on N.
# NETRX/NETTX come from the simulator's performance samples (random noise
# around its data): they are compared as "N" with the model, and checked
# apart: above 0 for running VMs and the host, never decreasing.
. "${ESXMAD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/test/vi/vi-lib.sh"
esxsim_need
CLIENT=$ESXSIM_DIR/bin/esxsim-client
[ -x "$CLIENT" ] || "$ESXSIM_DIR/server/build.sh" >/dev/null 2>&1
[ -x "$CLIENT" ] || esxsim_skip "no esxsim-client"

# --- raw SOAP, independent of esxmad ---------------------------------------
soap() { # soap esx|vpx INNER-XML -> response on stdout (session in $WORK/jar-*)
	local port body
	port=$(sim_port "$1")
	body=$WORK/soap-body
	( umask 077; printf '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>%s</soapenv:Body></soapenv:Envelope>' "$2" >"$body" )
	curl -sk -b "$WORK/jar-$1" -c "$WORK/jar-$1" -H 'Content-Type: text/xml' \
		-H 'SOAPAction: "urn:vim25/6.5"' --data-binary @"$body" "https://127.0.0.1:$port/sdk"
	rm -f "$body"
}
soap_login() {
	local sm
	sm=$(soap "$1" '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>' |
		grep -o '<sessionManager type="SessionManager">[^<]*' | sed 's/.*>//')
	soap "$1" "<Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">$sm</_this><userName>$USERNAME</userName><password>$(head -1 "$PASSWORD_FILE")</password></Login>" >/dev/null
}
soap_prop() { # soap_prop esx|vpx TYPE MOREF PATH -> the value's text
	soap "$1" "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$PC</_this><specSet><propSet><type>$2</type><pathSet>$4</pathSet></propSet><objectSet><obj type=\"$2\">$3</obj></objectSet></specSet><options/></RetrievePropertiesEx>" |
		sed -n 's:.*<val[^>]*>\([^<]*\)</val>.*:\1:p'
}
soap_rename() { # soap_rename esx|vpx OLD NEW
	local moref
	moref=$(sim_vms "$1" | awk -v n="$2" '$1 == n { print $2 }')
	soap "$1" "<Rename_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">$moref</_this><newName>$3</newName></Rename_Task>" >/dev/null
}

# --- expected values from the model ------------------------------------------
# expected HOSTNAME(sim) SIDE: the probe's keys as oned stores them, with VM
# and DS vectors keyed by DEPLOY_ID / ID instead of their position.
expected() {
	local host=$1 side=$2
	"$CLIENT" -url "https://127.0.0.1:$(sim_port "$side")/sdk" -user "$USERNAME" -password-file "$PASSWORD_FILE" monitor >"$WORK/model" || return 1
	sim_vms "$side" >"$WORK/vms"
	local model
	model=$(soap_prop "$side" HostSystem "$HOSTREF" summary.hardware.cpuModel)
	awk -v host="$host" -v model="$model" -v vmsfile="$WORK/vms" '
	FILENAME == vmsfile { vmhost[$1] = $3; next }
	FILENAME == "-" { if ($1 == "HOST" && $2 == host) { split($3, kv, "="); mhz = kv[2] }; next }
	$1 == "HOST" && $2 == host {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); h[kv[1]] = kv[2] }
		used = sprintf("%.2f", h["cpuused"] * 100 / h["mhz"])
		print "HYPERVISOR=vmware"; print "MODELNAME=" model
		print "CPUSPEED=" h["mhz"]; print "TOTALCPU=" h["cores"] * 100
		print "USEDCPU=" used; print "FREECPU=" sprintf("%.2f", h["cores"] * 100 - used)
		tm = int(h["mem"] / 1024); um = h["memused"] * 1024
		print "TOTALMEMORY=" tm; print "USEDMEMORY=" um; print "FREEMEMORY=" tm - um
		print "NETRX=N"; print "NETTX=N"; print "VM_POLL=YES"
	}
	$1 == "DS" {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); d[kv[1]] = kv[2] }
		t = int(d["capacity"] / 1048576); f = int(d["free"] / 1048576)
		print "DS<" $2 ">.ID=" $2; print "DS<" $2 ">.TOTAL_MB=" t
		print "DS<" $2 ">.FREE_MB=" f; print "DS<" $2 ">.USED_MB=" t - f
	}
	$1 == "VM" && vmhost[$2] == host {
		name = $2; ps = $3
		for (i = 4; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		id = (name ~ /^one-[0-9]+$/) ? substr(name, 5) + 0 : -1
		st = ps == "poweredOn" ? "a" : ps == "suspended" ? "p" : ps == "poweredOff" ? "d" : "-"
		if (st == "a") poll = sprintf("STATE=a USEDCPU=%.2f USEDMEMORY=%d NETRX=N NETTX=N", v["cpu"] * 100 / mhz, v["hostmem"] * 1024)
		else poll = "STATE=" st " USEDCPU=0 USEDMEMORY=0 NETRX=0 NETTX=0"
		p = "VM<" name ">."
		print p "ID=" id; print p "DEPLOY_ID=" name; print p "POLL=" poll
		if (id < 0) print p "VM_NAME=" name
	}' "$WORK/vms" - "$WORK/model" <"$WORK/model"
}

# nonet: NETRX/NETTX values as N (they are checked apart), except in the
# POLL of a VM that does not run (there they must be 0)
nonet() { sed -E '/STATE=[^a]/!s/NET(RX|TX)=[0-9]+/NET\1=N/g'; }
# netvals FILE: "DEPLOY_ID NETRX NETTX" of running VMs, and "host RX TX"
netvals() {
	sed -n 's/^NETRX=\([0-9]*\)$/host \1/p; s/^NETTX=\([0-9]*\)$/hosttx \1/p' "$1" | paste -sd' ' | awk '{ print "host", $2, $4 }'
	sed -n 's/.*DEPLOY_ID="\([^"]*\)".*POLL="STATE=a [^"]*NETRX=\([0-9]*\) NETTX=\([0-9]*\)".*/\1 \2 \3/p' "$1"
}
# keyed: oned's flattened view with vectors keyed by DEPLOY_ID / ID
keyed() {
	awk -F= '
	{ line[NR] = $0 }
	match($0, /^VM\[[0-9]+\]\.DEPLOY_ID=/) { i = substr($0, 4, index($0, "]") - 4); vm[i] = substr($0, RLENGTH + 1) }
	match($0, /^DS\[[0-9]+\]\.ID=/) { i = substr($0, 4, index($0, "]") - 4); ds[i] = substr($0, RLENGTH + 1) }
	END {
		for (n = 1; n <= NR; n++) {
			l = line[n]
			if (l ~ /^VM\[[0-9]+\]\./) {
				i = substr(l, 4, index(l, "]") - 4); rest = substr(l, index(l, "]") + 2)
				if (rest ~ /^(IMPORT_TEMPLATE|POLL\.)/) continue
				print "VM<" vm[i] ">." rest
			} else if (l ~ /^DS\[[0-9]+\]\./) {
				i = substr(l, 4, index(l, "]") - 4); print "DS<" ds[i] ">." substr(l, index(l, "]") + 2)
			} else print l
		}
	}'
}

# The IMPORT_TEMPLATE of each wild VM: decoded, it is what
# `esxmad-vmx to-template` prints for the VM's .vmx (same format, same
# facts), except that SOURCE is the datastore path and GUESTOS the API's
# guestId (read here by raw SOAP for the first few VMs).
check_templates() {
	local side=$1 out=$2 root=$3 n=0 bad=0 name moref vmx t want
	while read -r name moref _ _ vmxpath; do
		case $name in one-[0-9]*) continue ;; esac
		vmx=$root$vmxpath
		t=$(grep -F "DEPLOY_ID=\"$name\"," "$out" | sed -n 's/.*IMPORT_TEMPLATE="\([^"]*\)".*/\1/p' | base64 -d)
		want=$("$B/bin/esxmad-vmx" to-template "$vmx" 2>&1 | grep -v -e 'SOURCE = ' -e 'GUESTOS = ')
		local dir file src
		dir=$(basename "$(dirname "$vmx")")
		file=$(sed -n 's/^scsi0:0.fileName = "\(.*\)"/\1/p' "$vmx")
		src=$(grep -o 'SOURCE = "[^"]*"' <<<"$t" | head -1)
		if [ "$(grep -v -e 'SOURCE = ' -e 'GUESTOS = ' <<<"$t")" != "$want" ] ||
			! grep -q "^DISK = \[ SOURCE = \"\[[^]]*\] $dir/$file\",\$" <<<"$t"; then
			bad=$((bad + 1))
			[ $bad -le 2 ] && { echo "     $name:"; diff <(echo "$want") <(echo "$t") | sed 's/^/     /'; }
		fi
		if [ $n -lt 4 ]; then
			local gid
			gid=$(soap_prop "$side" VirtualMachine "$moref" summary.config.guestId)
			grep -q "GUESTOS = \"$gid\" \]" <<<"$t" || { bad=$((bad + 1)); echo "     $name: GUESTOS != $gid"; }
		fi
		n=$((n + 1))
	done < <(sim_vms "$side" | awk -v h="$4" '$3 == h')
	check "IMPORT_TEMPLATE of $n wild VMs = esxmad-vmx to-template of their .vmx (SOURCE as [ds] path, GUESTOS = guestId)" test $bad = 0 -a $n -gt 0
}

run_case() {
	local n=$1
	echo "# --- $n VMs ---"
	esxsim_start --vms "$n"
	WORK=$(mktemp -d)
	export VMWARERC=$WORK/vmwarerc
	write_rc "$VMWARERC"
	soap_login esx
	PC=ha-property-collector
	HOSTREF=ha-host
	if [ "$n" -ge 4 ]; then
		soap_rename esx wild-1 one-7; soap_rename esx wild-2 one-12; soap_rename esx wild-3 one-120
	fi
	sim_ctl esx POST /esxsim/stats/reset >/dev/null

	# first cycle: with Login
	"$PROBE" /vmfs/volumes 4124 20 0 esx1 >"$WORK/out1" 2>"$WORK/err"
	check "[$n] probe exit 0 ($(head -c 300 "$WORK/err"))" test $? = 0
	local first=$(sim_stat esx TOTAL) logins=$(sim_stat esx LOGIN)
	check "[$n] first cycle: $first round trips incl. $logins login and the counter keys (<= 6)" test "$first" -le 6
	sim_ctl esx POST /esxsim/stats/reset >/dev/null
	"$PROBE" /vmfs/volumes 4124 20 0 esx1 >"$WORK/out" 2>"$WORK/err"
	local steady=$(sim_stat esx TOTAL)
	check "[$n] steady cycle: $steady round trips (properties, QueryPerf), no login" test "$steady" = 2 -a "$(sim_stat esx LOGIN)" = 0 -a "$(sim_stat esx QueryPerf)" = 1
	netvals "$WORK/out1" >"$WORK/net1"; netvals "$WORK/out" >"$WORK/net2"
	check "[$n] NETRX/NETTX of the host and the $(($(wc -l <"$WORK/net2") - 1)) running VMs above 0 and not decreasing ($(head -2 "$WORK/net2" | tr '\n' ' '))" \
		awk 'NR == FNR { rx[$1] = $2; tx[$1] = $3; next } !($2 > 0 && $3 > 0 && $2 >= rx[$1] + 0 && $3 >= tx[$1] + 0) { bad = 1 } END { exit bad }' "$WORK/net1" "$WORK/net2"
	check "[$n] every running VM has NETRX/NETTX" test "$(grep -c 'POLL="STATE=a' "$WORK/out")" = "$(($(wc -l <"$WORK/net2") - 1))"
	echo "$n $first $steady" >>"$ROUNDTRIPS"
	"$PARSE" im <"$WORK/out" >"$WORK/parsed" 2>"$WORK/perr"
	check "[$n] oned's parser accepts the output ($(cat "$WORK/perr"))" test $? = 0
	check "[$n] exactly $n VM blocks" test "$(grep -c '^VM=\[' "$WORK/out")" = "$n"
	check "[$n] three datastores" test "$(grep -c '^DS=\[' "$WORK/out")" = 3
	keyed <"$WORK/parsed" | nonet | sort >"$WORK/got"
	expected esx1 esx | sort >"$WORK/want"
	check "[$n] every key equals the model" diff "$WORK/want" "$WORK/got"
	[ "$n" -ge 1 ] && check_templates esx "$WORK/out" "$ESX_ROOT" esx1
	if [ "$n" -ge 200 ]; then
		# a server that pages: the same answer through ContinueRetrievePropertiesEx
		sim_ctl esx POST /esxsim/stats/reset >/dev/null
		ESXMAD_VI_MAX_OBJECTS=50 "$PROBE" /vmfs/volumes 4124 20 0 esx1 >"$WORK/paged"
		check "[$n] paged by 50: same output (NETRX/NETTX aside)" cmp -s <(nonet <"$WORK/out") <(nonet <"$WORK/paged")
		check "[$n] paged by 50: $(sim_stat esx ContinueRetrievePropertiesEx) ContinueRetrievePropertiesEx for $((n + 4)) objects" \
			test "$(sim_stat esx ContinueRetrievePropertiesEx)" = $(( (n + 4 + 49) / 50 - 1 ))
	fi
	if [ "$n" -ge 4 ]; then
		check "[$n] one-7 has ID=7 and no IMPORT_TEMPLATE" \
			sh -c "grep -q '^VM=\[ID=7,DEPLOY_ID=\"one-7\",POLL=' '$WORK/out'"
	fi

	# poll shares the code path: same line as in the probe, exactly one line
	local vm
	for vm in one-7 one-12 one-120 wild-1 wild-4; do
		grep -q "DEPLOY_ID=\"$vm\"" "$WORK/out" || continue
		"$POLL" "$vm" esx1 "${vm#one-}" esx1 >"$WORK/poll" 2>"$WORK/err"
		check "[$n] poll $vm exit 0" test $? = 0
		check "[$n] poll $vm: oned's parser accepts it" sh -c "'$PARSE' poll <'$WORK/poll' >/dev/null"
		check "[$n] poll $vm = the probe's POLL, NETRX/NETTX aside ($(cat "$WORK/poll"))" \
			sh -c "grep -F 'DEPLOY_ID=\"$vm\",' '$WORK/out' | sed -E '/STATE=[^a]/!s/NET(RX|TX)=[0-9]+/NET\\1=N/g' | grep -qF ',POLL=\"$(nonet <"$WORK/poll")\"]'"
	done
	"$POLL" one-1 esx1 1 esx1 >"$WORK/poll" 2>/dev/null
	check "[$n] poll of a missing VM (one-1, while one-12/one-120 may exist): STATE=d, exit 0" \
		sh -c "test $? = 0 && test \"\$(cat '$WORK/poll')\" = STATE=d"
	esxsim_stop
	rm -rf "$WORK"
}

ROUNDTRIPS=$(mktemp)
trap 'esxsim_stop; rm -f "$ROUNDTRIPS"' EXIT
for n in 0 1 4 200; do
	run_case "$n"
done
check "round trips of a steady cycle are the same for 0, 1, 4, 200 VMs ($(awk '{ printf "%s:%s ", $1, $3 }' "$ROUNDTRIPS"))" \
	test "$(awk '{ print $3 }' "$ROUNDTRIPS" | sort -u | wc -l)" = 1

# --- a vCenter: only the VMs of that host -------------------------------------
echo "# --- vCenter ---"
esxsim_start --vms 6
WORK=$(mktemp -d)
export VMWARERC=$WORK/vmwarerc
write_rc "$VMWARERC"
soap_login vpx
PC=propertyCollector
for h in host1 host2; do
	HOSTREF=$(soap vpx "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$PC</_this><specSet><propSet><type>HostSystem</type><pathSet>name</pathSet></propSet><objectSet><obj type=\"Folder\">group-d1</obj><selectSet xsi:type=\"TraversalSpec\"><name>f</name><type>Folder</type><path>childEntity</path><selectSet><name>f</name></selectSet><selectSet><name>d</name></selectSet><selectSet><name>c</name></selectSet></selectSet><selectSet xsi:type=\"TraversalSpec\"><name>d</name><type>Datacenter</type><path>hostFolder</path><selectSet><name>f</name></selectSet></selectSet><selectSet xsi:type=\"TraversalSpec\"><name>c</name><type>ComputeResource</type><path>host</path></selectSet></objectSet></specSet><options/></RetrievePropertiesEx>" |
		grep -o "<objects><obj type=\"HostSystem\">[^<]*</obj><propSet><name>name</name><val[^>]*>$h<" | sed 's/.*HostSystem">\([^<]*\)<.*/\1/')
	"$PROBE" /vmfs/volumes 4124 20 0 "$h" >"$WORK/out" 2>"$WORK/err"
	check "[vpx $h] probe exit 0 ($(head -c 300 "$WORK/err"))" test $? = 0
	sim_ctl vpx POST /esxsim/stats/reset >/dev/null
	"$PROBE" /vmfs/volumes 4124 20 0 "$h" >"$WORK/out" 2>"$WORK/err"
	check "[vpx $h] steady cycle: 3 round trips (host by name, properties, QueryPerf)" test "$(sim_stat vpx TOTAL)" = 3
	"$PARSE" im <"$WORK/out" >"$WORK/parsed"
	keyed <"$WORK/parsed" | nonet | sort >"$WORK/got"
	expected "$h" vpx | sort >"$WORK/want"
	check "[vpx $h] every key equals the model, only $h's VMs ($(grep -c '^VM=' "$WORK/out"))" diff "$WORK/want" "$WORK/got"
	check_templates vpx "$WORK/out" "$VPX_ROOT" "$h"
done
"$PROBE" 0 esx9 >/dev/null 2>"$WORK/err"
check "[vpx] unknown host: failure" test $? != 0

# --- a failed connection -------------------------------------------------------
sed -i "s/:api_port: $VPX_API_PORT/:api_port: 1/" "$VMWARERC"
"$POLL" one-7 host1 7 host1 >"$WORK/poll" 2>"$WORK/err"
rc=$?
check "poll with a failed connection: exit 1, nothing on stdout ($rc: $(head -c 300 "$WORK/err"))" test $rc = 1 -a ! -s "$WORK/poll"
check "poll with a failed connection: ERROR MESSAGE block" grep -q '^ERROR MESSAGE --8<------$' "$WORK/err"
"$PROBE" 0 host1 >"$WORK/out" 2>/dev/null
check "probe with a failed connection: exit 1" test $? = 1
esxsim_stop
rm -rf "$WORK"
esxsim_finish
