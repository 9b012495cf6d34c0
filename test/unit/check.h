/* esxmad: a minimal harness for the C unit tests.  CHECK() records a
 * failure with its location and goes on; main() ends with
 * "return check_done ();" which prints the count and exits 0 or 1. */
#ifndef ESXMAD_CHECK_H
#define ESXMAD_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures, check_count;

#define CHECK(cond)                                                       \
  do {                                                                    \
    check_count++;                                                        \
    if (!(cond)) {                                                        \
      check_failures++;                                                   \
      fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
               #cond);                                                    \
    }                                                                     \
  } while (0)

#define CHECK_STREQ(a, b)                                                 \
  do {                                                                    \
    const char *check_a_ = (a), *check_b_ = (b);                          \
    check_count++;                                                        \
    if (!check_a_ || !check_b_ || strcmp (check_a_, check_b_) != 0) {     \
      check_failures++;                                                   \
      fprintf (stderr, "%s:%d: %s == %s: got '%s', expected '%s'\n",      \
               __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",\
               check_b_ ? check_b_ : "(null)");                           \
    }                                                                     \
  } while (0)

static inline int
check_done (void)
{
  printf ("%d checks, %d failed\n", check_count, check_failures);
  return check_failures ? 1 : 0;
}

#endif
