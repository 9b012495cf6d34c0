/* Runs a libFuzzer target over files given on the command line (or every
 * file in the directories given), without libFuzzer: the regression run of
 * the fuzz corpora in `make check`, built with the normal compiler. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "esxmad.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
run_file (const char *path)
{
  char *data = NULL;
  size_t len = 0;
  if (one_read_file (path, 64 << 20, &data, &len) < 0) {
    fprintf (stderr, "%s\n", one_errmsg ());
    return -1;
  }
  /* Give the target its own exact-size copy so ASan sees overreads. */
  uint8_t *copy = one_xmalloc (len ? len : 1);
  memcpy (copy, data, len);
  LLVMFuzzerTestOneInput (copy, len);
  free (copy);
  free (data);
  one_error_reset ();
  return 0;
}

int
main (int argc, char **argv)
{
  int n = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat (argv[i], &st) < 0) {
      perror (argv[i]);
      return 1;
    }
    if (S_ISDIR (st.st_mode)) {
      struct dirent **ents;
      int k = scandir (argv[i], &ents, NULL, alphasort);
      if (k < 0) {
        perror (argv[i]);
        return 1;
      }
      for (int j = 0; j < k; j++) {
        if (ents[j]->d_name[0] != '.') {
          char *p = one_xasprintf ("%s/%s", argv[i], ents[j]->d_name);
          if (run_file (p) < 0)
            return 1;
          n++;
          free (p);
        }
        free (ents[j]);
      }
      free (ents);
    }
    else {
      if (run_file (argv[i]) < 0)
        return 1;
      n++;
    }
  }
  printf ("%d inputs run\n", n);
  return 0;
}
