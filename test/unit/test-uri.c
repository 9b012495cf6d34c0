/* URI helpers used to build libvirt URIs (no_verify, vpx paths). */
#include "esxmad.h"
#include "check.h"

#define SET(u, k, v, want)                                              \
  do {                                                                  \
    ONE_AUTOFREE char *r_ = one_uri_set_param (u, k, v);                \
    CHECK_STREQ (r_, want);                                             \
  } while (0)

int
main (void)
{
  SET ("esx://h/", "no_verify", "1", "esx://h/?no_verify=1");
  SET ("esx://h/?", "no_verify", "1", "esx://h/?no_verify=1");
  SET ("esx://h/?auto_answer=1", "no_verify", "1",
       "esx://h/?auto_answer=1&no_verify=1");
  SET ("esx://h/?no_verify=0&auto_answer=1", "no_verify", "1",
       "esx://h/?no_verify=1&auto_answer=1");
  SET ("esx://h/?no_verify=1&auto_answer=1", "no_verify", "1",
       "esx://h/?no_verify=1&auto_answer=1");
  SET ("esx://h/?no_verify&x=1&no_verify=0", "no_verify", "1",
       "esx://h/?no_verify=1&x=1");
  SET ("esx://h/?no_verify_x=2", "no_verify", "1",
       "esx://h/?no_verify_x=2&no_verify=1");
  SET ("esx://h/?a=1&&b=2", "c", "3", "esx://h/?a=1&b=2&c=3");

  ONE_AUTOFREE char *g1 = one_uri_get_param ("esx://h/?a=1&no_verify=1", "no_verify");
  CHECK_STREQ (g1, "1");
  ONE_AUTOFREE char *g2 = one_uri_get_param ("esx://h/?no_verify_x=1", "no_verify");
  CHECK (g2 == NULL);
  ONE_AUTOFREE char *g3 = one_uri_get_param ("esx://h/", "no_verify");
  CHECK (g3 == NULL);
  ONE_AUTOFREE char *g4 = one_uri_get_param ("esx://h/?transport=http", "transport");
  CHECK_STREQ (g4, "http");

  ONE_AUTOFREE char *a1 = one_uri_set_authority
    ("vpx://user@vc.example.org:8443/DC0/C%20x/h1?no_verify=1", "127.0.0.1", 4000);
  CHECK_STREQ (a1, "vpx://user@127.0.0.1:4000/DC0/C%20x/h1?no_verify=1");
  ONE_AUTOFREE char *a2 = one_uri_set_authority ("esx://[::1]?x=@", "::1", 0);
  CHECK_STREQ (a2, "esx://[::1]?x=@");
  ONE_AUTOFREE char *a3 = one_uri_set_authority ("esx://h", "127.0.0.1", 9);
  CHECK_STREQ (a3, "esx://127.0.0.1:9");
  CHECK (one_uri_set_authority ("h/x", "a", 1) == NULL);

  ONE_AUTOFREE char *e1 = one_uri_escape ("DC0");
  CHECK_STREQ (e1, "DC0");
  ONE_AUTOFREE char *e2 = one_uri_escape ("My DC/x?&%");
  CHECK_STREQ (e2, "My%20DC%2Fx%3F%26%25");
  ONE_AUTOFREE char *e3 = one_uri_escape ("");
  CHECK_STREQ (e3, "");

  ONE_AUTOFREE char *t1 = one_tls_thumbprint_normalise
    ("ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01");
  CHECK_STREQ (t1, "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01");
  ONE_AUTOFREE char *t2 = one_tls_thumbprint_normalise
    ("ABCDEF0123456789ABCDEF0123456789ABCDEF01");
  CHECK_STREQ (t2, "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01");
  CHECK (one_tls_thumbprint_normalise ("ABCDEF") == NULL);
  CHECK (one_tls_thumbprint_normalise
         ("ABCDEF0123456789ABCDEF0123456789ABCDEF0122") == NULL);
  CHECK (one_tls_thumbprint_normalise
         ("XBCDEF0123456789ABCDEF0123456789ABCDEF01") == NULL);
  CHECK (one_tls_thumbprint_normalise ("") == NULL);
  return check_done ();
}
