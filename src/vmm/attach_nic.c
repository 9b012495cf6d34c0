/* vmm/attach_nic: hot-add a network card (vSphere ReconfigVM_Task).
 *   attach_nic <deploy_id> <mac> <bridge> <model|-> <net_drv|-> <vid> <host>  (4.4)
 *   attach_nic <deploy_id> <mac> <bridge> <model|-> <vid> <host>              (4.2)
 * Models: e1000 (default), e1000e, vmxnet3, pcnet32; the card is connected
 * to the port group named <bridge>. */
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
  /* Dynamic networking (vnm "vmware") puts a VM's NICs on the port group
   * one-pg-<NETWORK_ID> it creates on the vSwitch <bridge>; oned does not
   * pass the network id to attach_nic, so the card goes on <bridge> as
   * given (as the original driver did): say so. */
  if (strcmp (net_drv, "vmware") == 0)
    one_warn ("attach_nic: dynamic networking: the card is connected to '%s' "
              "as given (OpenNebula passes no network id, so one-pg-<id> "
              "cannot be chosen)", bridge);
  bool usage;
  ONE_AUTO (one_vmm) *v = one_vmm_open_noconn (host, &usage);
  if (v == NULL)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  ONE_AUTOFREE char *vm = NULL;
  ONE_AUTO (one_vi) *vi = one_vmm_vi (v, deploy_id, &vm);
  if (vi == NULL)
    return one_fail (ONE_EXIT_FAIL);
  ONE_AUTO (one_vi_node) *devs = one_vi_vm_devices (vi, vm);
  if (devs == NULL)
    return one_fail (ONE_EXIT_FAIL);
  if (one_vi_dev_by_mac (devs, mac)) {
    one_error ("vm '%s' already has a nic with mac '%s'", deploy_id, mac);
    return one_fail (ONE_EXIT_FAIL);
  }
  if (one_vi_nic_add (vi, vm, model, bridge, mac) < 0) {
    one_error_prefix ("attach nic '%s' (%s on '%s') to vm '%s'", mac, model,
                      bridge, deploy_id);
    return one_fail (ONE_EXIT_FAIL);
  }
  return ONE_EXIT_OK;
}
