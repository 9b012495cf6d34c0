#!/bin/sh
# esxsim-server with -vms 1000: startup time and virsh list --all.
. "$(dirname "$0")/testlib.sh"

t0=$(date +%s%N)
start_server big -mode esx -vms 1000
t1=$(date +%s%N)
echo "     startup (incl. ready-file wait): $(( (t1 - t0) / 1000000 )) ms, server-reported STARTUP_MS=$STARTUP_MS"
echo "     (startup time is measured by bench/esxsim-start, not asserted here)"
U="esx://127.0.0.1:$PORT/?no_verify=1"
t0=$(date +%s%N)
timeout 300 virsh -c "$U" list --all > "$T/list.out" 2>&1
t1=$(date +%s%N)
echo "     virsh list --all: $(( (t1 - t0) / 1000000 )) ms"
check "list --all shows 1000 wild VMs" test "$(grep -c ' wild-' "$T/list.out")" -eq 1000
check "mix of states" sh -c "grep -q running '$T/list.out' && grep -q paused '$T/list.out' && grep -q 'shut off' '$T/list.out'"
check "control /esxsim/vms has 1000 lines" test "$(curl -skf https://127.0.0.1:$PORT/esxsim/vms | wc -l)" -eq 1000
check "dominfo wild-777" sh -c "timeout 60 virsh -c '$U' dominfo wild-777 | grep -q 'Name: *wild-777'"

CLIENT="$SRVDIR/../bin/esxsim-client"
if [ -x "$CLIENT" ]; then
	timeout 120 "$CLIENT" -url "$URL" -password-file "$T/pw" pagecount 0 > "$T/pages0.out" 2>&1
	check "RetrievePropertiesEx pages by 100 without maxObjects ($(tr '\n' ' ' < "$T/pages0.out"))" sh -c "grep -qx PAGES=10 '$T/pages0.out' && grep -qx OBJECTS=1000 '$T/pages0.out'"
	timeout 120 "$CLIENT" -url "$URL" -password-file "$T/pw" pagecount 300 > "$T/pages300.out" 2>&1
	check "maxObjects=300 gives 4 pages ($(tr '\n' ' ' < "$T/pages300.out"))" sh -c "grep -qx PAGES=4 '$T/pages300.out' && grep -qx OBJECTS=1000 '$T/pages300.out'"
	timeout 120 "$CLIENT" -url "$URL" -password-file "$T/pw" monitor > "$T/mon.out" 2>&1
	check "govmomi monitor sees 1000 VMs" test "$(grep -c '^VM wild-' "$T/mon.out")" -eq 1000
fi

t0=$(date +%s%N)
start_server small -mode esx -vms 4
t1=$(date +%s%N)
echo "     startup with 4 VMs: $(( (t1 - t0) / 1000000 )) ms (STARTUP_MS=$STARTUP_MS)"
: # startup time: bench/esxsim-start
finish
