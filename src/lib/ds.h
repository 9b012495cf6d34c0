/* esxmad: what the datastore actions (datastore/) share: the request
 * (DS_DRIVER_ACTION_DATA), the bridge host, new image paths, the local
 * image sources (folders, descriptors, archives, ISOs, URLs) and their
 * upload.
 *
 * Images live in /vmfs/volumes/<ds>/<hash>: a folder holding disk.vmdk
 * (and its extents) for a disk, a file for a CD-ROM image. */
#ifndef ESXMAD_DS_H
#define ESXMAD_DS_H

#include <stdbool.h>
#include <stdint.h>

#include "cleanup.h"
#include "ssh.h"
#include "xml.h"

typedef struct one_ds {
  one_xml_doc *doc;
  char *id;                /* the image id (datastore id for monitor) */
  char *base_path;         /* DATASTORE/BASE_PATH: /vmfs/volumes/<ds> */
  char *bridge;            /* host chosen from BRIDGE_LIST */
} one_ds;

/* Parse argv's base64 data; pick the bridge: word (id mod N) of
 * DATASTORE/TEMPLATE/BRIDGE_LIST, or a random one.  'need_base': check
 * BASE_PATH is /vmfs/volumes/<one name>.  NULL with one_error set. */
one_ds *one_ds_open (const char *b64, const char *id, bool need_base,
                     bool random_bridge);
void one_ds_free (one_ds *d);
/* Connect to the bridge (an empty BRIDGE_LIST is reported here, *usage). */
one_ssh *one_ds_connect (const one_ds *d, bool *usage);
ONE_DEFINE_AUTO (one_ds)
/* A value under /DS_DRIVER_ACTION_DATA/, NULL when absent or empty. */
const char *one_ds_get (const one_ds *d, const char *path);
/* CD-ROM image? (IMAGE/TYPE 1 or CDROM) */
bool one_ds_is_cdrom (const one_ds *d);
/* A new image path <BASE_PATH>/<md5 of time, id and randomness>. */
char *one_ds_new_source (const one_ds *d);

/* Is a local path allowed (RESTRICTED_DIRS, SAFE_DIRS, and always
 * /var/lib/one/, /etc/one/, $HOME/ restricted)?  -1 with one_error. */
int one_ds_path_allowed (const one_ds *d, const char *path);

/* Kinds of local sources, by content (magic bytes), not by name. */
enum one_src_kind {
  ONE_SRC_DIR, ONE_SRC_DESCRIPTOR, ONE_SRC_ARCHIVE, ONE_SRC_ISO,
  ONE_SRC_SPARSE_VMDK, ONE_SRC_OTHER,
};
int one_ds_src_kind (const char *path, enum one_src_kind *kind);

/* Check MD5/SHA1 (hex, either may be NULL) of a local file. */
int one_ds_check_hash (const char *path, const char *md5, const char *sha1);

/* The files of a disk image, ready to upload: local path and remote name
 * (the descriptor is renamed disk.vmdk). */
typedef struct one_img_file {
  char *local;
  char *name;
} one_img_file;
typedef struct one_img {
  one_img_file *files;
  size_t n;
  uint64_t bytes;          /* apparent size of all files */
} one_img;
void one_img_free (one_img *m);
ONE_DEFINE_AUTO (one_img)
/* From a folder holding disk.vmdk or exactly one descriptor, or from a
 * descriptor file and the extents it names. */
one_img *one_img_from_dir (const char *dir);
one_img *one_img_from_descriptor (const char *file);
/* Extract an archive (tar, tar.gz, tar.bz2, tar.xz, zip) into 'into'
 * (an empty folder); returns the folder holding the disk. */
char *one_ds_extract (const char *archive, const char *into);

/* Upload the image files into <final> (a folder): written to a temporary
 * folder next to it, renamed when complete; on failure nothing is left
 * (the cleanup reconnects to 'host' if the connection died). */
int one_ds_upload_img (one_ssh **s, const char *host, const one_img *m,
                       const char *final);
/* Upload a single file (CD-ROM) to <final> with an optional hash check
 * while reading; same rule. */
int one_ds_upload_file (one_ssh *s, const char *local, const char *final,
                        const char *md5, const char *sha1);

/* http(s): Content-Length (HEAD), and download to a local file with
 * progress lines. */
int one_url_size (const char *url, uint64_t *size);
int one_url_download (const char *url, const char *local);
bool one_is_url (const char *s);
/* Stream an http(s) URL straight into <final> on the host (no local
 * temporary file), checking MD5/SHA1 at the end; same temporary-name and
 * rename rule as the other uploads. */
int one_ds_upload_url (one_ssh *s, const char *url, const char *final,
                       const char *md5, const char *sha1);

#endif
