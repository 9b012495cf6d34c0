/* vmm/attach_disk: hot-add the disk OpenNebula prepared in the VM folder
 * (disk.<i>/disk.vmdk) as a SCSI disk (vSphere ReconfigVM_Task).
 *   attach_disk <deploy_id> <disk_target_path> <target> <target_index> drv_message <vid> <host>
 * The SCSI address follows the target (sdb -> scsi0:1) as libvirt numbers
 * the VM's other disks. */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "vmm-attach_disk",
    .args = "<deploy_id> <disk_target_path> <target> <target_index> drv_message <vid> <host>",
    .summary = "Hot-add a disk to a running VM on its SCSI controller.",
    .min_args = 7, .max_args = 7,
  };
  int i = one_prog_init (&prog, argc, argv);
  const char *deploy_id = argv[i], *path = argv[i + 1], *target = argv[i + 2];
  const char *host = argv[i + 6];
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
  if (c == NULL) {
    one_error ("vm '%s' has no SCSI controller %d for '%s' (add one with RAW "
               "DATA <controller type='scsi' index='%d'/>)", deploy_id, bus,
               target, bus);
    return one_fail (ONE_EXIT_FAIL);
  }
  const one_vi_node *there =
    one_vi_dev_at (devs, atoi (one_vi_text (c, "key") ? one_vi_text (c, "key") : "-1"), unit);
  if (there) {
    const char *f = one_vi_text (there, "backing/fileName");
    if (one_streq (f, file)) {
      one_log ("'%s' is already attached to vm '%s' as '%s'", file, deploy_id, target);
      return ONE_EXIT_OK;
    }
    one_error ("vm '%s': scsi%d:%d ('%s') already holds '%s'", deploy_id, bus,
               unit, target, f ? f : "a device");
    return one_fail (ONE_EXIT_FAIL);
  }
  if (one_vi_disk_add (vi, vm, file, bus, unit) < 0) {
    one_error_prefix ("could not attach '%s' (%s) to vm '%s'", file, target, deploy_id);
    return one_fail (ONE_EXIT_FAIL);
  }
  return ONE_EXIT_OK;
}
