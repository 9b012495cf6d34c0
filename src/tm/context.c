/* tm/context: build a VM's context CD-ROM and put it on the host.
 *   context <context.sh> [<file>[:<name>] ...] <host>:/vmfs/volumes/<sys>/<vid>/disk.<i> <vid> <ds>
 * The ISO (volume label CONTEXT, Joliet and Rock Ridge) holds context.sh
 * and the listed files (renamed to <name> when given); it is built with
 * genisoimage in a private temporary folder on the front-end, uploaded over
 * SFTP to a temporary name, renamed to disk.<i>, and linked as
 * disk.<i>.iso. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "esxmad.h"

static int
add_file (const char *root, const char *spec, bool is_ctx)
{
  ONE_AUTOFREE char *file = one_xstrdup (spec);
  ONE_AUTOFREE char *name = NULL, *dest = NULL;
  char *colon = is_ctx ? NULL : strchr (file, ':');
  if (colon) {
    *colon = 0;
    name = one_xstrdup (colon + 1);
    size_t n = strlen (name);
    if (n >= 2 && name[0] == '\'' && name[n - 1] == '\'') {
      memmove (name, name + 1, n - 2);
      name[n - 2] = 0;
    }
  }
  else {
    const char *b = strrchr (file, '/');
    name = one_xstrdup (is_ctx ? "context.sh" : b ? b + 1 : file);
  }
  if (one_str_startswith (file, "http://") ||
      one_str_startswith (file, "https://")) {
    one_error ("context file '%s': URLs are not supported, register the "
               "file as a FILE image instead", file);
    return -1;
  }
  if (!*name || strchr (name, '/') || !strcmp (name, ".") ||
      !strcmp (name, "..")) {
    one_error ("context file '%s': bad name '%s' in the ISO", spec, name);
    return -1;
  }
  dest = one_xasprintf ("%s/%s", root, name);
  char *argv[] = { "cp", "-R", "--", file, dest, NULL };
  if (one_store_exec (argv, NULL) < 0) {
    one_error_prefix ("context file '%s'", file);
    return -1;
  }
  return 0;
}

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "tm-context",
    .args = "<context.sh> [<file>[:<name>] ...] <host>:<dst> <vid> <ds>",
    .summary = "Build the context ISO (CONTEXT, Joliet + Rock Ridge) on the "
      "front-end and upload it to the host as disk.<i> with the link "
      "disk.<i>.iso.",
    .min_args = 4, .max_args = -1,
  };
  int i = one_prog_init (&prog, argc, argv);
  int n = argc - i, rc = ONE_EXIT_FAIL;
  ONE_AUTOFREE char *host = NULL, *dst = NULL, *dir = NULL, *base = NULL;
  ONE_AUTOFREE char *tmp = NULL, *root = NULL, *iso = NULL, *vars = NULL;
  bool usage;

  if (one_tm_split (argv[i + n - 3], &host, &dst) < 0 ||
      one_store_path ("destination", dst, NULL) < 0 ||
      one_tm_disk_id (dst) < 0)
    return one_fail (ONE_EXIT_USAGE);
  one_store_split (dst, &dir, &base);
  if (!(tmp = one_store_local_tmpdir ("context")))
    return one_fail (ONE_EXIT_FAIL);
  root = one_xasprintf ("%s/iso", tmp);
  iso = one_xasprintf ("%s/context.iso", tmp);
  if (mkdir (root, 0700) < 0) {
    one_error ("mkdir '%s': failed", root);
    goto out;
  }
  for (int k = 0; k < n - 3; k++)
    if (add_file (root, argv[i + k], k == 0) < 0)
      goto out;
  {
    char *gargv[] = { "genisoimage", "-quiet", "-o", iso, "-V", "CONTEXT",
                      "-J", "-R", root, NULL };
    if (one_store_exec (gargv, NULL) < 0)
      goto out;
  }
  {
    ONE_AUTO (one_ssh) *s = one_store_connect (host, &usage);
    if (!s) {
      rc = usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL;
      goto out;
    }
    vars = one_shcmd ("dst=%s dir=%s base=%s\n", dst, dir, base);
    if (one_store_script (s, "context", vars,
                          "mkdir -p \"$dir\" || die \"cannot create $dir\"\n"
                          "rm -rf \"$dst\" \"$dst.iso\"\n", NULL) < 0 ||
        one_ssh_upload_file (s, iso, dst, NULL, NULL) < 0 ||
        one_store_script (s, "context", vars,
                          "ln -s \"$base\" \"$dst.iso\" || die \"cannot link "
                          "$dst.iso\"\n", NULL) < 0)
      goto out;
  }
  rc = ONE_EXIT_OK;
 out:
  one_store_rm_local (tmp);
  return rc == ONE_EXIT_OK ? rc : one_fail (rc);
}
