/* esxmad: what the transfer manager (tm/) and datastore (datastore/)
 * actions share: reaching a host over SSH by its OpenNebula name, disk
 * formats, the remote shell prologue, paths on /vmfs/volumes.
 *
 * Disk kinds are decided from the source itself, never by calling back
 * into OpenNebula: an image SOURCE that is a folder holding disk.vmdk is a
 * hard disk, a regular file is a CD-ROM image (ISO). */
#ifndef ESXMAD_STORAGE_H
#define ESXMAD_STORAGE_H

#include <stdbool.h>

#include "conf.h"
#include "ssh.h"
#include "util.h"

/* Load vmwarerc (secrets registered) and connect to 'host' (an OpenNebula
 * host name, mapped through :hosts:).  *usage is set for configuration
 * errors (exit 2).  NULL with one_error set. */
one_ssh *one_store_connect (const char *host, bool *usage);
/* The same with a loaded configuration. */
one_ssh *one_store_connect_conf (const one_conf *c, const char *host);

/* vmkfstools -d type for an OpenNebula FORMAT/FSTYPE/CLONE_FSTYPE:
 * "vmdk_thin" -> "thin", "vmdk_zeroedthick" -> "zeroedthick",
 * "vmdk_eagerzeroedthick" -> "eagerzeroedthick"; the bare names are
 * accepted too.  NULL or "" -> 'dflt'.  "raw" and file-system names
 * (ext4, swap, qcow2...) -> "thin": ESX has only vmdk disks, the disk is
 * created unformatted.  Anything else (not [a-z0-9_]) is an error. */
const char *one_store_vmdk_type (const char *format, const char *dflt);

/* The remote shell prologue of every storage script: C locale, ESX's
 * PATH, and die()/note() helpers (die MSG: message on stderr, exit 1). */
extern const char one_store_prologue[];

/* Run prologue + 'vars' (shell assignments built with one_shcmd) + 'body'
 * with "sh -s"; a non-zero exit is a failure carrying the remote stderr. */
int one_store_script (one_ssh *s, const char *what, const char *vars,
                      const char *body, one_buf *out);
/* The same for disk work (vmkfstools -i/-c) that may stay silent much
 * longer than one remote operation: the SSH inactivity bound is raised to
 * 60 x :timeout: (at least an hour) for this script only. */
int one_store_script_long (one_ssh *s, const char *what, const char *vars,
                           const char *body, one_buf *out);

/* Script body creating "$dst/disk.vmdk" of "$size" MB with vmkfstools -d
 * "$type" (variables set by the caller); on failure nothing is left. */
extern const char one_store_mkdisk_body[];

/* Check 'path' is /vmfs/volumes/<ds>/... (see one_vmfs_path_check) and
 * return the datastore part in *ds (may be NULL).  'what' names it in
 * errors ("destination"). */
int one_store_path (const char *what, const char *path, char **ds);
/* Split "dir/base" into a freshly allocated dir and base. */
void one_store_split (const char *path, char **dir, char **base);
/* A random hex string of 2*n characters (n <= 16). */
char *one_store_random_hex (int n);

/* Local helpers: remove a tree (no error), a private temporary folder
 * ($TMPDIR or /var/tmp, mode 0700), and running a program (no shell) with
 * its output collected; a non-zero exit is an error carrying the output. */
void one_store_rm_local (const char *path);
char *one_store_local_tmpdir (const char *what);
int one_store_exec (char *const argv[], one_buf *out);

#endif
