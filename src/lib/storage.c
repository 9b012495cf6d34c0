/* esxmad: shared by the transfer manager and datastore actions. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "one.h"
#include "storage.h"
#include "util.h"

const char one_store_prologue[] =
  "export LANG=C LC_ALL=C PATH=/bin:/sbin:/usr/bin:/usr/sbin:$PATH\n"
  "die () { echo \"$*\" >&2; exit 1; }\n"
  "note () { echo \"$*\" >&2; }\n";

one_ssh *
one_store_connect_conf (const one_conf *c, const char *host)
{
  ONE_AUTO (one_target) *t = one_conf_target (c, host);
  if (!t)
    return NULL;
  return one_ssh_connect (t);
}

one_ssh *
one_store_connect (const char *host, bool *usage)
{
  ONE_AUTO (one_conf) *c = one_conf_load_default ();
  *usage = false;
  if (!c) {
    *usage = true;
    return NULL;
  }
  if (c->password && *c->password)
    one_secret_register (c->password);
  ONE_AUTO (one_target) *t = one_conf_target (c, host);
  if (!t) {
    *usage = true;
    return NULL;
  }
  return one_ssh_connect (t);
}

const char *
one_store_vmdk_type (const char *format, const char *dflt)
{
  static const char *types[] = { "thin", "zeroedthick", "eagerzeroedthick" };
  if (!format || !*format)
    return dflt;
  for (const char *p = format; *p; p++)
    if (!(islower ((unsigned char) *p) || isdigit ((unsigned char) *p) ||
          *p == '_' || isupper ((unsigned char) *p))) {
      one_error ("disk format '%s': expected vmdk_thin, vmdk_zeroedthick "
                 "or vmdk_eagerzeroedthick", format);
      return NULL;
    }
  const char *t = format;
  if (!strncasecmp (t, "vmdk_", 5))
    t += 5;
  for (size_t i = 0; i < 3; i++)
    if (!strcasecmp (t, types[i]))
      return types[i];
  if (!strncasecmp (format, "vmdk_", 5)) {
    one_error ("disk format '%s': expected vmdk_thin, vmdk_zeroedthick or "
               "vmdk_eagerzeroedthick", format);
    return NULL;
  }
  /* raw, qcow2, ext4, swap...: ESX only has vmdk disks. */
  return "thin";
}

int
one_store_path (const char *what, const char *path, char **ds)
{
  if (one_vmfs_path_check (path, ds) < 0) {
    one_error_prefix ("%s", what);
    return -1;
  }
  return 0;
}

void
one_store_split (const char *path, char **dir, char **base)
{
  const char *s = strrchr (path, '/');
  if (!s) {
    *dir = one_xstrdup (".");
    *base = one_xstrdup (path);
  }
  else {
    *dir = s == path ? one_xstrdup ("/") : one_xstrndup (path, s - path);
    *base = one_xstrdup (s + 1);
  }
}

char *
one_store_random_hex (int n)
{
  unsigned char r[16];
  char *h;
  if (n > 16)
    n = 16;
  if (getrandom (r, n, 0) != n)
    for (int i = 0; i < n; i++)
      r[i] = (unsigned char) (one_now () * 1000003 + i);
  h = one_xmalloc (2 * n + 1);
  for (int i = 0; i < n; i++)
    snprintf (h + 2 * i, 3, "%02x", r[i]);
  return h;
}

int
one_store_script (one_ssh *s, const char *what, const char *vars,
                  const char *body, one_buf *out)
{
  ONE_AUTOFREE char *script = one_xasprintf ("%s%s%s", one_store_prologue,
                                             vars ? vars : "", body);
  return one_ssh_run_ok (s, what, "sh -s", script, strlen (script), out);
}

int
one_store_script_long (one_ssh *s, const char *what, const char *vars,
                       const char *body, one_buf *out)
{
  int saved = one_ssh_get_timeout (s);
  int longer = saved > 0 ? saved * 60 : 0;
  if (saved > 0 && longer < 3600)
    longer = 3600;
  one_ssh_set_timeout (s, longer);
  int r = one_store_script (s, what, vars, body, out);
  one_ssh_set_timeout (s, saved);
  return r;
}

const char one_store_mkdisk_body[] =
  "mkdir -p \"$dst\" || die \"cannot create folder $dst\"\n"
  "if [ -e \"$dst/disk.vmdk\" ]; then vmkfstools -U \"$dst/disk.vmdk\" "
  ">/dev/null 2>&1; fi\n"
  "rm -f \"$dst\"/*\n"
  "vmkfstools -c \"${size}M\" -d \"$type\" \"$dst/disk.vmdk\" >&2 || "
  "{ err=$?; vmkfstools -U \"$dst/disk.vmdk\" >/dev/null 2>&1; "
  "rm -rf \"$dst\"; die \"vmkfstools -c ${size}M -d $type failed (exit $err)\"; }\n"
  "[ -f \"$dst/disk.vmdk\" ] || die \"vmkfstools created no $dst/disk.vmdk\"\n"
  "note \"created $dst/disk.vmdk: ${size} MB, $type\"\n";

static int
rm_cb (const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st; (void) flag; (void) ftw;
  return remove (p) < 0 && errno != ENOENT ? -1 : 0;
}

void
one_store_rm_local (const char *path)
{
  if (path && *path)
    (void) nftw (path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

char *
one_store_local_tmpdir (const char *what)
{
  const char *base = getenv ("TMPDIR");
  char *d = one_xasprintf ("%s/esxmad-%s-XXXXXX", base && *base ? base
                           : "/var/tmp", what);
  if (!mkdtemp (d)) {
    one_error ("mkdtemp '%s': %s", d, strerror (errno));
    free (d);
    return NULL;
  }
  return d;
}

int
one_store_exec (char *const argv[], one_buf *out)
{
  int pfd[2];
  pid_t pid;
  int status;
  one_buf err = { 0 };
  if (pipe2 (pfd, O_CLOEXEC) < 0) {
    one_error ("pipe: %s", strerror (errno));
    return -1;
  }
  pid = fork ();
  if (pid < 0) {
    one_error ("fork: %s", strerror (errno));
    close (pfd[0]);
    close (pfd[1]);
    return -1;
  }
  if (pid == 0) {
    int devnull = open ("/dev/null", O_RDONLY);
    if (devnull >= 0)
      dup2 (devnull, 0);
    dup2 (pfd[1], 1);
    dup2 (pfd[1], 2);
    execvp (argv[0], argv);
    fprintf (stderr, "%s: %s\n", argv[0], strerror (errno));
    _exit (127);
  }
  close (pfd[1]);
  for (;;) {
    char buf[4096];
    ssize_t n = read (pfd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    one_buf_append (&err, buf, n);
  }
  close (pfd[0]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
    one_buf_rstrip (&err);
    for (size_t k = 0; k < err.len; k++)
      if (err.data[k] == '\n')
        err.data[k] = ' ';
    one_error ("%s: %s (exit %d)", argv[0], err.data ? err.data : "failed",
               WIFEXITED (status) ? WEXITSTATUS (status) : 128);
    one_buf_free (&err);
    return -1;
  }
  if (out && err.data)
    one_buf_append (out, err.data, err.len);
  one_buf_free (&err);
  return 0;
}
