/* vmm/migrate: move a VM to another ESX host of the same vCenter
 * (vMotion through vpx:// connections), live when it runs.
 *   migrate <deploy_id> <dst_host> <src_host> <vid> <src_host> */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-migrate",
    .args = "<deploy_id> <dst_host> <src_host> <vid> <src_host>",
    .summary = "Migrate a VM to another ESX host through the vCenter named in "
      "vmwarerc (live when the VM runs).",
    .min_args = 5, .max_args = 5,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *dst = argv[i + 1], *src = argv[i + 4];
  ONE_AUTO (one_conf) *c = one_conf_load_default ();
  if (c == NULL)
    return one_fail (ONE_EXIT_USAGE);
  one_secret_register (c->password);
  /* Both host names are checked before anything connects (they end up in
   * vpx:// paths). */
  ONE_AUTO (one_target) *srct = one_conf_target (c, src);
  ONE_AUTO (one_target) *dstt = srct ? one_conf_target (c, dst) : NULL;
  if (dstt == NULL)
    return one_fail (ONE_EXIT_USAGE);
  ONE_AUTO (virConnect) *sconn = one_virt_open_vpx (c, src);
  if (sconn == NULL) {
    one_error_prefix ("source host '%s'", src);
    return one_fail (ONE_EXIT_FAIL);
  }
  ONE_AUTO (virDomain) *dom = one_virt_lookup (sconn, deploy_id, NULL);
  if (dom == NULL) {
    one_error_prefix ("source host '%s'", src);
    return one_fail (ONE_EXIT_FAIL);
  }
  int st = one_virt_state (dom);
  if (st < 0)
    return one_fail (ONE_EXIT_FAIL);
  ONE_AUTO (virConnect) *dconn = one_virt_open_vpx (c, dst);
  if (dconn == NULL) {
    one_error_prefix ("destination host '%s'", dst);
    return one_fail (ONE_EXIT_FAIL);
  }
  bool live = st == VIR_DOMAIN_RUNNING || st == VIR_DOMAIN_BLOCKED;
  one_log ("migrating '%s' from '%s' to '%s'%s", deploy_id, src, dst,
           live ? " (live)" : "");
  if (one_virt_migrate (dom, dconn, live) < 0) {
    one_error_prefix ("'%s' -> '%s'", src, dst);
    return one_fail (ONE_EXIT_FAIL);
  }
  return ONE_EXIT_OK;
}
