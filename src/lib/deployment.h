/* esxmad: OpenNebula's deployment file for VMware (spec §6): libvirt XML
 * with a <metadata> element that esxmad consumes (guest OS, PCI bridges,
 * DATA_VMX) and that must not reach libvirt. */
#ifndef ESXMAD_DEPLOYMENT_H
#define ESXMAD_DEPLOYMENT_H

#include <stddef.h>

#include "cleanup.h"

typedef struct one_deployment {
  char *path;              /* the file read (or a label) */
  char *xml;               /* the domain XML with <metadata> cut out */
  char *name;              /* /domain/name, "one-<vid>" */
  long long memory_kb;     /* /domain/memory, 0 if absent */
  char *guestos;           /* metadata/guestos, NULL if absent or empty */
  int pcibridge;           /* metadata/pcibridge, 0 if absent */
  char *datavmx;           /* metadata/datavmx (literal \n turned into
                              newlines; 4.0: the metadata text), or NULL */
  char *first_disk;        /* the first <disk type='file' device='disk'>
                              source file, "[ds] vid/disk.0/disk.vmdk" */
} one_deployment;

/* Parse a deployment file's text.  NULL with one_error on bad XML or a
 * missing /domain/name. */
one_deployment *one_deployment_parse (const char *data, size_t len,
                                      const char *label);
one_deployment *one_deployment_read (const char *path);
void one_deployment_free (one_deployment *d);
ONE_DEFINE_AUTO (one_deployment)

/* The .vmx libvirt writes for this domain: in the directory of the first
 * file-based disk, "[ds] dir/<name>.vmx" as datastore path; NULL if the
 * domain has no file-based disk. */
char *one_deployment_vmx_dspath (const one_deployment *d);

/* "[ds] a/b" -> "/vmfs/volumes/ds/a/b"; NULL if not of that form. */
char *one_dspath_to_path (const char *dspath);

/* The folder holding OpenNebula's files for VM 'vid':
 * $ESXMAD_VMS_DIR/<vid> if set, else $ONE_LOCATION/var/vms/<vid>, else
 * /var/lib/one/vms/<vid>. */
char *one_vms_dir (const char *vid);
/* The newest deployment file of 'dir' by sequence number
 * (deployment.10 after deployment.9).  NULL with one_error if none. */
char *one_deployment_latest (const char *dir);

#endif
