/* vmm/restore: bring back a VM saved by save: reuse its definition (or
 * define it again from the newest deployment file), revert it to the
 * snapshot "checkpoint", make sure it runs, delete the snapshot.
 *   restore <checkpoint> <host> <deploy_id> <vid> <host>   (4.4)
 *   restore <checkpoint> <host> <vid> <host>               (4.0, 4.2) */
#include "esxmad.h"

#define CHECKPOINT "checkpoint"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-restore",
    .args = "<checkpoint> <host> [<deploy_id>] <vid> <host>",
    .summary = "Restore a VM saved by save: revert it to its \"checkpoint\" "
      "snapshot (defining it again from the newest deployment file if needed) "
      "and make sure it runs.",
    .min_args = 4, .max_args = 5,
  };
  int i = one_prog_init (&prog, argc, argv);
  int n = argc - i;
  const char *vid = argv[argc - 2], *host = argv[argc - 1];
  if (one_vmm_check_vid (vid) < 0)
    return one_fail (ONE_EXIT_USAGE);
  ONE_AUTOFREE char *deploy_id = n == 5 ? one_xstrdup (argv[i + 2])
    : one_xasprintf ("one-%s", vid);
  bool usage;
  ONE_AUTO (one_vmm) *v = one_vmm_open (host, &usage);
  if (v == NULL)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);

  bool missing;
  ONE_AUTO (virDomain) *dom = one_virt_lookup (v->conn, deploy_id, &missing);
  bool defined_here = false;
  if (dom == NULL) {
    if (!missing)
      return one_fail (ONE_EXIT_FAIL);
    ONE_AUTOFREE char *dir = one_vms_dir (vid);
    ONE_AUTOFREE char *dfile = one_deployment_latest (dir);
    if (dfile == NULL)
      return one_fail (ONE_EXIT_FAIL);
    ONE_AUTO (one_domain) *d = one_domain_load (dfile);
    if (d == NULL)
      return one_fail (ONE_EXIT_FAIL);
    one_log ("vm '%s' not defined on '%s': defining it from '%s'", deploy_id,
             host, dfile);
    dom = one_vmm_define (v, d);
    if (dom == NULL)
      return one_fail (ONE_EXIT_FAIL);
    defined_here = true;
  }
  if (one_virt_snapshot_revert (dom, CHECKPOINT) < 0
      || one_vmm_ensure_running (dom) < 0) {
    if (defined_here) {
      ONE_AUTOFREE char *keep = one_xstrdup (one_errmsg ());
      if (one_vmm_undefine (v, dom) < 0)
        one_warn ("%s", one_errmsg ());
      one_error ("%s", keep);
    }
    return one_fail (ONE_EXIT_FAIL);
  }
  if (one_virt_snapshot_delete (dom, CHECKPOINT) < 0)
    one_warn ("%s", one_errmsg ());
  return ONE_EXIT_OK;
}
