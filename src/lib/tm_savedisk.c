/* tm/mvds and tm/cpds share this: save a VM's disk back to the image
 * datastore (save-as).
 *   mvds|cpds <host>:/vmfs/volumes/<sys>/<vid>/disk.<i> <SOURCE> <vid> <ds>
 * The disk is cloned with vmkfstools -i (keeping its provisioning) to a
 * temporary folder next to SOURCE, renamed to SOURCE only when complete.
 * A persistent disk (links to the image) and a CD-ROM are left alone. */
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

static const char body[] =
  "if [ -L \"$src/disk.vmdk\" ]; then note \"$src is the image itself "
  "(persistent): not copying\"; exit 0; fi\n"
  "if [ -L \"$src.iso\" ] || [ -f \"$src\" ]; then note \"$src is a CD-ROM: "
  "not copying\"; exit 0; fi\n"
  "[ -f \"$src/disk.vmdk\" ] || die \"disk $src/disk.vmdk does not exist\"\n"
  "if [ -e \"$dst\" ]; then\n"
  "  [ -d \"$dst\" ] && [ -z \"$(ls -A \"$dst\")\" ] || die \"image $dst "
  "already exists\"\n"
  "fi\n"
  "mkdir -p \"$ddir\" || die \"cannot create $ddir\"\n"
  "if grep -q '^ddb.thinProvisioned *= *\"1\"' \"$src/disk.vmdk\"; then "
  "fmt=thin; else fmt=zeroedthick; fi\n"
  "rm -rf \"$tmp\"; mkdir \"$tmp\" || die \"cannot create $tmp\"\n"
  "vmkfstools -i \"$src/disk.vmdk\" -d \"$fmt\" \"$tmp/disk.vmdk\" >&2 || "
  "{ vmkfstools -U \"$tmp/disk.vmdk\" >/dev/null 2>&1; rm -rf \"$tmp\"; "
  "die \"vmkfstools -i '$src/disk.vmdk' failed\"; }\n"
  "chmod 0770 \"$tmp\"\n"
  "if [ -d \"$dst\" ]; then rmdir \"$dst\" || { rm -rf \"$tmp\"; die \"cannot "
  "replace $dst\"; }; fi\n"
  "mv \"$tmp\" \"$dst\" || { rm -rf \"$tmp\"; die \"cannot rename $tmp to "
  "$dst\"; }\n"
  "note \"saved $src to $dst ($fmt)\"\n";

int
one_tm_save_disk (const char *name, int argc, char **argv)
{
  const struct one_prog prog = {
    .name = name,
    .args = "<host>:<disk> <source> <vid> <ds>",
    .summary = "Save a VM's disk to the image datastore (save-as), as a new "
      "image folder SOURCE.",
    .min_args = 4, .max_args = 5,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTOFREE char *host = NULL, *src = NULL, *fe = NULL, *dst = NULL;
  ONE_AUTOFREE char *ddir = NULL, *dbase = NULL, *tmp = NULL, *vars = NULL;
  ONE_AUTOFREE char *rnd = one_store_random_hex (4);
  const char *d = argv[i + 1];
  bool usage;

  if (one_tm_split (argv[i], &host, &src) < 0)
    return one_fail (ONE_EXIT_USAGE);
  /* SOURCE comes bare, or as <fe>:<SOURCE>. */
  if (d[0] != '/' && strchr (d, ':')) {
    if (one_tm_split (d, &fe, &dst) < 0)
      return one_fail (ONE_EXIT_USAGE);
  }
  else
    dst = one_xstrdup (d);
  if (one_store_path ("disk", src, NULL) < 0 ||
      one_tm_disk_id (src) < 0 || one_store_path ("image", dst, NULL) < 0)
    return one_fail (ONE_EXIT_USAGE);
  one_store_split (dst, &ddir, &dbase);
  tmp = one_xasprintf ("%s/.%s.esxmad-part-%s", ddir, dbase, rnd);
  vars = one_shcmd ("src=%s dst=%s ddir=%s tmp=%s\n", src, dst, ddir, tmp);
  ONE_AUTO (one_ssh) *s = one_store_connect (host, &usage);
  if (!s)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  if (one_store_script_long (s, "save disk", vars, body, NULL) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
