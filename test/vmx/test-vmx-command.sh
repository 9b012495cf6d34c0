#!/bin/bash
# esxmad-vmx: to-template and merge on real files.
set -eu
bin="$ESXMAD_BUILD/bin/esxmad-vmx"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/web.vmx" <<'V'
#!/usr/bin/vmware
.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "14"
displayName = "web |22one|22 \ two"
memSize = "2048"
numvcpus = "2"
guestOS = "rhel7-64"
scsi0.present = "TRUE"
scsi0.virtualDev = "pvscsi"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "web.vmdk"
ide1:0.present = "FALSE"
ide1:0.fileName = "/vmfs/volumes/iso/x.iso"
floppy0.present = "TRUE"
floppy0.fileType = "device"
floppy0.fileName = "/dev/fd0"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.addressType = "static"
ethernet0.address = "00:50:56:01:02:03"
ethernet0.networkName = "VM Network"
V
out=$("$bin" to-template "$tmp/web.vmx")
echo "$out"
grep -qx 'NAME = "web \\"one\\" \\\\ two"' <<<"$out"
grep -qx 'MEMORY = "2048"' <<<"$out"
grep -qx 'VCPU = "2"' <<<"$out"
grep -q 'ARCH = "x86_64"' <<<"$out"
grep -q "SOURCE = \"$tmp/web.vmdk\"" <<<"$out"
grep -q 'MAC = "00:50:56:01:02:03"' <<<"$out"
grep -q 'NETWORK = "VM Network"' <<<"$out"
grep -q "model='vmpvscsi'" <<<"$out"
grep -q '^# not imported: fdc fda floppy (host device)' <<<"$out"
! grep -q 'x.iso' <<<"$out"

# merge: replace in any case, append new, keep the rest and the order
out=$(printf 'MEMSIZE = "4096"\\nsched.mem.pin = "TRUE"\n' | "$bin" merge "$tmp/web.vmx")
[ "$(grep -ci '^memsize' <<<"$out")" = 1 ]
grep -qx 'memSize = "4096"' <<<"$out"
[ "$(tail -n1 <<<"$out")" = 'sched.mem.pin = "TRUE"' ]
[ "$(head -n1 <<<"$out")" = '#!/usr/bin/vmware' ]
diff <(grep -v -i '^memsize\|^sched.mem.pin' <<<"$out") <(grep -v -i '^memsize' "$tmp/web.vmx")

# refused lines: exit 1, the line named, nothing on stdout
set +e
out=$(printf 'a = "1"\nrm -rf / = "x"\n' | "$bin" merge "$tmp/web.vmx" 2>"$tmp/err"); rc=$?
set -e
[ $rc = 1 ] && [ -z "$out" ] && grep -q 'DATA_VMX line 2' "$tmp/err"

# strict vs lenient on a bad line
printf 'config.version = "8"\nthis is junk\nmemsize = "64"\n' > "$tmp/bad.vmx"
set +e; "$bin" check "$tmp/bad.vmx" 2>"$tmp/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q "line 2" "$tmp/err"
"$bin" --lenient to-template "$tmp/bad.vmx" 2>"$tmp/err" | grep -qx 'MEMORY = "64"'
grep -q "line 2" "$tmp/err"
# usage
set +e; "$bin" frobnicate "$tmp/web.vmx" 2>/dev/null; rc=$?; set -e
[ $rc = 2 ]
echo ok
