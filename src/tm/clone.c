/* tm/clone: copy an image to a VM's disk on the host.
 *   clone <fe>:<SOURCE> <host>:/vmfs/volumes/<sys>/<vid>/disk.<i> <vid> <ds>
 * A SOURCE folder holding disk.vmdk is a hard disk: cloned with vmkfstools
 * -i, keeping the source's provisioning (thin stays thin, thick becomes
 * zeroedthick).  A SOURCE file is a CD-ROM image: copied to disk.<i>, with
 * the link disk.<i>.iso. */
#include <stdlib.h>

#include "esxmad.h"

static const char body[] =
  "[ -e \"$dst\" ] || [ -L \"$dst\" ] || [ -d \"$dir\" ] || mkdir -p \"$dir\" "
  "|| die \"cannot create folder $dir\"\n"
  "if [ -d \"$src\" ] && [ -f \"$src/disk.vmdk\" ]; then\n"
  "  fmt=$want\n"
  "  if [ -z \"$fmt\" ]; then\n"
  "    if grep -q '^ddb.thinProvisioned *= *\"1\"' \"$src/disk.vmdk\"; then "
  "fmt=thin; else fmt=zeroedthick; fi\n"
  "  fi\n"
  "  if [ -e \"$dst/disk.vmdk\" ]; then vmkfstools -U \"$dst/disk.vmdk\" "
  ">/dev/null 2>&1; fi\n"
  "  rm -rf \"$dst\" \"$dst.iso\" && mkdir \"$dst\" || die \"cannot create $dst\"\n"
  "  vmkfstools -i \"$src/disk.vmdk\" -d \"$fmt\" \"$dst/disk.vmdk\" >&2 || "
  "{ vmkfstools -U \"$dst/disk.vmdk\" >/dev/null 2>&1; rm -rf \"$dst\"; "
  "die \"vmkfstools -i '$src/disk.vmdk' -d $fmt failed\"; }\n"
  "  note \"cloned $src ($fmt) to $dst\"\n"
  "elif [ -f \"$src\" ]; then\n"
  "  rm -rf \"$dst\" \"$dst.iso\"\n"
  "  cp \"$src\" \"$dst.part\" && mv \"$dst.part\" \"$dst\" || "
  "{ rm -f \"$dst.part\"; die \"cannot copy $src to $dst\"; }\n"
  "  ln -s \"$base\" \"$dst.iso\" || die \"cannot link $dst.iso\"\n"
  "  note \"copied CD-ROM image $src to $dst\"\n"
  "else\n"
  "  die \"image source $src does not exist (or is neither a disk folder "
  "with disk.vmdk nor an ISO file)\"\n"
  "fi\n";

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "tm-clone",
    .args = "<fe>:<source> <host>:<dst> <vid> <ds>",
    .summary = "Clone an image (disk folder or ISO file) to a VM's disk "
      "disk.<i> on the host.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTOFREE char *fe = NULL, *src = NULL, *host = NULL, *dst = NULL;
  ONE_AUTOFREE char *dir = NULL, *base = NULL, *vars = NULL;
  const char *want = getenv ("ESXMAD_CLONE_FORMAT");
  bool usage;

  if (one_tm_split (argv[i], &fe, &src) < 0 ||
      one_tm_split (argv[i + 1], &host, &dst) < 0 ||
      one_store_path ("source", src, NULL) < 0 ||
      one_store_path ("destination", dst, NULL) < 0 ||
      one_tm_disk_id (dst) < 0)
    return one_fail (ONE_EXIT_USAGE);
  if (want && *want && !(want = one_store_vmdk_type (want, NULL)))
    return one_fail (ONE_EXIT_USAGE);
  one_store_split (dst, &dir, &base);
  vars = one_shcmd ("src=%s dst=%s dir=%s base=%s want=%s\n", src, dst, dir,
                    base, want ? want : "");
  ONE_AUTO (one_ssh) *s = one_store_connect (host, &usage);
  if (!s)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  if (one_store_script_long (s, "clone", vars, body, NULL) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
