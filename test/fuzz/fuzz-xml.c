/* Fuzz target: the Expat tree and its path queries. */
#include <stdint.h>
#include <stdlib.h>

#include "esxmad.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  one_xml_doc *d = one_xml_parse ((const char *) data, size, "fuzz");
  if (d) {
    one_xml *r = one_xml_root (d);
    (void) one_xml_get (r, "/VM/TEMPLATE/DISK[DISK_ID=1]/TYPE");
    (void) one_xml_doc_get (d, "//disk/source/@file");
    one_xml **all = NULL;
    int n = one_xml_find_all (r, "/VM/TEMPLATE/NIC", &all);
    for (int i = 0; i < n; i++)
      (void) one_xml_get (all[i], "MAC");
    free (all);
    for (one_xml *c = one_xml_child (r, NULL); c; c = one_xml_next (c, NULL)) {
      char *e = one_xml_escape (one_xml_text (c) ? one_xml_text (c) : "");
      free (e);
    }
    one_xml_doc_free (d);
  }
  one_error_reset ();
  return 0;
}
