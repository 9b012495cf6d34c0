/* datastore/monitor: capacity of the datastore.
 *   monitor <DS_DRIVER_ACTION_DATA base64> <datastore id>
 * Prints USED_MB=, TOTAL_MB=, FREE_MB= from df -m on a bridge host, for
 * the line whose mount point is exactly BASE_PATH (or the volume it
 * resolves to): never a substring match (/vmfs/volumes/1 is not
 * /vmfs/volumes/10). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

static const char body[] =
  "real=$(cd \"$bp\" 2>/dev/null && pwd -P) || die \"datastore $bp not "
  "found\"\n"
  "df -m 2>/dev/null | awk -v a=\"$bp\" -v b=\"$real\" "
  "'NR > 1 && ($NF == a || $NF == b) { print $(NF-4), $(NF-3), $(NF-2); "
  "exit }' | { read -r total used free || die \"datastore $bp is not in "
  "df -m\"; echo \"USED_MB=$used\"; echo \"TOTAL_MB=$total\"; "
  "echo \"FREE_MB=$free\"; }\n";

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "datastore-monitor",
    .args = "<ds_driver_action_data_b64> <datastore_id>",
    .summary = "Print USED_MB, TOTAL_MB and FREE_MB of the datastore.",
    .min_args = 2, .max_args = 2,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTO (one_ds) *d = one_ds_open (argv[i], argv[i + 1], true, true);
  ONE_AUTOFREE char *vars = NULL;
  one_buf out = { 0 };
  bool usage;
  if (!d)
    return one_fail (ONE_EXIT_USAGE);
  vars = one_shcmd ("bp=%s\n", d->base_path);
  ONE_AUTO (one_ssh) *s = one_ds_connect (d, &usage);
  if (!s)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  if (one_store_script (s, "monitor", vars, body, &out) < 0)
    return one_fail (ONE_EXIT_FAIL);
  int64_t u, t, f;
  if (sscanf (out.data ? out.data : "", "USED_MB=%" SCNd64 " TOTAL_MB=%"
              SCNd64 " FREE_MB=%" SCNd64, &u, &t, &f) != 3) {
    one_error ("monitor '%s': unexpected df output '%s'", d->base_path,
               out.data ? out.data : "");
    one_buf_free (&out);
    return one_fail (ONE_EXIT_FAIL);
  }
  one_buf_free (&out);
  printf ("USED_MB=%lld\nTOTAL_MB=%lld\nFREE_MB=%lld\n", (long long) u,
          (long long) t, (long long) f);
  return ONE_EXIT_OK;
}
