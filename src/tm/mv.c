/* tm/mv: move a VM's folder between hosts (stop, undeploy, resume, cold
 * migration).
 *   mv <host_a>:<dir> <host_b>:<dir> <vid> <ds>
 * When both hosts see the same datastore (the uuid /vmfs/volumes/<ds>
 * resolves to is the same) there is nothing to move.  Otherwise the files
 * are copied over SFTP through the front-end into a temporary folder on
 * host_b, renamed into place when complete, and removed from host_a;
 * symbolic links (persistent images, .iso links) are recreated. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esxmad.h"

static char *
ds_uuid (one_ssh *s, const char *ds)
{
  ONE_AUTOFREE char *p = one_xasprintf ("/vmfs/volumes/%s", ds);
  char *r = one_ssh_realpath (s, p);
  return r;
}

static int
copy_tree (one_ssh *a, one_ssh *b, const char *src, const char *dst,
           const char *tmp)
{
  one_buf out = { 0 };
  ONE_AUTOFREE char *vars = one_shcmd ("src=%s\n", src);
  ONE_AUTOFREE char *local = one_store_local_tmpdir ("mv");
  int rc = -1;
  if (!local)
    return -1;
  if (one_store_script (a, "list VM folder", vars,
                        "cd \"$src\" || die \"no folder $src\"\n"
                        "find . -type d | sed 's/^/d /'\n"
                        "find . -type f | sed 's/^/f /'\n"
                        "find . -type l | while read -r l; do "
                        "echo \"l $l\"; echo \"t $(readlink \"$l\")\"; done\n",
                        &out) < 0)
    goto out;
  if (one_ssh_mkdir_p (b, tmp) < 0)
    goto out;
  char *save = NULL, *link = NULL;
  for (char *line = strtok_r (out.data ? out.data : (char *) "", "\n", &save);
       line; line = strtok_r (NULL, "\n", &save)) {
    const char *rel = line + 4;     /* "X ./" */
    if (strlen (line) < 4 || strncmp (line + 1, " ./", 3)) {
      if (line[0] == 'd' && !strcmp (line, "d ."))
        continue;
      if (line[0] != 't') {
        one_error ("mv: unexpected listing line '%s'", line);
        goto out;
      }
    }
    ONE_AUTOFREE char *to = one_xasprintf ("%s/%s", tmp, rel);
    if (line[0] == 'd') {
      if (one_ssh_mkdir_p (b, to) < 0)
        goto out;
    }
    else if (line[0] == 'f') {
      ONE_AUTOFREE char *from = one_xasprintf ("%s/%s", src, rel);
      ONE_AUTOFREE char *lf = one_xasprintf ("%s/file", local);
      one_ssh_progress p = { .what = from };
      if (one_ssh_download_file (a, from, lf, NULL, NULL) < 0 ||
          one_ssh_upload_file (b, lf, to, one_ssh_progress_stderr, &p) < 0)
        goto out;
      unlink (lf);
    }
    else if (line[0] == 'l') {
      free (link);
      link = one_xstrdup (rel);
    }
    else if (line[0] == 't' && link) {
      ONE_AUTOFREE char *lv = one_shcmd ("t=%s l=%s\n", line + 2, link);
      ONE_AUTOFREE char *tv = one_shcmd ("tmp=%s ", tmp);
      ONE_AUTOFREE char *v2 = one_xasprintf ("%s%s", tv, lv);
      if (one_store_script (b, "mv link", v2,
                            "cd \"$tmp\" && ln -s \"$t\" \"$l\" || die "
                            "\"cannot link $l\"\n", NULL) < 0)
        goto out;
      free (link);
      link = NULL;
    }
  }
  free (link);
  {
    ONE_AUTOFREE char *v = one_shcmd ("tmp=%s dst=%s\n", tmp, dst);
    if (one_store_script (b, "mv", v,
                          "[ -e \"$dst\" ] && { [ -z \"$(ls -A \"$dst\")\" ] "
                          "&& rmdir \"$dst\" || die \"$dst already exists\"; }\n"
                          "mv \"$tmp\" \"$dst\" || die \"cannot rename $tmp\"\n",
                          NULL) < 0)
      goto out;
  }
  rc = 0;
 out:
  if (rc < 0) {
    ONE_AUTOFREE char *v = one_shcmd ("tmp=%s\n", tmp);
    ONE_AUTOFREE char *saved = one_xstrdup (one_errmsg ());
    (void) one_store_script (b, "mv cleanup", v, "rm -rf \"$tmp\"\n", NULL);
    one_error ("%s", saved ? saved : "mv failed");
  }
  one_store_rm_local (local);
  one_buf_free (&out);
  return rc;
}

int
main (int argc, char **argv)
{
  static const struct one_prog prog = {
    .name = "tm-mv",
    .args = "<host_a>:<dir> <host_b>:<dir> <vid> <ds>",
    .summary = "Move a VM's folder from one host to another; nothing to do "
      "when both see the same datastore.",
    .min_args = 4, .max_args = 4,
  };
  int i = one_prog_init (&prog, argc, argv);
  ONE_AUTOFREE char *ha = NULL, *pa = NULL, *hb = NULL, *pb = NULL;
  ONE_AUTOFREE char *dsa = NULL, *dsb = NULL, *ua = NULL, *ub = NULL;
  ONE_AUTOFREE char *pdir = NULL, *pbase = NULL, *tmp = NULL, *rnd = NULL;

  if (one_tm_split (argv[i], &ha, &pa) < 0 ||
      one_tm_split (argv[i + 1], &hb, &pb) < 0 ||
      one_store_path ("source", pa, &dsa) < 0 ||
      one_store_path ("destination", pb, &dsb) < 0)
    return one_fail (ONE_EXIT_USAGE);
  if (one_streq (ha, hb) && one_streq (pa, pb)) {
    one_debug ("mv: same host and path, nothing to do");
    return ONE_EXIT_OK;
  }
  ONE_AUTO (one_conf) *c = one_conf_load_default ();
  if (!c)
    return one_fail (ONE_EXIT_USAGE);
  if (c->password && *c->password)
    one_secret_register (c->password);
  ONE_AUTO (one_ssh) *a = one_store_connect_conf (c, ha);
  if (!a)
    return one_fail (ONE_EXIT_FAIL);
  ONE_AUTO (one_ssh) *b = one_store_connect_conf (c, hb);
  if (!b)
    return one_fail (ONE_EXIT_FAIL);
  if (!(ua = ds_uuid (a, dsa)) || !(ub = ds_uuid (b, dsb)))
    return one_fail (ONE_EXIT_FAIL);
  if (one_streq (ua, ub) && one_streq (pa, pb)) {
    one_log ("mv: %s and %s share datastore %s (%s): nothing to move", ha, hb,
             dsa, ua);
    return ONE_EXIT_OK;
  }
  one_ssh_stat_t st;
  int r = one_ssh_stat (a, pa, false, &st);
  if (r < 0)
    return one_fail (ONE_EXIT_FAIL);
  if (r == 1) {
    one_log ("mv: %s:%s does not exist: nothing to move", ha, pa);
    return ONE_EXIT_OK;
  }
  rnd = one_store_random_hex (4);
  one_store_split (pb, &pdir, &pbase);
  tmp = one_xasprintf ("%s/.%s.esxmad-part-%s", pdir, pbase, rnd);
  one_log ("mv: copying %s:%s to %s:%s", ha, pa, hb, pb);
  if (copy_tree (a, b, pa, pb, tmp) < 0)
    return one_fail (ONE_EXIT_FAIL);
  ONE_AUTOFREE char *v = one_shcmd ("src=%s\n", pa);
  if (one_store_script (a, "mv remove source", v, "rm -rf \"$src\"\n", NULL) < 0)
    return one_fail (ONE_EXIT_FAIL);
  return ONE_EXIT_OK;
}
