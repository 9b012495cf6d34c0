/* vmm/detach_nic: hot-remove the network card with a given MAC address
 * (vSphere ReconfigVM_Task).  A MAC the VM does not have is an error.
 *   detach_nic <deploy_id> <mac> <vid> <host> */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-detach_nic",
    .args = "<deploy_id> <mac> <vid> <host>",
    .summary = "Hot-remove the network card with the given MAC address.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *mac = argv[i + 1], *host = argv[i + 3];
  if (one_vmm_check_mac (mac) < 0)
    return one_fail (ONE_EXIT_USAGE);
  ONE_VMM_API (a);
  int rc = one_vmm_api_open (&a, host, deploy_id, false);
  if (rc)
    return one_fail (rc);
  one_vi *vi = a.vi;
  const char *vm = a.vm;
  int r = one_vi_nic_remove (vi, vm, mac);
  if (r == 1)
    one_error ("vm '%s' has no nic with mac '%s'", deploy_id, mac);
  else if (r < 0)
    one_error_prefix ("detach nic '%s' from vm '%s'", mac, deploy_id);
  return r == 0 ? ONE_EXIT_OK : one_fail (ONE_EXIT_FAIL);
}
