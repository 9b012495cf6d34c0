/* datastore/rm: remove an image from the datastore.
 *   rm <DS_DRIVER_ACTION_DATA base64> <image id>
 * IMAGE/SOURCE must be /vmfs/volumes/<ds>/<name>, directly inside this
 * datastore (BASE_PATH); nothing else is removed.  An image already gone
 * is not an error. */
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "datastore-rm",
    .args = "<ds_driver_action_data_b64> <image_id>",
    .summary = "Remove an image (IMAGE/SOURCE) from the datastore.",
    .min_args = 2, .max_args = 2,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTO (one_ds) *d = one_ds_open (argv[i], argv[i + 1], false, false);
  ONE_AUTOFREE char *ds = NULL, *vars = NULL;
  bool usage;
  if (!d)
    return one_fail (ONE_EXIT_USAGE);
  const char *src = one_ds_get (d, "IMAGE/SOURCE");
  const char *bp = one_ds_get (d, "DATASTORE/BASE_PATH");
  if (!src) {
    one_error ("DS_DRIVER_ACTION_DATA: no IMAGE/SOURCE");
    return one_fail (ONE_EXIT_USAGE);
  }
  if (one_store_path ("image", src, &ds) < 0)
    return one_fail (ONE_EXIT_USAGE);
  const char *rest = src + strlen ("/vmfs/volumes/") + strlen (ds) + 1;
  if (strchr (rest, '/')) {
    one_error ("image '%s': refused: not directly inside /vmfs/volumes/%s",
               src, ds);
    return one_fail (ONE_EXIT_USAGE);
  }
  if (bp) {
    ONE_AUTOFREE char *want = one_xasprintf ("/vmfs/volumes/%s", ds);
    ONE_AUTOFREE char *b = one_xstrdup (bp);
    size_t l = strlen (b);
    while (l > 1 && b[l - 1] == '/')
      b[--l] = 0;
    if (strcmp (b, want)) {
      one_error ("image '%s': refused: not in this datastore (%s)", src, bp);
      return one_fail (ONE_EXIT_USAGE);
    }
  }
  vars = one_shcmd ("src=%s ds=%s\n", src, ds);
  ONE_AUTO (one_ssh) *s = one_ds_connect (d, &usage);
  if (!s)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  if (one_store_script (s, "rm", vars,
                        "[ -d \"/vmfs/volumes/$ds\" ] || die \"datastore "
                        "/vmfs/volumes/$ds not found\"\n"
                        "if [ ! -e \"$src\" ] && [ ! -L \"$src\" ]; then note "
                        "\"$src: already gone\"; exit 0; fi\n"
                        "rm -rf \"$src\" || die \"cannot remove $src\"\n",
                        NULL) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
