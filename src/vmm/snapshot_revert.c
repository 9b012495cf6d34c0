/* vmm/snapshot_revert: revert a VM to one of its snapshots.
 *   snapshot_revert <deploy_id> <hypervisor_id> <vid> <host>
 * The VM runs afterwards (OpenNebula keeps it RUNNING). */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-snapshot_revert",
    .args = "<deploy_id> <hypervisor_id> <vid> <host>",
    .summary = "Revert a VM to the snapshot named by snapshot_create.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *snap = argv[i + 1], *host = argv[i + 3];
  bool usage;
  ONE_AUTO (one_vmm) *v = one_vmm_open (host, &usage);
  if (v == NULL)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  ONE_AUTO (virDomain) *dom = one_vmm_domain (v, deploy_id);
  /* OpenNebula keeps the VM RUNNING across a revert: a snapshot taken of
   * a running VM comes back running, and one that was not is started. */
  if (dom == NULL || one_virt_snapshot_revert (dom, snap) < 0
      || one_vmm_ensure_running (dom) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
