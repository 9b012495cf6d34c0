/* datastore/clone: copy an image to a new image of the datastore.
 *   clone <DS_DRIVER_ACTION_DATA base64> <image id>
 * IMAGE/PATH is the SOURCE of the original.  A disk folder is cloned with
 * vmkfstools -i in IMAGE/CLONE_FSTYPE (default: the original's
 * provisioning), a CD-ROM file is copied; both into a temporary name renamed
 * when complete.  Prints the new SOURCE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

static const char body[] =
  "if [ -d \"$src\" ] && [ -f \"$src/disk.vmdk\" ]; then\n"
  "  fmt=$want\n"
  "  if [ -z \"$fmt\" ]; then\n"
  "    if grep -q '^ddb.thinProvisioned *= *\"1\"' \"$src/disk.vmdk\"; then "
  "fmt=thin; else fmt=zeroedthick; fi\n"
  "  fi\n"
  "  mkdir \"$tmp\" || die \"cannot create $tmp\"\n"
  "  vmkfstools -i \"$src/disk.vmdk\" -d \"$fmt\" \"$tmp/disk.vmdk\" >&2 || "
  "{ vmkfstools -U \"$tmp/disk.vmdk\" >/dev/null 2>&1; rm -rf \"$tmp\"; "
  "die \"vmkfstools -i '$src/disk.vmdk' -d $fmt failed\"; }\n"
  "elif [ -f \"$src\" ]; then\n"
  "  cp \"$src\" \"$tmp\" || { rm -f \"$tmp\"; die \"cannot copy $src\"; }\n"
  "else\n"
  "  die \"image $src does not exist\"\n"
  "fi\n"
  "mv \"$tmp\" \"$dst\" || { rm -rf \"$tmp\"; die \"cannot rename $tmp\"; }\n";

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "datastore-clone",
    .args = "<ds_driver_action_data_b64> <image_id>",
    .summary = "Clone an image (IMAGE/PATH) to a new image in "
      "IMAGE/CLONE_FSTYPE and print its SOURCE.",
    .min_args = 2, .max_args = 2,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTO (one_ds) *d = one_ds_open (argv[i], argv[i + 1], true, false);
  ONE_AUTOFREE char *dst = NULL, *dir = NULL, *base = NULL, *tmp = NULL;
  ONE_AUTOFREE char *vars = NULL, *rnd = one_store_random_hex (4);
  const char *want = NULL;
  bool usage;
  if (!d)
    return one_fail (ONE_EXIT_USAGE);
  const char *src = one_ds_get (d, "IMAGE/PATH");
  const char *fs = one_ds_get (d, "IMAGE/CLONE_FSTYPE");
  if (!src) {
    one_error ("DS_DRIVER_ACTION_DATA: no IMAGE/PATH");
    return one_fail (ONE_EXIT_USAGE);
  }
  if (one_store_path ("image", src, NULL) < 0)
    return one_fail (ONE_EXIT_USAGE);
  if (fs && !(want = one_store_vmdk_type (fs, NULL)))
    return one_fail (ONE_EXIT_USAGE);
  dst = one_ds_new_source (d);
  one_store_split (dst, &dir, &base);
  tmp = one_xasprintf ("%s/.%s.esxmad-part-%s", dir, base, rnd);
  vars = one_shcmd ("src=%s dst=%s tmp=%s want=%s\n", src, dst, tmp,
                    want ? want : "");
  ONE_AUTO (one_ssh) *s = one_ds_connect (d, &usage);
  if (!s)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  if (one_store_script_long (s, "clone", vars, body, NULL) < 0)
    return one_fail (ONE_EXIT_FAIL);
  printf ("%s\n", dst);
  return ONE_EXIT_OK;
}
