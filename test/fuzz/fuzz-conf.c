/* Fuzz target: the vmwarerc reader (through a file, as it is used) and
 * the connection target built from it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "esxmad.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static char path[64];
  if (!path[0])
    snprintf (path, sizeof path, "/tmp/esxmad-fuzz-conf.%ld", (long) getpid ());
  FILE *f = fopen (path, "w");
  if (!f)
    return 0;
  fwrite (data, 1, size, f);
  fclose (f);
  one_conf *c = one_conf_load (path);
  if (c) {
    one_target *t = one_conf_target (c, "esx1");
    one_target_free (t);
    for (size_t i = 0; i < c->n_hosts; i++) {
      t = one_conf_target (c, c->hosts[i].name);
      one_target_free (t);
    }
    one_conf_free (c);
  }
  one_error_reset ();
  unlink (path);
  return 0;
}
