/* vnm/clean: after a VM left a host (shutdown, cancel, save, migrate,
 * detach_nic), remove those of its port groups one-pg-<NETWORK_ID> that
 * no port on the host uses any more.
 *   clean <vm_xml_base64> [<host>] (host: default the last HISTORY record) */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vnm-clean",
    .args = "<vm_xml_base64> [<host>]",
    .summary = "Remove the VM's port groups one-pg-<NETWORK_ID> that no port "
      "on its host uses any more, over SSH with esxcfg-vswitch.",
    .min_args = 1, .max_args = 2,
  };
  int i = one_prog_init (&prog, argc, argv);
  bool usage;
  if (one_vnm_action_clean (argv[i], argc - i == 2 ? argv[i + 1] : NULL,
                           &usage) < 0)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
