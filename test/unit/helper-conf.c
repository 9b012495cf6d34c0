/* Test helper: load a vmwarerc and print the connection target of a host
 * as KEY=VALUE lines (the password only as its length).
 *   helper-conf VMWARERC HOST */
#include <string.h>

#include "esxmad.h"

int
main (int argc, char **argv)
{
  if (argc != 3) {
    fprintf (stderr, "usage: helper-conf VMWARERC HOST\n");
    return 2;
  }
  ONE_AUTO (one_conf) *c = one_conf_load (argv[1]);
  if (!c)
    return one_fail (ONE_EXIT_USAGE);
  ONE_AUTO (one_target) *t = one_conf_target (c, argv[2]);
  if (!t)
    return one_fail (ONE_EXIT_USAGE);
  printf ("LIBVIRT_URI=%s\n", t->libvirt_uri);
  printf ("ADDRESS=%s\nAPI_PORT=%d\nSSH_PORT=%d\n", t->address, t->api_port,
          t->ssh_port);
  printf ("TLS_NO_VERIFY=%d\nTLS_HTTP=%d\n", t->tls_no_verify, t->tls_http);
  printf ("TLS_THUMBPRINT=%s\n", t->tls_thumbprint ? t->tls_thumbprint : "");
  printf ("USERNAME=%s\nPASSWORD_LEN=%zu\n", t->username, strlen (t->password));
  printf ("SSH_USER=%s\nSSH_IDENTITY=%s\nSSH_KNOWN_HOSTS=%s\n", t->ssh_user,
          t->ssh_identity ? t->ssh_identity : "", t->ssh_known_hosts);
  return 0;
}
