/* Fuzz target: the deployment-file reader and what deploy derives from it. */
#include <stdint.h>
#include <stdlib.h>

#include "esxmad.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  one_domain *d = one_domain_parse ((const char *) data, size, "fuzz");
  if (d) {
    free (one_domain_libvirt_xml (d));
    free (one_domain_datastore (d));
    free (one_domain_datavmx_lines (d));
    one_domain_free (d);
  }
  one_error_reset ();
  return 0;
}
