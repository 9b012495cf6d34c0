/* Fuzz target: VMX reader (strict and lenient), facts, template, writer
 * round trip, DATA_VMX merge. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  for (unsigned flags = 0; flags <= ONE_VMX_LENIENT; flags++) {
    one_vmx *v = one_vmx_parse ("fuzz", (const char *) data, size, flags);
    if (!v)
      continue;
    one_vmx_ctx ctx = { one_vmx_esx_file_name, (void *) "/vmfs/volumes/ds/d/x.vmx" };
    one_vmx_facts *f = one_vmx_facts_read (v, &ctx);
    if (f) {
      free (one_vmx_template (f));
      one_vmx_facts_free (f);
    }
    /* what we write reads back to the same entries */
    char *text = one_vmx_format (v);
    one_vmx *w = one_vmx_parse ("again", text, strlen (text), flags);
    if (!w || one_vmx_count (w) != one_vmx_count (v))
      abort ();
    for (size_t i = 0; i < one_vmx_count (v); i++)
      if (strcmp (one_vmx_key (v, i), one_vmx_key (w, i)) != 0
          || strcmp (one_vmx_value (v, i), one_vmx_value (w, i)) != 0)
        abort ();
    one_vmx_free (w);
    free (text);
    one_vmx_free (v);
  }
  /* the input as DATA_VMX onto a small file */
  const char *base = "config.version = \"8\"\nmemsize = \"64\"\n";
  one_vmx *b = one_vmx_parse ("base", base, strlen (base), 0);
  char *lines = one_xstrndup ((const char *) data, size);
  if (one_vmx_merge (b, lines) == 0) {
    char *text = one_vmx_format (b);
    one_vmx *w = one_vmx_parse ("merged", text, strlen (text), 0);
    if (!w)
      abort ();
    one_vmx_free (w);
    free (text);
  }
  free (lines);
  one_vmx_free (b);
  one_error_reset ();
  return 0;
}
