/* tm/mvds: save a VM's disk back to the image datastore (save-as); the
 * work is one_tm_save_disk (src/lib/tm_savedisk.c), shared with tm/cpds. */
#include "esxmad.h"

int
main (int argc, char **argv)
{
  return one_tm_save_disk ("tm-mvds", argc, argv);
}
