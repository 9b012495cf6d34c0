/* tm/mkimage: create an empty disk (a volatile or datablock disk).
 *   mkimage <size_MB> <format> <host>:/vmfs/volumes/<sys>/<vid>/disk.<i> <vid> <ds>
 * vmdk_thin, vmdk_zeroedthick and vmdk_eagerzeroedthick are honoured; raw,
 * empty and file-system formats give an unformatted thin disk (ESX has only
 * vmdk disks). */
#include <stdlib.h>

#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "tm-mkimage",
    .args = "<size_mb> <format> <host>:<dst> <vid> <ds>",
    .summary = "Create an empty disk disk.<i>/disk.vmdk of the given size "
      "and format on the host.",
    .min_args = 5, .max_args = 5,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTOFREE char *host = NULL, *dst = NULL, *vars = NULL;
  const char *type;
  int64_t size;
  bool usage;

  if (one_parse_int64 (argv[i], 1, INT64_C (64) << 20, &size) < 0) {
    one_error ("size '%s': expected a whole number of MB", argv[i]);
    return one_fail (ONE_EXIT_USAGE);
  }
  if (!(type = one_store_vmdk_type (argv[i + 1], "thin")) ||
      one_tm_split (argv[i + 2], &host, &dst) < 0 ||
      one_store_path ("destination", dst, NULL) < 0 ||
      one_tm_disk_id (dst) < 0)
    return one_fail (ONE_EXIT_USAGE);
  if (!one_str_startswith (argv[i + 1], "vmdk_") && *argv[i + 1] &&
      !one_strcaseeq (argv[i + 1], "raw"))
    one_warn ("format '%s': ESX disks are vmdk; creating an unformatted "
              "thin disk", argv[i + 1]);
  vars = one_shcmd ("dst=%s type=%s size=%lld\n", dst, type, (long long) size);
  ONE_AUTO (one_ssh) *s = one_store_connect (host, &usage);
  if (!s)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  if (one_store_script_long (s, "mkimage", vars, one_store_mkdisk_body, NULL) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
