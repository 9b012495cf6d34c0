/* vnm/post: after the VM started.  Nothing to do on ESX (the port groups
 * were made by pre); the VM XML is still checked, so that a message that
 * pre would refuse is reported here too.
 *   post <vm_xml_base64> [<deploy_id> [<host>]] */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vnm-post",
    .args = "<vm_xml_base64> [<deploy_id> [<host>]]",
    .summary = "Check the VM XML; there is nothing to do after a VM starts.",
    .min_args = 1, .max_args = 3,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTO (one_vnm_vm) *vm = one_vnm_vm_read (argv[i]);
  if (!vm)
    return one_fail (ONE_EXIT_FAIL);
  if (argc - i >= 2 && argv[i + 1][0] == '\0')
    return one_fail_msg (ONE_EXIT_USAGE, "empty deploy id");
  return ONE_EXIT_OK;
}
