/* vmm/shutdown: shut the guest down, wait until it is off (bounded by
 * :shutdown_timeout:), undefine it.
 *   shutdown <deploy_id> <host> <vid> <host> */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-shutdown",
    .args = "<deploy_id> <host> <vid> <host>",
    .summary = "Shut a VM down through its guest, wait until it is powered "
      "off (at most :shutdown_timeout: seconds) and undefine it.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *host = argv[i + 3];
  bool usage;
  ONE_AUTO (one_vmm) *v = one_vmm_open (host, &usage);
  if (v == NULL)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  ONE_AUTO (virDomain) *dom = one_vmm_domain (v, deploy_id);
  if (dom == NULL)
    return one_fail (ONE_EXIT_FAIL);
  int timeout = v->conf->shutdown_timeout > 0 ? v->conf->shutdown_timeout : 300;
  if (one_virt_shutdown_wait (dom, timeout, 1000) < 0
      || one_vmm_undefine (v, dom) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
