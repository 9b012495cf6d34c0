/* Fuzz target: vmwarerc parsing and connection targets. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  one_conf *c = one_conf_parse ("/nonexistent/fuzz/vmwarerc",
                                (const char *) data, size);
  if (c) {
    const char *hosts[] = { "esx1", "h", c->n_hosts ? c->hosts[0].name : "x" };
    for (int i = 0; i < 3; i++) {
      one_target *t = one_conf_target (c, hosts[i]);
      if (t && (!t->libvirt_uri || !t->address || t->api_port < 1
                || t->api_port > 65535))
        abort ();
      one_target_free (t);
    }
    one_conf_free (c);
  }
  else if (!one_errmsg () || !strstr (one_errmsg (), "config '/nonexistent/fuzz/vmwarerc'"))
    abort ();
  one_error_reset ();
  return 0;
}
