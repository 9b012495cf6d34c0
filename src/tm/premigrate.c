/* tm/premigrate: before a live migration.
 *   premigrate <src_host> <dst_host> <remote_system_dir> <vid> <sys_ds> [<vm_b64>]
 * Nothing to do: vMotion needs the system datastore mounted on both hosts
 * (shared), and the disks stay where they are. */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "tm-premigrate",
    .args = "<src_host> <dst_host> <remote_system_dir> <vid> <sys_ds> [<vm_b64>]",
    .summary = "Before a live migration: nothing to do on shared VMFS "
      "datastores (always succeeds).",
    .min_args = 5, .max_args = 6,
  };
  int i = one_prog_init (&prog, argc, argv);
  one_debug ("migration of vm %s from %s to %s: storage is shared, nothing "
             "to do", argv[i + 3], argv[i], argv[i + 1]);
  return ONE_EXIT_OK;
}
