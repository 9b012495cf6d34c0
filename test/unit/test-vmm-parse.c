/* Pure helpers of the VMM actions: the exact VM id in vim-cmd's list
 * (one-1 never matches one-10), disk paths, MAC addresses. */
#include "esxmad.h"
#include "check.h"

static const char list[] =
  "Vmid   Name     File                       Guest OS     Version   Annotation\n"
  "10     one-10   [0] 10/disk.0/one-10.vmx   otherGuest   vmx-10\n"
  "3      one-1x   [0] 3/disk.0/one-1x.vmx    otherGuest   vmx-10\n"
  "7      one-1    [0] 1/disk.0/one-1.vmx     otherGuest   vmx-10    one-10 copy\n"
  "8      my vm    [datastore1] my vm/my vm.vmx otherGuest vmx-10\n";

int
main (void)
{
  ONE_AUTOFREE char *a = one_vmm_vmid_from_list (list, "one-1");
  CHECK_STREQ (a, "7");
  ONE_AUTOFREE char *b = one_vmm_vmid_from_list (list, "one-10");
  CHECK_STREQ (b, "10");
  ONE_AUTOFREE char *c = one_vmm_vmid_from_list (list, "my vm");
  CHECK_STREQ (c, "8");
  CHECK (one_vmm_vmid_from_list (list, "one-") == NULL);
  CHECK (one_vmm_vmid_from_list (list, "one-100") == NULL);
  CHECK (one_vmm_vmid_from_list (list, "Name") == NULL);
  CHECK (one_vmm_vmid_from_list ("", "one-1") == NULL);

  ONE_AUTOFREE char *d1 = one_vmm_disk_dspath ("/vmfs/volumes/0/5/disk.1");
  CHECK_STREQ (d1, "[0] 5/disk.1/disk.vmdk");
  ONE_AUTOFREE char *d2 = one_vmm_disk_dspath ("/vmfs/volumes/100/5/disk.2/");
  CHECK_STREQ (d2, "[100] 5/disk.2/disk.vmdk");
  CHECK (one_vmm_disk_dspath ("/tmp/5/disk.1") == NULL);
  CHECK (one_vmm_disk_dspath ("/vmfs/volumes/0") == NULL);
  CHECK (one_vmm_disk_dspath ("/vmfs/volumes//5/disk.1") == NULL);
  CHECK (one_vmm_disk_dspath ("/vmfs/volumes/0/../etc/disk.1") == NULL);
  CHECK (one_vmm_disk_dspath (NULL) == NULL);

  CHECK (one_vmm_check_mac ("02:00:c0:A8:00:01") == 0);
  CHECK (one_vmm_check_mac ("02:00:c0:a8:00") < 0);
  CHECK (one_vmm_check_mac ("02-00-c0-a8-00-01") < 0);
  CHECK (one_vmm_check_mac ("02:00:c0:a8:00:0g") < 0);
  CHECK (one_vmm_check_mac ("") < 0);

  CHECK (one_vmm_check_vid ("12") == 0);
  CHECK (one_vmm_check_vid ("-1") < 0);
  CHECK (one_vmm_check_vid ("1x") < 0);
  CHECK (one_vmm_check_vid ("") < 0);
  return check_done ();
}
