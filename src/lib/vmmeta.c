/* esxmad: applying a deployment's <metadata> (spec §2.2, "metadata
 * handling") to a VM that was just defined and is powered off:
 *  - guestos   -> ReconfigVM_Task guestId (vSphere API)
 *  - pcibridge -> ReconfigVM_Task extraConfig pciBridge0..N-1.present
 *  - datavmx and, with :reserve_memory_in_disk: false, sched.mem.* ->
 *    merged into the .vmx (vmxedit.c). */
#include <string.h>

#include "esxmad.h"

static int
apply_vi (one_vmm *v, const char *name, const one_domain *d)
{
  ONE_AUTO (one_vi) *vi = one_vi_connect (v->target);
  if (vi == NULL)
    return -1;
  ONE_AUTOFREE char *vm = one_vi_find_vm (vi, name, NULL);
  if (vm == NULL)
    return -1;
  one_vi_spec s = { 0 };
  if (d->guestos)
    one_vi_spec_guest_id (&s, d->guestos);
  for (int i = 0; i < d->pcibridge; i++) {
    char key[32];
    snprintf (key, sizeof key, "pciBridge%d.present", i);
    one_vi_spec_extra (&s, key, "TRUE");
  }
  int r = one_vi_reconfig (vi, vm, &s);
  one_vi_spec_free (&s);
  if (r < 0)
    one_error_prefix ("vm '%s' metadata", name);
  return r;
}

int
one_vmm_apply_metadata (one_vmm *v, virDomainPtr dom, const one_domain *d)
{
  const char *name = virDomainGetName (dom);
  if ((d->guestos || d->pcibridge > 0) && apply_vi (v, name, d) < 0)
    return -1;
  ONE_AUTOFREE char *extra = NULL;
  if (!v->conf->reserve_memory_in_disk && d->memory_kib > 0)
    extra = one_xasprintf ("sched.mem.min = \"%lld\"\nsched.mem.shares = "
                           "\"normal\"\nsched.mem.pin = \"TRUE\"\n",
                           (long long) (d->memory_kib / 1024));
  const char *datavmx = one_domain_datavmx_raw (d);
  if (datavmx || extra) {
    ONE_AUTOFREE char *lines = one_xasprintf ("%s%s%s", datavmx ? datavmx : "",
                                              datavmx ? "\n" : "",
                                              extra ? extra : "");
    if (one_vmm_vmx_merge (v, d, lines) < 0)
      return -1;
  }
  return 0;
}
