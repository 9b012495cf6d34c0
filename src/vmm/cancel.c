/* vmm/cancel: power a VM off at once (if it runs) and undefine it.
 *   cancel <deploy_id> <host> <vid> <host>
 * A VM that is not defined any more is not an error (cancel also serves
 * OpenNebula's CLEANUP). */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-cancel",
    .args = "<deploy_id> <host> <vid> <host>",
    .summary = "Power a VM off immediately (if it runs) and undefine it.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *host = argv[i + 3];
  bool usage;
  ONE_AUTO (one_vmm) *v = one_vmm_open (host, &usage);
  if (v == NULL)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  bool missing;
  ONE_AUTO (virDomain) *dom = one_virt_lookup (v->conn, deploy_id, &missing);
  if (dom == NULL) {
    if (!missing)
      return one_fail (ONE_EXIT_FAIL);
    one_log ("vm '%s' is not defined on '%s': nothing to cancel", deploy_id,
             host);
    return ONE_EXIT_OK;
  }
  int st = one_virt_state (dom);
  if (st < 0)
    return one_fail (ONE_EXIT_FAIL);
  /* Power off what runs; a suspended VM (after save) is undefined as it
   * is: ESX powers off only running VMs and unregisters suspended ones. */
  bool on = st == VIR_DOMAIN_RUNNING || st == VIR_DOMAIN_BLOCKED;
  if (on && one_virt_destroy (dom) < 0)
    return one_fail (ONE_EXIT_FAIL);
  if (one_vmm_undefine (v, dom) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
