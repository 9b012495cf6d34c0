/* Fuzz target: the Expat tree, path queries, and the deployment file
 * reader (with the <metadata>-less XML for libvirt parsed again). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  one_xml_doc *d = one_xml_parse ((const char *) data, size, "fuzz");
  if (d) {
    static const char *paths[] = {
      "/VM/TEMPLATE/DISK[DISK_ID=1]/TYPE", "//disk/source/@file",
      "/domain/metadata/datavmx", "//*[2]", "/*/*[@a='b']/c", "//x[y]",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
      one_xml **v = NULL;
      int n = one_xml_find_all (one_xml_root (d), paths[i], &v);
      for (int j = 0; j < n; j++) {
        size_t s, e;
        one_xml_span (v[j], &s, &e);
        if (s >= e || e > size)
          abort ();
      }
      free (v);
      (void) one_xml_doc_get (d, paths[i]);
    }
    one_xml_doc_free (d);
  }
  one_domain *dom = one_domain_parse ((const char *) data, size, "fuzz");
  if (dom) {
    char *x = one_domain_libvirt_xml (dom);
    one_domain *again = one_domain_parse (x, strlen (x), "fuzz again");
    if (!again)
      abort ();
    one_domain_free (again);
    free (x);
    char *ds = one_domain_datastore (dom);
    free (ds);
    char *l = one_domain_datavmx_lines (dom);
    free (l);
    one_domain_free (dom);
  }
  one_error_reset ();
  return 0;
}
