/* vnm/pre: before a VM starts on a host (deploy, restore, migrate,
 * attach_nic), make sure port group one-pg-<NETWORK_ID> exists on each
 * NIC's vSwitch (BRIDGE) with the network's VLAN.
 *   pre <vm_xml_base64> [<host>]   (host: default the last HISTORY record) */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vnm-pre",
    .args = "<vm_xml_base64> [<host>]",
    .summary = "Create the port groups one-pg-<NETWORK_ID> (with their VLAN) "
      "that the VM's NICs need on its host, over SSH with esxcfg-vswitch.",
    .min_args = 1, .max_args = 2,
  };
  int i = one_prog_init (&prog, argc, argv);
  bool usage;
  if (one_vnm_action_pre (argv[i], argc - i == 2 ? argv[i + 1] : NULL,
                           &usage) < 0)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
