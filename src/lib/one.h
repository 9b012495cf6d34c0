/* esxmad: what OpenNebula hands the drivers, read.
 *
 *  - the deployment file oned writes for a VM (spec §6),
 *  - VMM_DRIVER_ACTION_DATA and DS_DRIVER_ACTION_DATA, base64 XML (§5, §7),
 *  - transfer manager arguments: host:path, disk.<i>, /vmfs/volumes paths
 *    (§4). */
#ifndef ESXMAD_ONE_H
#define ESXMAD_ONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"
#include "xml.h"

/* ---- deployment file --------------------------------------------------- */

typedef struct one_dom_disk {
  char *type;                   /* "file", "block" */
  char *device;                 /* "disk", "cdrom" */
  char *source;                 /* "[0] 5/disk.0/disk.vmdk" (file or dev attribute) */
  char *target;                 /* "sda", "hdb" */
  char *driver;                 /* <driver name=...>, or NULL */
  bool readonly;
} one_dom_disk;

typedef struct one_dom_nic {
  char *bridge;                 /* port group */
  char *mac;
  char *target;
  char *script;
  char *model;
} one_dom_nic;

typedef struct one_dom_graphics {
  char *type;                   /* "vnc" */
  char *listen;
  char *port;
  char *passwd;                 /* a secret: never log it */
  char *keymap;
} one_dom_graphics;

typedef struct one_domain {
  char *path;                   /* file read, or "deployment file" */
  one_xml_doc *doc;             /* the whole document, for other queries */
  char *name;                   /* "one-5" */
  int vcpu;                     /* 0 when absent */
  uint64_t memory_kib;
  char *arch;
  char **boot;                  /* boot devs in order, NULL-terminated */
  size_t n_boot;
  one_dom_disk *disks;
  size_t n_disks;
  one_dom_nic *nics;
  size_t n_nics;
  one_dom_graphics *graphics;   /* NULL when none */
  one_xml **other_devices;      /* the other elements of <devices> (RAW
                                   controllers...), pointing into doc */
  size_t n_other_devices;
  char *guestos;                /* <metadata><guestos> or NULL */
  int pcibridge;                /* <metadata><pcibridge>, 0 when absent */
  char *datavmx;                /* <metadata><datavmx> raw (literal \n kept) */
} one_domain;

/* Parse a deployment file; NULL with one_error set.  Errors name the file
 * and the line, with a hint when the XML is malformed (oned does not
 * escape template values). */
one_domain *one_domain_load (const char *path);
one_domain *one_domain_parse (const char *xml, size_t len, const char *what);
void one_domain_free (one_domain *d);
ONE_DEFINE_AUTO (one_domain)

/* The domain XML for libvirt: the text as written, with the <metadata>
 * element (consumed by esxmad) removed. */
char *one_domain_libvirt_xml (const one_domain *d);
/* The datastore of the first file-based disk: "0" for
 * "[0] 5/disk.0/disk.vmdk"; NULL (one_error set) when there is none. */
char *one_domain_datastore (const one_domain *d);
/* DATA_VMX as lines: literal "\n" sequences become newlines. */
char *one_domain_datavmx_lines (const one_domain *d);

/* ---- driver action data ------------------------------------------------ */

/* Decode base64, parse, and check the root element is 'root' (NULL: any).
 * 'what' names the data in errors ("DS_DRIVER_ACTION_DATA"). */
one_xml_doc *one_b64_xml (const char *b64, const char *root, const char *what);

/* DS_DRIVER_ACTION_DATA (datastore actions, argv[1]). */
one_xml_doc *one_ds_action_parse (const char *b64);
/* Text at 'path' relative to /DS_DRIVER_ACTION_DATA/, e.g.
 * "DATASTORE/TEMPLATE/BRIDGE_LIST", "IMAGE/PATH"; NULL when absent. */
const char *one_ds_action_get (const one_xml_doc *d, const char *path);

/* VMM_DRIVER_ACTION_DATA (the driver message, with the <VM> inside). */
one_xml_doc *one_vmm_action_parse (const char *b64);
/* Relative to /VMM_DRIVER_ACTION_DATA/: "HOST", "DEPLOY_ID",
 * "VM/TEMPLATE/DISK[DISK_ID=1]/TYPE", ... */
const char *one_vmm_action_get (const one_xml_doc *d, const char *path);

/* A VM's XML (`onevm show -x`, vnm's argument): root <VM>. */
one_xml_doc *one_vm_xml_parse (const char *b64);

/* ---- transfer manager arguments ---------------------------------------- */

/* Split "host:path" at the first ':'.  Both parts non-empty. */
int one_tm_split (const char *arg, char **host, char **path);
/* The disk id of ".../disk.<i>": the digits after the last '.'. */
int one_tm_disk_id (const char *path);
/* Check that 'path' is strictly under /vmfs/volumes/<ds>/: absolute, no
 * "." or ".." or empty component, no control character.  *ds (optional)
 * gets the datastore name.  -1 with one_error set otherwise. */
int one_vmfs_path_check (const char *path, char **ds);

#endif
