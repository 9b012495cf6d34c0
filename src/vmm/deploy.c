/* vmm/deploy: define a VM from OpenNebula's deployment file, apply its
 * metadata, start it, print its deploy id (one-<vid>).
 *   deploy <deployment_file> <host> <vid> <host>
 * A retried deploy reuses an existing domain of that name (and starts it
 * if it is not running); a failed start undefines what this run defined. */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-deploy",
    .args = "<deployment_file> <host> <vid> <host>",
    .summary = "Define the VM of an OpenNebula deployment file on an ESX host, "
      "apply its metadata (guest OS, PCI bridges, DATA_VMX, memory reservation), "
      "start it and print its deploy id.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *dfile = argv[i], *vid = argv[i + 2], *host = argv[i + 3];
  if (one_vmm_check_vid (vid) < 0)
    return one_fail (ONE_EXIT_USAGE);

  ONE_AUTO (one_domain) *d = one_domain_load (dfile);
  if (d == NULL)
    return one_fail (ONE_EXIT_FAIL);
  bool usage;
  ONE_AUTO (one_vmm) *v = one_vmm_open (host, &usage);
  if (v == NULL)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);

  bool missing;
  ONE_AUTO (virDomain) *dom = one_virt_lookup (v->conn, d->name, &missing);
  if (dom) {
    one_log ("vm '%s' already defined on '%s': reusing it", d->name, host);
    if (one_vmm_ensure_running (dom) < 0)
      return one_fail (ONE_EXIT_FAIL);
  }
  else {
    if (!missing)
      return one_fail (ONE_EXIT_FAIL);
    dom = one_vmm_define (v, d);
    if (dom == NULL)
      return one_fail (ONE_EXIT_FAIL);
    if (one_virt_start (dom) < 0) {
      ONE_AUTOFREE char *keep = one_xstrdup (one_errmsg ());
      if (one_vmm_undefine (v, dom) < 0)
        one_warn ("%s", one_errmsg ());
      one_error ("%s", keep);
      return one_fail (ONE_EXIT_FAIL);
    }
  }
  printf ("%s\n", d->name);
  return ONE_EXIT_OK;
}
