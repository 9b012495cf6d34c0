/* esxmad: scope-bound cleanup, in the style of nbdkit's CLEANUP_FREE and
 * GLib's g_autofree.  A variable declared ONE_AUTOFREE is free()d when it
 * goes out of scope; one_steal_pointer() hands ownership on. */
#ifndef ESXMAD_CLEANUP_H
#define ESXMAD_CLEANUP_H

#include <stdlib.h>

static inline void
one_cleanup_free (void *ptr)
{
  free (*(void **) ptr);
}

#define ONE_AUTOFREE __attribute__ ((cleanup (one_cleanup_free)))

/* ONE_AUTO(one_ssh) *s = NULL;  calls one_ssh_free(s) at scope end.
 * Each type declares its cleanup with ONE_DEFINE_AUTO(type). */
#define ONE_AUTO(type) __attribute__ ((cleanup (type##_autoptr_cleanup))) type
#define ONE_DEFINE_AUTO(type)                                         \
  static inline void type##_autoptr_cleanup (type **p)                \
  {                                                                   \
    if (*p)                                                           \
      type##_free (*p);                                               \
  }

static inline void *
one_steal_pointer_ (void *pp)
{
  void **p = pp;
  void *v = *p;
  *p = NULL;
  return v;
}
#define one_steal_pointer(pp) ((__typeof__ (*(pp))) one_steal_pointer_ (pp))

#endif
