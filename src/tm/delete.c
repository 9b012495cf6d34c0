/* tm/delete: remove a VM's folder or one of its disks.
 *   delete <host>:<path> <vid> <ds>
 * <path> must be /vmfs/volumes/<ds>/<vid> (the VM's folder) or
 * /vmfs/volumes/<ds>/<vid>/disk.<i> (a disk, with its .iso link); anything
 * else is refused, as is a path that leaves the datastore through a
 * symbolic link.  Links inside the folder (persistent images) are removed,
 * never what they point to.  A path already gone is not an error. */
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

static const char body[] =
  "dsdir=$(cd \"/vmfs/volumes/$ds\" 2>/dev/null && pwd -P) || "
  "die \"datastore /vmfs/volumes/$ds not found\"\n"
  "vmdir=\"/vmfs/volumes/$ds/$vid\"\n"
  "if [ \"$kind\" = disk ]; then\n"
  "  [ -L \"$vmdir\" ] && die \"refusing to delete $path: $vmdir is a "
  "symbolic link\"\n"
  "  [ -e \"$vmdir\" ] || { note \"$path: already gone\"; exit 0; }\n"
  "  [ -d \"$vmdir\" ] || die \"refusing to delete $path: $vmdir is not a "
  "folder\"\n"
  "  parent=$(cd \"$vmdir\" && pwd -P)\n"
  "  [ \"$parent\" = \"$dsdir/$vid\" ] || die \"refusing to delete $path: "
  "outside the datastore ($parent)\"\n"
  "  rm -f \"$path.iso\"\n"
  "fi\n"
  "if [ ! -e \"$path\" ] && [ ! -L \"$path\" ]; then note \"$path: already "
  "gone\"; exit 0; fi\n"
  "rm -rf \"$path\" || die \"cannot remove $path\"\n"
  "note \"deleted $path\"\n";

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "tm-delete",
    .args = "<host>:<path> <vid> <ds>",
    .summary = "Remove a VM's folder /vmfs/volumes/<ds>/<vid> or one of its "
      "disks, and nothing else.",
    .min_args = 3, .max_args = 3,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTOFREE char *host = NULL, *path = NULL, *ds = NULL, *vars = NULL;
  ONE_AUTOFREE char *vmdir = NULL;
  const char *vid = argv[i + 1], *kind;
  int64_t n;
  bool usage;

  if (one_tm_split (argv[i], &host, &path) < 0)
    return one_fail (ONE_EXIT_USAGE);
  if (one_parse_int64 (vid, 0, INT64_MAX, &n) < 0) {
    one_error ("vm id '%s': expected a number", vid);
    return one_fail (ONE_EXIT_USAGE);
  }
  while (strlen (path) > 1 && path[strlen (path) - 1] == '/')
    path[strlen (path) - 1] = 0;
  if (one_store_path ("delete", path, &ds) < 0)
    return one_fail (ONE_EXIT_USAGE);
  vmdir = one_xasprintf ("/vmfs/volumes/%s/%s", ds, vid);
  if (one_streq (path, vmdir))
    kind = "vm";
  else if (one_str_startswith (path, vmdir) && path[strlen (vmdir)] == '/' &&
           !strchr (path + strlen (vmdir) + 1, '/') &&
           one_tm_disk_id (path) >= 0)
    kind = "disk";
  else {
    one_error ("delete '%s': refused: only the VM's folder %s or a disk "
               "%s/disk.<i> can be deleted", path, vmdir, vmdir);
    return one_fail (ONE_EXIT_USAGE);
  }
  vars = one_shcmd ("path=%s ds=%s vid=%s kind=%s\n", path, ds, vid, kind);
  ONE_AUTO (one_ssh) *s = one_store_connect (host, &usage);
  if (!s)
    return one_fail (usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL);
  if (one_store_script (s, "delete", vars, body, NULL) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
