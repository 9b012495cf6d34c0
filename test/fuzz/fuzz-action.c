/* Fuzz target: driver action data (base64 XML from oned) and the TM
 * argument helpers. */
#include <stdint.h>
#include <stdlib.h>

#include "esxmad.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = one_xstrndup ((const char *) data, size);
  one_xml_doc *d = one_ds_action_parse (s);
  if (d) {
    (void) one_ds_action_get (d, "DATASTORE/TEMPLATE/BRIDGE_LIST");
    (void) one_ds_action_get (d, "IMAGE/PATH");
    one_xml_doc_free (d);
  }
  one_error_reset ();
  d = one_vmm_action_parse (s);
  if (d) {
    (void) one_vmm_action_get (d, "HOST");
    one_xml_doc_free (d);
  }
  one_error_reset ();
  char *host = NULL, *path = NULL, *ds = NULL;
  if (one_tm_split (s, &host, &path) == 0) {
    (void) one_tm_disk_id (path);
    if (one_vmfs_path_check (path, &ds) == 0)
      free (ds);
    free (host);
    free (path);
  }
  one_error_reset ();
  free (s);
  return 0;
}
