/* Test helper: drive src/lib/vi.c against the simulated ESX.
 *
 *   helper-vi HOST COMMAND [ARGS...]
 *
 * The target is HOST in vmwarerc ($VMWARERC).  Commands: login | logout |
 * find NAME | reset NAME | nic-add NAME MODEL NET MAC | nic-remove NAME MAC
 * | nics NAME | disk-add NAME FILE BUS UNIT | disk-remove NAME BUS UNIT |
 * disks NAME | guest NAME ID | extra NAME KEY VALUE.  With
 * VI_PRINT_REQUESTS set, the request count goes to stderr.  Exit 0 ok,
 * 1 failed, 2 usage, 3 VM not found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

int
main (int argc, char **argv)
{
  one_progname = "helper-vi";
  if (argc < 3) {
    fprintf (stderr, "usage: helper-vi HOST COMMAND [ARGS]\n");
    return 2;
  }
  ONE_AUTO (one_conf) *c = one_conf_load_default ();
  if (!c)
    return one_fail (2);
  ONE_AUTO (one_target) *t = one_conf_target (c, argv[1]);
  if (!t)
    return one_fail (2);
  argv++;
  argc--;

  int rc = 0;
  const char *cmd = argv[1];
  one_vi *vi = one_vi_connect (t);
  if (!vi)
    rc = -1;
  else if (strcmp (cmd, "login") == 0)
    printf ("version=%s vcenter=%d\n", one_vi_api_version (vi),
            one_vi_is_vcenter (vi));
  else if (strcmp (cmd, "logout") == 0)
    rc = one_vi_logout (vi);
  else if (argc >= 3) {
    bool nf = false;
    char *vm = one_vi_find_vm (vi, argv[2], &nf);
    if (!vm)
      rc = nf ? 3 : -1;
    else if (strcmp (cmd, "find") == 0)
      printf ("%s\n", vm);
    else if (strcmp (cmd, "reset") == 0)
      rc = one_vi_reset_vm (vi, vm);
    else if (strcmp (cmd, "nic-add") == 0 && argc == 6)
      rc = one_vi_nic_add (vi, vm, argv[3], argv[4], argv[5]);
    else if (strcmp (cmd, "nic-remove") == 0 && argc == 4) {
      rc = one_vi_nic_remove (vi, vm, argv[3]);
      if (rc == 1)
        rc = 3;
    }
    else if (strcmp (cmd, "disk-add") == 0 && argc == 6)
      rc = one_vi_disk_add (vi, vm, argv[3], atoi (argv[4]), atoi (argv[5]));
    else if (strcmp (cmd, "disk-remove") == 0 && argc == 5) {
      rc = one_vi_disk_remove (vi, vm, atoi (argv[3]), atoi (argv[4]));
      if (rc == 1)
        rc = 3;
    }
    else if (strcmp (cmd, "guest") == 0 && argc == 4) {
      one_vi_spec s = { 0 };
      one_vi_spec_guest_id (&s, argv[3]);
      rc = one_vi_reconfig (vi, vm, &s);
      one_vi_spec_free (&s);
    }
    else if (strcmp (cmd, "extra") == 0 && argc == 5) {
      one_vi_spec s = { 0 };
      one_vi_spec_extra (&s, argv[3], argv[4]);
      rc = one_vi_reconfig (vi, vm, &s);
      one_vi_spec_free (&s);
    }
    else if (strcmp (cmd, "nics") == 0 || strcmp (cmd, "disks") == 0) {
      one_vi_node *devs = one_vi_vm_devices (vi, vm);
      if (!devs)
        rc = -1;
      for (const one_vi_node *d = one_vi_child (devs, NULL); d; d = d->next) {
        if (cmd[0] == 'n' && one_vi_dev_is_nic (d))
          printf ("%s %s %s\n", d->type, one_vi_text (d, "macAddress"),
                  one_vi_text (d, "backing/deviceName"));
        else if (cmd[0] == 'd' && one_streq (d->type, "VirtualDisk"))
          printf ("%s %s %s\n", one_vi_text (d, "controllerKey"),
                  one_vi_text (d, "unitNumber"),
                  one_vi_text (d, "backing/fileName"));
      }
      one_vi_node_free (devs);
    }
    else {
      fprintf (stderr, "helper-vi: bad command or arguments\n");
      rc = 2;
    }
    free (vm);
  }
  else {
    fprintf (stderr, "helper-vi: bad command\n");
    rc = 2;
  }
  if (vi && getenv ("VI_PRINT_REQUESTS"))
    fprintf (stderr, "requests=%u logins=%u connections=%u\n",
             one_vi_requests (vi), one_vi_logins (vi), one_vi_connections (vi));
  one_vi_free (vi);
  if (rc == -1)
    return one_fail (1);
  return rc;
}
