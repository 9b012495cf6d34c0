/* tm/ln: link a persistent image into a VM's folder.
 *   ln <fe>:<SOURCE> <host>:/vmfs/volumes/<sys>/<vid>/disk.<i> <vid> <ds>
 * A disk folder: disk.<i>/ is created with a symbolic link to each file of
 * SOURCE (the VM writes to the image itself).  A CD-ROM file: the link
 * disk.<i>.iso points to SOURCE. */
#include <stdlib.h>

#include "esxmad.h"

static const char body[] =
  "mkdir -p \"$dir\" || die \"cannot create folder $dir\"\n"
  "if [ -d \"$src\" ] && [ -f \"$src/disk.vmdk\" ]; then\n"
  "  rm -rf \"$dst\" \"$dst.iso\" && mkdir \"$dst\" || die \"cannot create $dst\"\n"
  "  for f in \"$src\"/*; do\n"
  "    [ -f \"$f\" ] || continue\n"
  "    ln -s \"$f\" \"$dst/${f##*/}\" || die \"cannot link $f\"\n"
  "  done\n"
  "  note \"linked $src into $dst\"\n"
  "elif [ -f \"$src\" ]; then\n"
  "  rm -rf \"$dst.iso\"\n"
  "  ln -s \"$src\" \"$dst.iso\" || die \"cannot link $dst.iso\"\n"
  "  note \"linked CD-ROM image $src as $dst.iso\"\n"
  "else\n"
  "  die \"image source $src does not exist (or is neither a disk folder "
  "with disk.vmdk nor an ISO file)\"\n"
  "fi\n";

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "tm-ln",
    .args = "<fe>:<source> <host>:<dst> <vid> <ds>",
    .summary = "Link a persistent image (disk folder or ISO file) into a "
      "VM's folder on the host.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTOFREE char *fe = NULL, *src = NULL, *host = NULL, *dst = NULL;
  ONE_AUTOFREE char *dir = NULL, *base = NULL, *vars = NULL;
  bool usage;

  if (one_tm_split (argv[i], &fe, &src) < 0 ||
      one_tm_split (argv[i + 1], &host, &dst) < 0 ||
      one_store_path ("source", src, NULL) < 0 ||
      one_store_path ("destination", dst, NULL) < 0 ||
      one_tm_disk_id (dst) < 0)
    return one_fail (ONE_EXIT_USAGE);
  one_store_split (dst, &dir, &base);
  vars = one_shcmd ("src=%s dst=%s dir=%s\n", src, dst, dir);
  ONE_AUTO (one_ssh) *s = one_store_connect (host, &usage);
  if (!s)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  if (one_store_script (s, "ln", vars, body, NULL) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
