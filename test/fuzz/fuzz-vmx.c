/* Fuzz target: the VMX reader, its facts and template layers, the writer
 * (reading what it wrote must give the same entries) and DATA_VMX merge. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  one_vmx *v = one_vmx_parse ("fuzz.vmx", (const char *) data, size, 0);
  if (v) {
    one_vmx_ctx ctx = { one_vmx_esx_file_name, (void *) "/vmfs/volumes/ds/vm/vm.vmx" };
    one_vmx_facts *f = one_vmx_facts_read (v, &ctx);
    if (f) {
      char *t = one_vmx_template (f);
      free (t);
      one_vmx_facts_free (f);
    }
    char *out = one_vmx_format (v);
    one_vmx *w = one_vmx_parse ("again.vmx", out, strlen (out), 0);
    if (!w || one_vmx_count (w) != one_vmx_count (v))
      abort ();
    for (size_t i = 0; i < one_vmx_count (v); i++)
      if (strcmp (one_vmx_key (v, i), one_vmx_key (w, i)) != 0
          || strcmp (one_vmx_value (v, i), one_vmx_value (w, i)) != 0)
        abort ();
    one_vmx_free (w);
    free (out);
    /* The same bytes as DATA_VMX lines merged into a small file. */
    char *dv = one_xstrndup ((const char *) data, size);
    one_vmx *base = one_vmx_parse ("b.vmx", "displayName = \"x\"\nmemsize = \"512\"\n", 34, 0);
    if (base) {
      (void) one_vmx_merge (base, dv);
      one_vmx_free (base);
    }
    free (dv);
    one_vmx_free (v);
  }
  one_error_reset ();
  return 0;
}
