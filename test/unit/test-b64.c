/* base64: RFC 4648 vectors, whitespace, and broken input. */
#include "esxmad.h"
#include "check.h"

int
main (void)
{
  const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
  const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
  for (int i = 0; i < 7; i++) {
    ONE_AUTOFREE char *e = one_b64_encode (plain[i], strlen (plain[i]));
    CHECK_STREQ (e, enc[i]);
    char *d = NULL;
    size_t n = 0;
    CHECK (one_b64_decode (enc[i], &d, &n) == 0);
    CHECK (d && n == strlen (plain[i]) && memcmp (d, plain[i], n) == 0);
    free (d);
  }
  /* Whitespace and newlines (OpenNebula wraps at 60 columns) are skipped. */
  char *d = NULL;
  size_t n;
  CHECK (one_b64_decode ("Zm9v\nYmFy\n", &d, &n) == 0);
  CHECK (d && strcmp (d, "foobar") == 0);
  free (d);
  /* Binary data round trips. */
  unsigned char bin[256];
  for (int i = 0; i < 256; i++)
    bin[i] = i;
  ONE_AUTOFREE char *e = one_b64_encode (bin, sizeof bin);
  CHECK (one_b64_decode (e, &d, &n) == 0 && n == 256 && memcmp (d, bin, 256) == 0);
  free (d);
  /* Broken input is an error with a message. */
  const char *bad[] = { "Zm9", "Zm9v!", "Zg=a", "Z===", "=Zg=", "Zm9vY", "é", NULL };
  for (int i = 0; bad[i]; i++) {
    d = NULL;
    one_error_reset ();
    CHECK (one_b64_decode (bad[i], &d, &n) == -1);
    CHECK (d == NULL && one_errmsg () != NULL);
  }
  return check_done ();
}
