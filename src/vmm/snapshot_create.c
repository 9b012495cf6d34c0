/* vmm/snapshot_create: snapshot a VM; print the snapshot's name on the
 * hypervisor (oned keeps it as HYPERVISOR_ID).
 *   snapshot_create <deploy_id> <one_snap_id> <vid> <host> */
#include <time.h>

#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-snapshot_create",
    .args = "<deploy_id> <one_snap_id> <vid> <host>",
    .summary = "Take a snapshot of a VM and print its name on the hypervisor.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *snap_id = argv[i + 1], *host = argv[i + 3];
  int64_t sid;
  if (one_parse_int64 (snap_id, 0, INT32_MAX, &sid) < 0) {
    one_error ("snapshot id '%s': not a number", snap_id);
    return one_fail (ONE_EXIT_USAGE);
  }
  bool usage;
  ONE_AUTO (one_vmm) *v = one_vmm_open (host, &usage);
  if (v == NULL)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  ONE_AUTO (virDomain) *dom = one_vmm_domain (v, deploy_id);
  if (dom == NULL)
    return one_fail (ONE_EXIT_FAIL);
  /* Unique per VM: OpenNebula may reuse a snapshot id after a delete. */
  ONE_AUTOFREE char *name = one_xasprintf ("snap-%lld-%lld", (long long) sid,
                                           (long long) time (NULL));
  if (one_virt_snapshot_create (dom, name) < 0)
    return one_fail (ONE_EXIT_FAIL);
  printf ("%s\n", name);
  return ONE_EXIT_OK;
}
