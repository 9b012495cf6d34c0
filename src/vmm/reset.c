/* vmm/reset: hard-reset a VM (vSphere ResetVM_Task; libvirt's esx driver
 * has no reset).
 *   reset <deploy_id> <host> <vid> <host> */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-reset",
    .args = "<deploy_id> <host> <vid> <host>",
    .summary = "Reset a VM (power cycle without guest involvement) through the "
      "vSphere API.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *host = argv[i + 3];
  bool usage;
  ONE_AUTO (one_vmm) *v = one_vmm_open_noconn (host, &usage);
  if (v == NULL)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  ONE_AUTOFREE char *vm = NULL;
  ONE_AUTO (one_vi) *vi = one_vmm_vi (v, deploy_id, &vm);
  if (vi == NULL)
    return one_fail (ONE_EXIT_FAIL);
  if (one_vi_reset_vm (vi, vm) < 0) {
    one_error_prefix ("reset of vm '%s' on host '%s'", deploy_id, host);
    return one_fail (ONE_EXIT_FAIL);
  }
  return ONE_EXIT_OK;
}
