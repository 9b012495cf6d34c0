/* esxmad VMM poll: the state and usage of one VM, on one line.  Shares the
 * IM probe's collection (monitor.h): a constant number of round trips. */
#include <stdio.h>
#include <stdlib.h>

#include "esxmad.h"

static const struct one_prog prog = {
  .name = "vmm-poll",
  .args = "<deploy_id> <host> <vid> <host>",
  .summary = "Print STATE=<a|p|d|-> USEDCPU=<pct> USEDMEMORY=<KB> NETRX=<n> "
             "NETTX=<n> for the VM <deploy_id> on <host>; a VM that is not "
             "there is reported as STATE=d.",
  .min_args = 2,
  .max_args = 4,
};

int
main (int argc, char **argv)
{
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i];
  const char *host = argv[i + 1];
  int status;
  ONE_AUTO (one_mon) *m = one_mon_host (host, false, &status);
  if (!m)
    return one_fail (status);
  const one_mon_vm *vm = one_mon_find_vm (m, deploy_id);
  if (!vm) {
    one_log ("VM '%s' not found on host '%s'", deploy_id, host);
    printf ("STATE=d\n");
  }
  else {
    ONE_AUTOFREE char *line = one_mon_poll_line (m, vm);
    printf ("%s\n", line);
  }
  if (fflush (stdout) != 0)
    return one_fail_msg (ONE_EXIT_FAIL, "writing the result: %m");
  return ONE_EXIT_OK;
}
