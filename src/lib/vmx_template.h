/* esxmad: an OpenNebula template for a VM described by its facts.
 *
 * Shared by `esxmad-vmx to-template` (facts read from a .vmx) and the
 * monitoring probe's IMPORT_TEMPLATE for wild VMs (facts built from the
 * vSphere API): fill a one_vmx_facts (vmx.h) and call one_vmx_template. */
#ifndef ESXMAD_VMX_TEMPLATE_H
#define ESXMAD_VMX_TEMPLATE_H

#include "vmx.h"

/* The value in double quotes for an OpenNebula template: '\' and '"' are
 * escaped with a backslash; control characters become spaces. */
char *one_template_quote (const char *s);

/* The template text, one attribute per line, ending with a newline:
 *   NAME, CPU, VCPU, MEMORY (MiB),
 *   OS = [ ARCH, FIRMWARE ("BIOS"|"UEFI"), FIRMWARE_SECURE, GUESTOS ],
 *   DISK = [ SOURCE (datastore path), DEV_PREFIX (sd|hd|nvme), TARGET,
 *            TYPE = "CDROM" and READONLY for CD-ROMs ] per disk with a file,
 *   NIC = [ MAC, MODEL, NETWORK (the port group) ] per NIC,
 *   RAW = [ TYPE = "vmware", DATA = "<devices><controller .../></devices>" ]
 *   for SCSI controllers with a known model.
 * Devices that cannot be expressed (floppies, host devices, empty
 * CD-ROMs, NICs without a network) are listed as '#' comment lines.
 * Never NULL. */
char *one_vmx_template (const one_vmx_facts *f);

#endif
