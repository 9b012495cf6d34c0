/* datastore/mkfs: create an empty datablock image.
 *   mkfs <DS_DRIVER_ACTION_DATA base64> <image id>
 * IMAGE/SIZE MB in IMAGE/FSTYPE (vmdk_thin, vmdk_zeroedthick,
 * vmdk_eagerzeroedthick; raw or a file system: unformatted thin).
 * FSTYPE save_as only prints the new path (filled later by tm/mvds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "datastore-mkfs",
    .args = "<ds_driver_action_data_b64> <image_id>",
    .summary = "Create an empty disk image of IMAGE/SIZE MB in IMAGE/FSTYPE "
      "on the datastore and print its SOURCE.",
    .min_args = 2, .max_args = 2,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTO (one_ds) *d = one_ds_open (argv[i], argv[i + 1], true, false);
  ONE_AUTOFREE char *dst = NULL, *vars = NULL;
  const char *type;
  int64_t size;
  bool usage;
  if (!d)
    return one_fail (ONE_EXIT_USAGE);
  const char *fstype = one_ds_get (d, "IMAGE/FSTYPE");
  const char *sz = one_ds_get (d, "IMAGE/SIZE");
  dst = one_ds_new_source (d);
  if (fstype && !strcmp (fstype, "save_as")) {
    printf ("%s\n", dst);
    return ONE_EXIT_OK;
  }
  if (!sz || one_parse_int64 (sz, 1, INT64_C (64) << 20, &size) < 0) {
    one_error ("image size '%s': expected a whole number of MB",
               sz ? sz : "");
    return one_fail (ONE_EXIT_USAGE);
  }
  if (!(type = one_store_vmdk_type (fstype, "thin")))
    return one_fail (ONE_EXIT_USAGE);
  one_log ("Making %s disk of %lldM at %s", type, (long long) size, dst);
  vars = one_shcmd ("dst=%s type=%s size=%lld\n", dst, type, (long long) size);
  ONE_AUTO (one_ssh) *s = one_ds_connect (d, &usage);
  if (!s)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  if (one_store_script_long (s, "mkfs", vars, one_store_mkdisk_body, NULL) < 0)
    return one_fail (ONE_EXIT_FAIL);
  printf ("%s\n", dst);
  return ONE_EXIT_OK;
}
