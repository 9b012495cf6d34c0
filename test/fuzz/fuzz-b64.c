/* Fuzz target: base64 decoding and re-encoding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = one_xstrndup ((const char *) data, size);
  char *out = NULL;
  size_t n = 0;
  if (one_b64_decode (s, &out, &n) == 0) {
    char *again = one_b64_encode (out, n);
    char *back = NULL;
    size_t m = 0;
    if (one_b64_decode (again, &back, &m) != 0 || m != n || memcmp (back, out, n) != 0)
      abort ();
    free (back);
    free (again);
    free (out);
  }
  one_error_reset ();
  free (s);
  return 0;
}
