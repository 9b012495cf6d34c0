/* esxmad IM probe: host capacity and usage, datastores and every VM of the
 * host, in a constant number of vSphere round trips (see monitor.h).
 * Invoked by run_probes; the OpenNebula host name is the last argument. */
#include <stdio.h>

#include "esxmad.h"

static const struct one_prog prog = {
  .name = "im-vmware",
  .args = "[<ds_location> <collectd_port> <push_interval> <host_id>] <host>",
  .summary = "Print the monitoring information of an ESX host (capacity, "
             "usage, datastores) and the poll line of each of its VMs, in "
             "OpenNebula's IM format.",
  .min_args = 1,
  .max_args = -1,
};

int
main (int argc, char **argv)
{
  one_prog_init (&prog, argc, argv);
  const char *host = argv[argc - 1];
  int status;
  ONE_AUTO (one_mon) *m = one_mon_host (host, true, &status);
  if (!m)
    return one_fail (status);
  one_mon_print (stdout, m);
  if (fflush (stdout) != 0)
    return one_fail_msg (ONE_EXIT_FAIL, "writing the result: %m");
  return ONE_EXIT_OK;
}
