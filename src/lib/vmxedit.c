/* esxmad: editing a registered VM's .vmx on ESX (over SSH). */
#include "esxmad.h"

int
one_vmm_vmx_merge (one_vmm *v, const one_domain *d, const char *lines)
{
  (void) v;
  (void) lines;
  one_error ("vm '%s': DATA_VMX and memory reservation not supported yet", d->name);
  return -1;
}
