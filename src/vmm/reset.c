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
  ONE_VMM_API (a);
  int rc = one_vmm_api_open (&a, host, deploy_id, false);
  if (rc)
    return one_fail (rc);
  one_vi *vi = a.vi;
  const char *vm = a.vm;
  if (one_vi_reset_vm (vi, vm) < 0) {
    one_error_prefix ("reset of vm '%s' on host '%s'", deploy_id, host);
    return one_fail (ONE_EXIT_FAIL);
  }
  return ONE_EXIT_OK;
}
