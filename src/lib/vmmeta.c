/* esxmad: applying a deployment's <metadata> to a defined VM. */
#include "esxmad.h"

int
one_vmm_apply_metadata (one_vmm *v, virDomainPtr dom, const one_deployment *d)
{
  (void) v;
  (void) dom;
  if (d->guestos || d->pcibridge > 0 || d->datavmx
      || !v->conf->reserve_memory_in_disk)
    one_warn ("metadata not applied yet");
  return 0;
}
