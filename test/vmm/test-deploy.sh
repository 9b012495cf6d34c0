#!/bin/bash
# vmm/deploy against the simulated ESX: defines and starts the VM, prints
# one-<vid>, applies the metadata (guest OS, PCI bridges, DATA_VMX merged
# into the .vmx without duplicate keys, memory reservation); a second deploy
# reuses the VM; a failed start leaves nothing defined.
. "$(dirname "$0")/lib.sh"

vmm_vm 5 esx1 "<metadata><guestos>ubuntu64Guest</guestos>
<pcibridge>2</pcibridge><datavmx>foo.bar = \"1\"\\nGUESTOS = \"windows9-64\"\\nmemsize = \"512\"</datavmx></metadata>"
run deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "deploy"
[ "$out" = one-5 ] && ok "prints one-5" || fail "stdout '$out'"
[ "$(vm_state one-5)" = running ] && ok "one-5 runs" || fail "one-5 is $(vm_state one-5)"
vmx=$(esx_ssh esx1 'cat /vmfs/volumes/0/5/disk.0/one-5.vmx')
[ "$(printf '%s\n' "$vmx" | grep -ci '^guestos ')" = 1 ] && printf '%s\n' "$vmx" | grep -q '^guestOS = "windows9-64"' \
  && ok "DATA_VMX replaced guestOS (one entry, original spelling)" || fail "guestOS in .vmx: $(printf '%s\n' "$vmx" | grep -i guestos)"
printf '%s\n' "$vmx" | grep -q '^foo.bar = "1"' && ok "DATA_VMX key appended" || fail "foo.bar missing"
[ "$(printf '%s\n' "$vmx" | grep -ci '^memsize ')" = 1 ] && ok "memsize not duplicated" || fail "memsize: $(printf '%s\n' "$vmx" | grep -i memsize)"
printf '%s\n' "$vmx" | grep -q '^pciBridge1.present = "TRUE"' && ok "pcibridge 2 -> pciBridge1.present" || fail "no pciBridge1.present"
# (whole outputs first: a reader that quits early kills virsh before it logs out)
info=$(esx_virsh "$ESX_URI" dominfo one-5)
printf '%s\n' "$info" | grep -q 'Max memory: *524288 KiB' && ok "ESX reloaded the .vmx (512 MiB)" || fail "memory: $info"
all=$(esx_ssh esx1 'vim-cmd vmsvc/getallvms')
printf '%s\n' "$all" | grep -q 'one-5 .*windows9_64Guest' && ok "guest OS on the host" || fail "guest os: $all"

# a second deploy of the same VM reuses it
run deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "second deploy"
[ "$out" = one-5 ] && [ "$(esx_ssh esx1 'vim-cmd vmsvc/getallvms' | grep -c ' one-5 ')" = 1 ] && ok "second deploy reuses the VM" || fail "second deploy: '$out'"
# ... and starts it when it is off
esx_virsh "$ESX_URI" destroy one-5 >/dev/null
run deploy "$VMS/5/deployment.0" esx1 5 esx1
expect_ok "deploy of a defined, stopped VM"
[ "$(vm_state one-5)" = running ] && ok "restarted" || fail "one-5 is $(vm_state one-5)"

# :reserve_memory_in_disk: false -> sched.mem.* even without DATA_VMX
vmm_rc ":reserve_memory_in_disk: false"
vmm_vm 7
run deploy "$VMS/7/deployment.0" esx1 7 esx1
expect_ok "deploy with reserve_memory_in_disk false"
vmx=$(esx_ssh esx1 'cat /vmfs/volumes/0/7/disk.0/one-7.vmx')
printf '%s\n' "$vmx" | grep -q '^sched.mem.min = "256"' && printf '%s\n' "$vmx" | grep -q '^sched.mem.pin = "TRUE"' \
  && printf '%s\n' "$vmx" | grep -q '^sched.mem.shares = "normal"' && ok "memory reserved" || fail "sched.mem: $(printf '%s\n' "$vmx" | grep sched)"
vmm_rc

# a failed start (disk missing) leaves nothing defined
mkdir -p "$VMS/8"; sed 's/one-5/one-8/; s/\[0\] 5\//[0] 8\//' "$VMS/5/deployment.0" > "$VMS/8/deployment.0"
esx_ssh esx1 'mkdir -p /vmfs/volumes/0/8/disk.0'
run deploy "$VMS/8/deployment.0" esx1 8 esx1
expect_fail "was not found" "start without its disk fails with ESX's message"
[ "$(vm_state one-8)" = missing ] && ok "failed start undefined the VM" || fail "one-8 is $(vm_state one-8)"
[ -z "$out" ] && ok "nothing on stdout on failure" || fail "stdout '$out'"

# a bad DATA_VMX line: nothing defined, clear error
vmm_vm 9 esx1 "<metadata><datavmx>this is not vmx</datavmx></metadata>"
run deploy "$VMS/9/deployment.0" esx1 9 esx1
expect_fail "DATA_VMX" "bad DATA_VMX is refused"
[ "$(vm_state one-9)" = missing ] && ok "and the VM is undefined again" || fail "one-9 is $(vm_state one-9)"

# a deployment file that is not XML
echo "<domain><name>one-10" > "$T/bad"
run deploy "$T/bad" esx1 10 esx1
expect_fail "$T/bad" "broken deployment file named in the error"

expect_no_leak
esxsim_finish
