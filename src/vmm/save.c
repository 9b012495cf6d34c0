/* vmm/save: take the snapshot "checkpoint" and suspend the VM.
 *   save <deploy_id> <checkpoint> <host> <vid> <host>
 * The VM stays defined (restore reverts it to "checkpoint"); the
 * checkpoint path, a file name on the system datastore, is not used. */
#include "esxmad.h"

#define CHECKPOINT "checkpoint"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-save",
    .args = "<deploy_id> <checkpoint> <host> <vid> <host>",
    .summary = "Save a VM: snapshot it as \"checkpoint\" and suspend it; "
      "restore brings it back.",
    .min_args = 5, .max_args = 5,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *host = argv[i + 4];
  bool usage;
  ONE_AUTO (one_vmm) *v = one_vmm_open (host, &usage);
  if (v == NULL)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  ONE_AUTO (virDomain) *dom = one_vmm_domain (v, deploy_id);
  if (dom == NULL)
    return one_fail (ONE_EXIT_FAIL);
  /* A checkpoint left by an earlier save that was never restored is
   * stale: replace it. */
  int has = one_virt_snapshot_exists (dom, CHECKPOINT);
  if (has < 0 || (has == 1 && one_virt_snapshot_delete (dom, CHECKPOINT) < 0))
    return one_fail (ONE_EXIT_FAIL);
  if (one_virt_snapshot_create (dom, CHECKPOINT) < 0)
    return one_fail (ONE_EXIT_FAIL);
  int st = one_virt_state (dom);
  if (st < 0)
    return one_fail (ONE_EXIT_FAIL);
  if (st != VIR_DOMAIN_PAUSED && one_virt_suspend (dom) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
