#!/bin/bash
# An ESX whose SSH host key is changed in :ssh_known_hosts: is refused by every
# program that uses SSH (tm/mkimage, tm/clone, vnm/pre, vmm/deploy with
# DATA_VMX) before logging in, with a message naming the known_hosts file;
# nothing is changed on the host.  The right known_hosts works (control).
. "$(dirname "$0")/lib.sh"
hard_ssh_identity changed
esxsim_finish
