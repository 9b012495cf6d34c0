/* esxmad: the VMX format (a VM's configuration on ESX).
 *
 * A pure reader and writer, in the shape of libvirt's src/vmx/vmx.c: no
 * I/O except one_vmx_read_file(); file names are mapped to datastore
 * paths through a callback the caller injects (one_vmx_ctx).
 *
 * Reading (see ../shared/corpus/README.md for the rules):
 *  - a line is  key = "value"; blank lines and lines starting with '#'
 *    (the #! shebang too) are ignored; a trailing \r is dropped;
 *  - keys are ASCII, looked up without regard to case, and keep their
 *    original spelling for writing;
 *  - values are decoded: |XX (two hex digits) is that byte, except |00;
 *    a '|' not followed by two hex digits stays as it is;
 *  - .encoding other than UTF-8 converts the text with iconv before
 *    parsing (and the model's .encoding then says "UTF-8");
 *  - duplicate keys: the first wins (as virt-v2v), with a warning; the
 *    later lines are not read but kept for writing, until the key is set
 *    or deleted, which removes them (a key is then never duplicated);
 *  - a line that does not parse, a NUL byte, invalid UTF-8 or a line
 *    longer than ONE_VMX_MAX_LINE is an error naming the line, unless
 *    ONE_VMX_LENIENT is given: then the line is not read (warning) but
 *    kept as it is for writing (a line with a NUL byte is dropped).
 *
 * Writing keeps every entry in its order with its original key spelling;
 * unchanged entries are written exactly as read; set/changed values are
 * written  key = "value"  with '"', '|' and control bytes as |XX. */
#ifndef ESXMAD_VMX_H
#define ESXMAD_VMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

#define ONE_VMX_MAX_SIZE (16u << 20)   /* whole file */
#define ONE_VMX_MAX_LINE (1u << 20)    /* one line */

enum {
  ONE_VMX_LENIENT = 1,   /* skip bad lines with a warning instead of failing */
};

typedef struct one_vmx one_vmx;

/* Parse 'len' bytes.  'name' is used in messages ("vmx 'NAME' line N: ...").
 * NULL with one_error set. */
one_vmx *one_vmx_parse (const char *name, const char *data, size_t len,
                        unsigned flags);
one_vmx *one_vmx_read_file (const char *path, unsigned flags);
void one_vmx_free (one_vmx *v);
/* The name given to one_vmx_parse (the file name for one_vmx_read_file). */
const char *one_vmx_name (const one_vmx *v);
ONE_DEFINE_AUTO (one_vmx)

/* Number of entries and the i-th key (original spelling) and decoded value. */
size_t one_vmx_count (const one_vmx *v);
const char *one_vmx_key (const one_vmx *v, size_t i);
const char *one_vmx_value (const one_vmx *v, size_t i);

/* The decoded value of 'key' (any case), or NULL. */
const char *one_vmx_get (const one_vmx *v, const char *key);
/* Like one_vmx_get, but NULL when a namespace above the key is switched
 * off (ns.present = "FALSE"), as virt-v2v prunes the tree. */
const char *one_vmx_get_live (const one_vmx *v, const char *key);
/* Typed lookups: the default when the key is absent; -1 with one_error
 * naming the key and the value when it is present but malformed. */
int one_vmx_get_bool (const one_vmx *v, const char *key, bool def, bool *out);
int one_vmx_get_int (const one_vmx *v, const char *key, int64_t def,
                     int64_t *out);

/* Valid key: [A-Za-z0-9_.:*-]+, at most 256 bytes, not starting with '#'. */
bool one_vmx_key_valid (const char *key);

/* Set 'key' (replacing the first entry of any case, keeping its position
 * and spelling, and removing kept duplicate lines of it) or append it.  -1 (one_error) on an invalid key or a value
 * that is not valid UTF-8. */
int one_vmx_set (one_vmx *v, const char *key, const char *value);
/* Remove 'key' (any case).  Returns true if it was there. */
bool one_vmx_delete (one_vmx *v, const char *key);

/* The file text, ending with a newline.  Never NULL. */
char *one_vmx_format (const one_vmx *v);

/* Escape a value for writing (|22, |7C, control bytes). */
char *one_vmx_escape (const char *value);
/* Decode |XX escapes. */
char *one_vmx_unescape (const char *value);

/* DATA_VMX: lines  key = "value"  (as in the template's RAW/DATA_VMX;
 * a literal two-character \n in the text separates lines, as in the
 * deployment file's <datavmx>).  Each line replaces the key of any case
 * or is appended; blank lines are skipped.  All lines are checked before
 * anything changes: -1 (one_error naming the line) on a line that does
 * not parse, a bad key, or a value with control characters. */
int one_vmx_merge (one_vmx *v, const char *datavmx);

/* ---- Facts: what a VMX says about the VM (libvirt's reading rules) ---- */

/* Maps a VMX file name to the path the caller wants (e.g. "[ds] dir/f").
 * Returns 0 and sets *out (may leave it NULL when the file is missing and
 * allow_missing is true), or -1 with one_error set. */
typedef int (*one_vmx_file_name_cb) (const char *file_name, void *opaque,
                                     bool allow_missing, char **out);

typedef struct one_vmx_ctx {
  one_vmx_file_name_cb parse_file_name;   /* NULL: names kept as they are */
  void *opaque;
} one_vmx_ctx;

typedef struct one_vmx_disk {
  char *bus;              /* "scsi", "ide", "sata", "nvme", "fdc" */
  int controller;         /* scsiN, sataN, nvmeN, ideN (the IDE bus); 0 for floppies */
  int unit;               /* the unit on that controller (floppyN: N) */
  char *target;           /* libvirt-style name: sda, hdc, nvme0n1, fdb */
  char *device;           /* "disk", "cdrom", "floppy", "lun" */
  char *device_type;      /* the VMX deviceType, or NULL */
  bool block;             /* a host device (source dev) rather than a file */
  char *file_name;        /* as in the VMX, or NULL */
  char *path;             /* mapped through the callback; NULL = empty */
  char *controller_model; /* scsiN.virtualDev, or NULL */
  bool transient;         /* mode = independent-nonpersistent */
  bool writethrough;
} one_vmx_disk;

typedef struct one_vmx_nic {
  int index;              /* N of ethernetN */
  char *mac;              /* lower case, or NULL */
  char *address_type;     /* generated, static, vpx (lower case) */
  char *model;            /* virtualDev (vmxnet + features 15 -> vmxnet2), or NULL */
  char *type;             /* "bridge", "user", "network", "vds", "null" */
  char *network;          /* networkName, or NULL */
  char *connection_type;  /* lower case, default "bridged" */
  bool connection_type_set;  /* connectionType was in the file */
  char *vnet;
  char *dvs_switch_id;    /* as a UUID string */
  char *dvs_portgroup_id;
  char *dvs_port_id;
  char *dvs_connection_id;
} one_vmx_nic;

typedef struct one_vmx_facts {
  char *name;             /* displayName (|XX and %XX decoded), or NULL */
  char *uuid;             /* vc.uuid, else uuid.bios, as 8-4-4-4-12 lower case; or NULL */
  char *bios_uuid;        /* uuid.bios */
  char *annotation;
  int64_t memory_mib;     /* memsize, default 32 */
  int64_t vcpus;          /* numvcpus, default 1 */
  int64_t cores_per_socket;  /* 0 when unset */
  char *firmware;         /* "bios" or "efi" */
  bool secure_boot;
  char *guest_os;         /* guestOS, or NULL */
  char *arch;             /* "x86_64" when guestOS ends with -64, else "i686" */
  char *genid;            /* from vm.genid/vm.genidX as a UUID, or NULL */
  size_t n_disks;
  one_vmx_disk *disks;
  size_t n_nics;
  one_vmx_nic *nics;
} one_vmx_facts;

/* Read the facts.  NULL with one_error set (naming the key) on a value
 * libvirt would reject: config.version other than 8, memsize not a
 * positive multiple of 4, numvcpus <= 0, an unknown firmware, an unknown
 * scsiN.virtualDev or NIC model, a file name the callback refuses. */
one_vmx_facts *one_vmx_facts_read (const one_vmx *v, const one_vmx_ctx *ctx);
void one_vmx_facts_free (one_vmx_facts *f);
ONE_DEFINE_AUTO (one_vmx_facts)

/* A file-name callback for VMX files on an ESX host: /vmfs/volumes/DS/p
 * becomes "[DS] p"; a relative name is taken relative to the folder of
 * the .vmx whose path is 'opaque' (a const char *; may be NULL); other
 * absolute names stay as they are. */
int one_vmx_esx_file_name (const char *file_name, void *opaque,
                           bool allow_missing, char **out);

#endif
