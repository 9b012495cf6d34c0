/* vmm/snapshot_delete: delete one of a VM's snapshots.
 *   snapshot_delete <deploy_id> <hypervisor_id> <vid> <host> */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-snapshot_delete",
    .args = "<deploy_id> <hypervisor_id> <vid> <host>",
    .summary = "Delete the snapshot named by snapshot_create (the VM keeps its current state).",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *snap = argv[i + 1], *host = argv[i + 3];
  bool usage;
  ONE_AUTO (one_vmm) *v = one_vmm_open (host, &usage);
  if (v == NULL)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  ONE_AUTO (virDomain) *dom = one_vmm_domain (v, deploy_id);
  if (dom == NULL || one_virt_snapshot_delete (dom, snap) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
