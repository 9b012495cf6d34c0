/* Test helper: esxmad's own TLS certificate checks (tls.h).
 *   helper-tls ADDRESS PORT sha1            print the peer's SHA1
 *   helper-tls ADDRESS PORT thumbprint T    check against thumbprint T
 *   helper-tls ADDRESS PORT ca FILE         check against CA file FILE
 * Exit 0 when the check passes, 1 with the error on stderr otherwise. */
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

int
main (int argc, char **argv)
{
  if (argc < 4)
    return 2;
  int port = atoi (argv[2]);
  if (strcmp (argv[3], "sha1") == 0) {
    ONE_AUTOFREE char *s = one_tls_peer_sha1 (argv[1], port, 5);
    if (s == NULL)
      return one_fail (1);
    printf ("%s\n", s);
    return 0;
  }
  if (argc < 5)
    return 2;
  one_target t = { .host = argv[1], .address = argv[1], .api_port = port,
                   .timeout = 5 };
  if (strcmp (argv[3], "thumbprint") == 0)
    t.tls_thumbprint = argv[4];
  else
    t.tls_ca_file = argv[4];
  int r = one_tls_check_target (&t);
  if (r != 1)
    return one_fail (1);
  return 0;
}
