/* tm/mkswap: create a VM's swap disk.
 *   mkswap <size_MB> <host>:/vmfs/volumes/<sys>/<vid>/disk.<i> <vid> <ds>
 * A real disk (thin vmdk of that size) rather than nothing: the guest
 * formats it as swap (OpenNebula's context packages do). */
#include <stdlib.h>

#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "tm-mkswap",
    .args = "<size_mb> <host>:<dst> <vid> <ds>",
    .summary = "Create a VM's swap disk disk.<i>/disk.vmdk (thin, "
      "unformatted) on the host.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTOFREE char *host = NULL, *dst = NULL, *vars = NULL;
  int64_t size;
  bool usage;

  if (one_parse_int64 (argv[i], 1, INT64_C (64) << 20, &size) < 0) {
    one_error ("size '%s': expected a whole number of MB", argv[i]);
    return one_fail (ONE_EXIT_USAGE);
  }
  if (one_tm_split (argv[i + 1], &host, &dst) < 0 ||
      one_store_path ("destination", dst, NULL) < 0 ||
      one_tm_disk_id (dst) < 0)
    return one_fail (ONE_EXIT_USAGE);
  vars = one_shcmd ("dst=%s type=thin size=%lld\n", dst, (long long) size);
  ONE_AUTO (one_ssh) *s = one_store_connect (host, &usage);
  if (!s)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  if (one_store_script_long (s, "mkswap", vars, one_store_mkdisk_body, NULL) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
