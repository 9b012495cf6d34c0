/* vmm/detach_disk: hot-remove a SCSI disk from a VM (vSphere
 * ReconfigVM_Task); the disk's files stay (the TM removes or saves them).
 *   detach_disk <deploy_id> <disk_target_path> <target> <target_index> <vid> <host>
 * The disk at the target's SCSI address must be the one OpenNebula names. */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-detach_disk",
    .args = "<deploy_id> <disk_target_path> <target> <target_index> <vid> <host>",
    .summary = "Hot-remove a SCSI disk from a VM, keeping its files.",
    .min_args = 6, .max_args = 6,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *path = argv[i + 1], *target = argv[i + 2];
  const char *host = argv[i + 5];
  int bus, unit;
  ONE_AUTOFREE char *file = one_vmm_disk_dspath (path);
  if (file == NULL || one_vmm_scsi_address (target, &bus, &unit) < 0)
    return one_fail (ONE_EXIT_USAGE);
  ONE_VMM_API (a);
  int rc = one_vmm_api_open (&a, host, deploy_id, true);
  if (rc)
    return one_fail (rc);
  one_vi *vi = a.vi;
  const char *vm = a.vm;
  one_vi_node *devs = a.devs;
  const one_vi_node *c = one_vi_dev_scsi_ctrl (devs, bus);
  const char *key = c ? one_vi_text (c, "key") : NULL;
  const one_vi_node *d = key ? one_vi_dev_at (devs, atoi (key), unit) : NULL;
  if (d == NULL) {
    one_error ("vm '%s' has no disk '%s' (scsi%d:%d)", deploy_id, target, bus, unit);
    return one_fail (ONE_EXIT_FAIL);
  }
  const char *f = one_vi_text (d, "backing/fileName");
  if (!one_streq (f, file)) {
    one_error ("vm '%s': scsi%d:%d ('%s') holds '%s', not '%s'", deploy_id, bus,
               unit, target, f ? f : "another device", file);
    return one_fail (ONE_EXIT_FAIL);
  }
  int r = one_vi_disk_remove (vi, vm, bus, unit);
  if (r != 0) {
    if (r == 1)
      one_error ("vm '%s' has no disk '%s' (scsi%d:%d)", deploy_id, target, bus, unit);
    one_error_prefix ("could not detach '%s' (%s) from vm '%s'", file, target, deploy_id);
    return one_fail (ONE_EXIT_FAIL);
  }
  return ONE_EXIT_OK;
}
