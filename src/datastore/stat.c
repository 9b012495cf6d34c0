/* datastore/stat: the size in MB of an image to register.
 *   stat <DS_DRIVER_ACTION_DATA base64> <image id>
 * IMAGE/PATH: a folder (the files it holds), a descriptor (with its
 * extents), an archive (its uncompressed contents), an ISO or other file
 * (its size), an http(s) URL (Content-Length).  Rounded up to whole MB. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "esxmad.h"

static int
dir_bytes (const char *dir, uint64_t *total)
{
  DIR *dh = opendir (dir);
  struct dirent *e;
  if (!dh) {
    one_error ("image folder '%s': cannot open", dir);
    return -1;
  }
  while ((e = readdir (dh))) {
    ONE_AUTOFREE char *p = one_xasprintf ("%s/%s", dir, e->d_name);
    struct stat st;
    if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, "..") ||
        stat (p, &st) < 0)
      continue;
    if (S_ISREG (st.st_mode))
      *total += st.st_size;
    else if (S_ISDIR (st.st_mode) && dir_bytes (p, total) < 0) {
      closedir (dh);
      return -1;
    }
  }
  closedir (dh);
  return 0;
}

/* Uncompressed size of an archive: the sizes of its members. */
static int
archive_bytes (const char *path, uint64_t *total)
{
  one_buf out = { 0 };
  unsigned char b[4] = { 0 };
  FILE *f = fopen (path, "rb");
  if (f) {
    if (fread (b, 1, 4, f) < 4)
      b[0] = 0;
    fclose (f);
  }
  if (!memcmp (b, "PK\3\4", 4)) {
    char *argv[] = { "unzip", "-Zt", (char *) path, NULL };
    if (one_store_exec (argv, &out) < 0)
      return -1;
    /* "N files, BYTES bytes uncompressed, ..." */
    const char *p = strstr (out.data ? out.data : "", "files, ");
    if (!p || sscanf (p, "files, %" SCNu64, total) != 1) {
      one_error ("archive '%s': cannot read its size", path);
      one_buf_free (&out);
      return -1;
    }
  }
  else {
    char *argv[] = { "tar", "-tvf", (char *) path, NULL };
    if (one_store_exec (argv, &out) < 0)
      return -1;
    char *save = NULL;
    for (char *l = strtok_r (out.data ? out.data : (char *) "", "\n", &save);
         l; l = strtok_r (NULL, "\n", &save)) {
      char perm[32];
      uint64_t sz;
      if (sscanf (l, "%31s %*s %" SCNu64, perm, &sz) == 2 &&
          perm[0] == '-')
        *total += sz;
    }
  }
  one_buf_free (&out);
  return 0;
}

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "datastore-stat",
    .args = "<ds_driver_action_data_b64> <image_id>",
    .summary = "Print the size in MB of the image to register (folder, "
      "descriptor, archive, file or URL).",
    .min_args = 2, .max_args = 2,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTO (one_ds) *d = one_ds_open (argv[i], argv[i + 1], false, false);
  uint64_t bytes = 0;
  enum one_src_kind kind;
  if (!d) {
    /* stat needs no bridge: retry without BRIDGE_LIST requirements. */
    return one_fail (ONE_EXIT_USAGE);
  }
  const char *path = one_ds_get (d, "IMAGE/PATH");
  if (!path) {
    one_error ("DS_DRIVER_ACTION_DATA: no IMAGE/PATH");
    return one_fail (ONE_EXIT_USAGE);
  }
  if (one_is_url (path)) {
    if (one_url_size (path, &bytes) < 0)
      return one_fail (ONE_EXIT_FAIL);
  }
  else {
    if (one_ds_path_allowed (d, path) < 0 ||
        one_ds_src_kind (path, &kind) < 0)
      return one_fail (ONE_EXIT_FAIL);
    if (kind == ONE_SRC_DIR) {
      if (dir_bytes (path, &bytes) < 0)
        return one_fail (ONE_EXIT_FAIL);
    }
    else if (kind == ONE_SRC_DESCRIPTOR) {
      ONE_AUTO (one_img) *m = one_img_from_descriptor (path);
      if (!m)
        return one_fail (ONE_EXIT_FAIL);
      bytes = m->bytes;
    }
    else if (kind == ONE_SRC_ARCHIVE) {
      if (archive_bytes (path, &bytes) < 0)
        return one_fail (ONE_EXIT_FAIL);
    }
    else {
      struct stat st;
      if (stat (path, &st) < 0)
        return one_fail (ONE_EXIT_FAIL);
      bytes = st.st_size;
    }
  }
  if (bytes == 0)
    return one_fail_msg (ONE_EXIT_FAIL, "Cannot determine size for %s", path);
  printf ("%llu\n", (unsigned long long) ((bytes + (1 << 20) - 1) >> 20));
  return ONE_EXIT_OK;
}
