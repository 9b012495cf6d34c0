/* datastore/cp: register an image: copy it to the datastore.
 *   cp <DS_DRIVER_ACTION_DATA base64> <image id>
 * Sources (IMAGE/PATH): a folder of .vmdk files (disk.vmdk or one
 * descriptor, with its extents), a bare descriptor file and the extents it
 * names, a tar/tar.gz/tar.bz2/tar.xz/zip archive of such files, an ISO for
 * a CD-ROM image, or an http(s) URL of one of these.  Uploaded over SFTP to
 * a temporary name on the datastore, renamed into place only when
 * complete.  Prints the image SOURCE, /vmfs/volumes/<ds>/<hash>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "datastore-cp",
    .args = "<ds_driver_action_data_b64> <image_id>",
    .summary = "Copy an image (VMDK folder, descriptor, archive, ISO or URL) "
      "to the datastore over SFTP and print its SOURCE.",
    .min_args = 2, .max_args = 2,
  };
  int i = one_prog_init (&prog, argc, argv), rc = ONE_EXIT_FAIL;
  ONE_AUTO (one_ds) *d = one_ds_open (argv[i], argv[i + 1], true, false);
  ONE_AUTOFREE char *tmpdir = NULL, *dst = NULL, *src = NULL;
  ONE_AUTO (one_img) *img = NULL;
  enum one_src_kind kind;
  bool usage;
  if (!d)
    return one_fail (ONE_EXIT_USAGE);
  const char *path = one_ds_get (d, "IMAGE/PATH");
  const char *md5 = one_ds_get (d, "IMAGE/TEMPLATE/MD5");
  const char *sha1 = one_ds_get (d, "IMAGE/TEMPLATE/SHA1");
  const char *tmpbase = one_ds_get (d, "DATASTORE/TEMPLATE/DS_TMP_DIR");
  if (!path) {
    one_error ("DS_DRIVER_ACTION_DATA: no IMAGE/PATH");
    return one_fail (ONE_EXIT_USAGE);
  }
  if (tmpbase)
    setenv ("TMPDIR", tmpbase, 1);
  dst = one_ds_new_source (d);

  if (one_is_url (path) && one_ds_is_cdrom (d)) {
    /* A CD-ROM image goes straight from the URL to the datastore. */
    ONE_AUTO (one_ssh) *s = one_ds_connect (d, &usage);
    if (!s)
      return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
    one_log ("copying %s to %s:%s", path, d->bridge, dst);
    if (one_ssh_mkdir_p (s, d->base_path) < 0 ||
        one_ds_upload_url (s, path, dst, md5, sha1) < 0)
      return one_fail (ONE_EXIT_FAIL);
    printf ("%s\n", dst);
    return ONE_EXIT_OK;
  }
  if (one_is_url (path)) {
    if (!(tmpdir = one_store_local_tmpdir ("cp")))
      return one_fail (ONE_EXIT_FAIL);
    src = one_xasprintf ("%s/download", tmpdir);
    one_log ("downloading %s", path);
    if (one_url_download (path, src) < 0 ||
        one_ds_check_hash (src, md5, sha1) < 0)
      goto out;
    md5 = sha1 = NULL;                  /* checked */
  }
  else {
    if (one_ds_path_allowed (d, path) < 0)
      goto out;
    src = one_xstrdup (path);
  }
  if (one_ds_src_kind (src, &kind) < 0)
    goto out;
  if (one_ds_is_cdrom (d) || kind == ONE_SRC_ISO) {
    if (kind == ONE_SRC_DIR) {
      one_error ("CD-ROM image '%s': a file is expected, not a folder", path);
      goto out;
    }
    ONE_AUTO (one_ssh) *s = one_ds_connect (d, &usage);
    if (!s) {
      rc = usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL;
      goto out;
    }
    if (one_ssh_mkdir_p (s, d->base_path) < 0 ||
        one_ds_upload_file (s, src, dst, md5, sha1) < 0)
      goto out;
    printf ("%s\n", dst);
    rc = ONE_EXIT_OK;
    goto out;
  }
  switch (kind) {
  case ONE_SRC_DIR:
    img = one_img_from_dir (src);
    break;
  case ONE_SRC_DESCRIPTOR:
    img = one_img_from_descriptor (src);
    break;
  case ONE_SRC_ARCHIVE: {
    if (one_ds_check_hash (src, md5, sha1) < 0)
      goto out;
    if (!tmpdir && !(tmpdir = one_store_local_tmpdir ("cp")))
      goto out;
    ONE_AUTOFREE char *x = one_xasprintf ("%s/extract", tmpdir);
    ONE_AUTOFREE char *where = NULL;
    if (mkdir (x, 0700) < 0) {
      one_error ("mkdir '%s': failed", x);
      goto out;
    }
    one_log ("extracting %s", path);
    if (!(where = one_ds_extract (src, x)))
      goto out;
    img = one_img_from_dir (where);
    break;
  }
  case ONE_SRC_SPARSE_VMDK:
    one_error ("image '%s': a hosted (monolithicSparse/streamOptimized) VMDK: "
               "convert it for ESX first (vmkfstools -i, or qemu-img convert "
               "-O vmdk -o subformat=monolithicFlat) and register the folder",
               path);
    goto out;
  default:
    one_error ("image '%s': not a VMDK folder, descriptor, archive or ISO",
               path);
    goto out;
  }
  if (!img)
    goto out;
  {
    ONE_AUTO (one_ssh) *s = one_ds_connect (d, &usage);
    if (!s) {
      rc = usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL;
      goto out;
    }
    if (one_ds_upload_img (&s, d->bridge, img, dst) < 0)
      goto out;
  }
  printf ("%s\n", dst);
  rc = ONE_EXIT_OK;
 out:
  one_store_rm_local (tmpdir);
  return rc == ONE_EXIT_OK ? rc : one_fail (rc);
}
