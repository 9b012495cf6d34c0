#!/bin/sh
# esxsim-server with -vms 1000: startup time and virsh list --all.
. "$(dirname "$0")/testlib.sh"

t0=$(date +%s%N)
start_server big -mode esx -vms 1000
t1=$(date +%s%N)
echo "     startup (incl. ready-file wait): $(( (t1 - t0) / 1000000 )) ms, server-reported STARTUP_MS=$STARTUP_MS"
check "startup under 10 s" test $(( (t1 - t0) / 1000000 )) -lt 10000
U="esx://127.0.0.1:$PORT/?no_verify=1"
t0=$(date +%s%N)
timeout 300 virsh -c "$U" list --all > "$T/list.out" 2>&1
t1=$(date +%s%N)
echo "     virsh list --all: $(( (t1 - t0) / 1000000 )) ms"
check "list --all shows 1000 wild VMs" test "$(grep -c ' wild-' "$T/list.out")" -eq 1000
check "mix of states" sh -c "grep -q running '$T/list.out' && grep -q paused '$T/list.out' && grep -q 'shut off' '$T/list.out'"
check "control /esxsim/vms has 1000 lines" test "$(curl -skf https://127.0.0.1:$PORT/esxsim/vms | wc -l)" -eq 1000
check "dominfo wild-777" sh -c "timeout 60 virsh -c '$U' dominfo wild-777 | grep -q 'Name: *wild-777'"

t0=$(date +%s%N)
start_server small -mode esx -vms 4
t1=$(date +%s%N)
echo "     startup with 4 VMs: $(( (t1 - t0) / 1000000 )) ms (STARTUP_MS=$STARTUP_MS)"
check "4-VM startup under 1.5 s" test $(( (t1 - t0) / 1000000 )) -lt 1500
finish
