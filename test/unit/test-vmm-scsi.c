/* Disk targets to SCSI (controller, unit), numbered as libvirt numbers
 * VMware SCSI disks (unit 7 is the controller's own). */
#include "esxmad.h"
#include "check.h"

static void
t (const char *target, int bus, int unit)
{
  int b = -9, u = -9;
  CHECK (one_vmm_scsi_address (target, &b, &u) == 0);
  if (b != bus || u != unit)
    fprintf (stderr, "%s: got %d:%d, want %d:%d\n", target, b, u, bus, unit);
  CHECK (b == bus && u == unit);
}

int
main (void)
{
  t ("sda", 0, 0);
  t ("sdb", 0, 1);
  t ("sdg", 0, 6);
  t ("sdh", 0, 8);
  t ("sdo", 0, 15);
  t ("sdp", 1, 0);
  t ("sdz", 1, 11);
  t ("sdaa", 1, 12);
  t ("sdbh", 3, 15);
  int b, u;
  CHECK (one_vmm_scsi_address ("hda", &b, &u) < 0);
  CHECK (strstr (one_errmsg (), "DEV_PREFIX=sd") != NULL);
  CHECK (one_vmm_scsi_address ("sd", &b, &u) < 0);
  CHECK (one_vmm_scsi_address ("sdA", &b, &u) < 0);
  CHECK (one_vmm_scsi_address ("sd1", &b, &u) < 0);
  CHECK (one_vmm_scsi_address ("sdzz", &b, &u) < 0);
  CHECK (one_vmm_scsi_address (NULL, &b, &u) < 0);
  return check_done ();
}
