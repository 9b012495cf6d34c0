/* Test helper: drive src/lib/vi.c against the simulated ESX.
 *
 *   helper-vi COMMAND [ARGS...]
 *
 * The target comes from the environment (so that this helper does not
 * depend on the vmwarerc loader): VI_ADDRESS, VI_PORT, VI_USER,
 * VI_PASSWORD_FILE, VI_THUMBPRINT, VI_CA_FILE, VI_NO_VERIFY=1, VI_HTTP=1,
 * VI_CACHE_DIR, VI_TIMEOUT.
 *
 * Commands: login | logout | find NAME | reset NAME | nic-add NAME MODEL NET
 * MAC | nic-remove NAME MAC | nics NAME | disk-add NAME FILE BUS UNIT |
 * disk-remove NAME BUS UNIT | disks NAME | guest NAME ID | extra NAME KEY
 * VALUE | requests (prints the request count after the command). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

static char *
env (const char *k)
{
  const char *v = getenv (k);
  return v && *v ? one_xstrdup (v) : NULL;
}

int
main (int argc, char **argv)
{
  one_progname = "helper-vi";
  if (argc < 2) {
    fprintf (stderr, "usage: helper-vi COMMAND [ARGS]\n");
    return 2;
  }
  one_target t = { 0 };
  t.host = env ("VI_ADDRESS");
  t.address = env ("VI_ADDRESS");
  t.api_port = getenv ("VI_PORT") ? atoi (getenv ("VI_PORT")) : 443;
  t.username = env ("VI_USER");
  t.tls_thumbprint = env ("VI_THUMBPRINT");
  t.tls_ca_file = env ("VI_CA_FILE");
  t.tls_no_verify = getenv ("VI_NO_VERIFY") != NULL;
  t.tls_http = getenv ("VI_HTTP") != NULL;
  t.cache_dir = env ("VI_CACHE_DIR");
  t.timeout = getenv ("VI_TIMEOUT") ? atoi (getenv ("VI_TIMEOUT")) : 30;
  const char *pf = getenv ("VI_PASSWORD_FILE");
  if (pf) {
    char *data = NULL;
    size_t len = 0;
    if (one_read_file (pf, 4096, &data, &len) == -1)
      return one_fail (2);
    data[strcspn (data, "\r\n")] = '\0';
    t.password = data;
    one_secret_register (data);
  }
  else
    t.password = one_xstrdup ("");

  int rc = 0;
  const char *cmd = argv[1];
  one_vi *vi = one_vi_connect (&t);
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
    else if (strcmp (cmd, "nic-remove") == 0 && argc == 4)
      rc = one_vi_nic_remove (vi, vm, argv[3]);
    else if (strcmp (cmd, "disk-add") == 0 && argc == 6)
      rc = one_vi_disk_add (vi, vm, argv[3], atoi (argv[4]), atoi (argv[5]));
    else if (strcmp (cmd, "disk-remove") == 0 && argc == 5)
      rc = one_vi_disk_remove (vi, vm, atoi (argv[3]), atoi (argv[4]));
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
    fprintf (stderr, "requests=%u logins=%u\n", one_vi_requests (vi),
             one_vi_logins (vi));
  one_vi_free (vi);
  free (t.host); free (t.address); free (t.username); free (t.password);
  free (t.tls_thumbprint); free (t.tls_ca_file); free (t.cache_dir);
  if (rc == -1)
    return one_fail (1);
  return rc;
}
