/* vmm/attach_nic: hot-add a network card (vSphere ReconfigVM_Task).
 *   attach_nic <deploy_id> <mac> <bridge> <model|-> <net_drv|-> <vid> <host>  (4.4)
 *   attach_nic <deploy_id> <mac> <bridge> <model|-> <vid> <host>              (4.2)
 * Models: e1000 (default), e1000e, vmxnet3, pcnet32; the card is connected
 * to the port group named <bridge>, or in dynamic networking (net_drv
 * vmware) to the port group one-pg-<NETWORK_ID> that vnm pre made for it. */
#include <string.h>
#include <strings.h>

#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-attach_nic",
    .args = "<deploy_id> <mac> <bridge> <model|-> [<net_drv|->] <vid> <host>",
    .summary = "Hot-add a network card with the given MAC address and model "
      "(e1000, e1000e, vmxnet3, pcnet32) on the port group <bridge>.",
    .min_args = 6, .max_args = 7,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *mac = argv[i + 1], *bridge = argv[i + 2];
  const char *model = argv[i + 3], *host = argv[argc - 1];
  const char *net_drv = argc - i == 7 ? argv[i + 4] : "-";
  if (one_vmm_check_mac (mac) < 0)
    return one_fail (ONE_EXIT_USAGE);
  if (*bridge == '\0' || strcmp (bridge, "-") == 0) {
    one_error ("nic '%s': no bridge (port group) given", mac);
    return one_fail (ONE_EXIT_USAGE);
  }
  if (*model == '\0' || strcmp (model, "-") == 0)
    model = "e1000";
  static const char *const models[] = { "e1000", "e1000e", "vmxnet3", "pcnet32", NULL };
  bool known = false;
  for (int k = 0; models[k]; k++)
    known |= strcasecmp (model, models[k]) == 0;
  if (!known) {
    one_error ("nic model '%s': not one of e1000, e1000e, vmxnet3, pcnet32", model);
    return one_fail (ONE_EXIT_USAGE);
  }
  ONE_VMM_API (a);
  int rc = one_vmm_api_open (&a, host, deploy_id, true);
  if (rc)
    return one_fail (rc);
  /* Dynamic networking (vnm "vmware"): the network driver's pre, which
   * oned runs just before this action, made the port group
   * one-pg-<NETWORK_ID> on the vSwitch <bridge> and recorded it for this
   * MAC; the card goes there.  Otherwise <bridge> is the port group. */
  ONE_AUTOFREE char *pg = one_vnm_attach_portgroup (a.v->target->cache_dir,
                                                    argv[argc - 2], mac,
                                                    bridge, net_drv);
  if (pg == NULL)
    return one_fail (ONE_EXIT_FAIL);
  one_vi *vi = a.vi;
  const char *vm = a.vm;
  one_vi_node *devs = a.devs;
  if (one_vi_dev_by_mac (devs, mac)) {
    one_error ("vm '%s' already has a nic with mac '%s'", deploy_id, mac);
    return one_fail (ONE_EXIT_FAIL);
  }
  if (one_vi_nic_add (vi, vm, model, pg, mac) < 0) {
    one_error_prefix ("attach nic '%s' (%s on '%s') to vm '%s'", mac, model,
                      pg, deploy_id);
    return one_fail (ONE_EXIT_FAIL);
  }
  return ONE_EXIT_OK;
}
