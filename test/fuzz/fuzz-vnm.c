/* Fuzz target: the esxcfg-vswitch -l parser and the vnm VM XML reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = one_xstrndup ((const char *) data, size);
  one_vnm_host *h = one_vnm_host_parse (s);
  for (size_t i = 0; i < h->n_pgs; i++)
    if (!one_vnm_host_find_pg (h, h->pgs[i].name))
      abort ();
  one_vnm_host_free (h);
  char *b64 = one_b64_encode (data, size);
  one_vnm_vm *vm = one_vnm_vm_read (b64);
  if (vm)
    for (size_t i = 0; i < vm->n_pgs; i++)
      if (!one_vnm_vswitch_name_ok (vm->pgs[i].vswitch)
          || vm->pgs[i].vlan < 0 || vm->pgs[i].vlan > 4094)
        abort ();
  one_vnm_vm_free (vm);
  free (b64);
  free (s);
  one_error_reset ();
  return 0;
}
