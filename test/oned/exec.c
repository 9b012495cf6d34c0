/* oned harness: running a driver program the way OpenNebula 4.4's Ruby
 * driver layer does (LocalCommand, get_info_from_execution,
 * OpenNebulaDriver#log), spec §2.1 and §9. */
#include "oned.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int violations;
bool trace;

void
violation (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("ONED PROTOCOL VIOLATION: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
  violations++;
}

void
proto (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
  fflush (stdout);
}

void
tracef (const char *fmt, ...)
{
  if (!trace) return;
  va_list ap;
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
}

/* A secret that must never appear in argv, stdout or stderr. */
static const char *
secret (void)
{
  static char *s;
  static int done;
  if (!done) {
    done = 1;
    const char *f = getenv ("ONED_SECRET_FILE");
    if (f && *f) {
      char *d = read_file (f, NULL);
      if (d) {
        s = strip (d);
        free (d);
        if (!*s) { free (s); s = NULL; }
      }
    }
  }
  return s;
}

char *
error_block (const char *err)
{
  static const char *open = "ERROR MESSAGE --8<------\n";
  static const char *close = "ERROR MESSAGE ------>8--";
  const char *p = err;
  /* the opening marker at the start of a line */
  for (;;) {
    p = strstr (p, open);
    if (!p) return NULL;
    if (p == err || p[-1] == '\n') break;
    p++;
  }
  const char *body = p + strlen (open);
  const char *q = body;
  for (;;) {
    q = strstr (q, close);
    if (!q) {
      violation ("ERROR MESSAGE block opened and never closed: oned gets '-'");
      return NULL;
    }
    if (q == body || q[-1] == '\n') break;
    q++;
  }
  char *raw = strndup (body, (size_t) (q - body));
  char *text = strip (raw);
  free (raw);
  if (strchr (text, '\n'))
    violation ("ERROR MESSAGE block text spans several lines: the reply "
               "would break across protocol lines: '%s'", text);
  return text;
}

void
relay_log (int id, const char *text)
{
  char *t = strip (text);
  bool in_block = false;
  char *save = NULL;
  for (char *line = strtok_r (t, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    char *l = strip (line);
    char sev = 'I';
    const char *msg = l;
    if (strcmp (l, "ERROR MESSAGE --8<------") == 0) { in_block = true; free (l); continue; }
    if (strcmp (l, "ERROR MESSAGE ------>8--") == 0) { in_block = false; free (l); continue; }
    if (in_block)
      sev = 'E';
    else if (strncmp (line, "ERROR:", 6) == 0) { sev = 'E'; msg = l + 6; }
    else if (strncmp (line, "DEBUG:", 6) == 0) { sev = 'D'; msg = l + 6; }
    else if (strncmp (line, "INFO:", 5) == 0) { msg = l + 5; }
    char *m = strip (msg);
    proto ("LOG %c %d %s", sev, id, m);
    free (m);
    free (l);
  }
  free (t);
}

/* oned's drivers run with oneadmin's environment, not the test's: keep
 * only what a MAD would have (and what sanitizers and debugging need),
 * so that nothing like LIBVIRT_AUTH_FILE or VMWARERC leaks into the
 * programs and hides a configuration bug. */
static void
scrub_env (void)
{
  static const char *keep[] = {
    "PATH=", "HOME=", "USER=", "LOGNAME=", "LANG=", "LC_ALL=", "TZ=", "TMPDIR=",
    "ONE_LOCATION=", "ONE_MAD_DEBUG=", "ESXMAD_", "ASAN_OPTIONS=", "UBSAN_OPTIONS=",
    "LSAN_OPTIONS=", "MALLOC_", "GLIBC_TUNABLES=", "LD_PRELOAD=", "ONED_REMOTE_LINE=",
    NULL
  };
  extern char **environ;
  const char *extra = getenv ("ONED_PASS_ENV");   /* "A,B,C" */
  char **kept = xcalloc (sizeof (char *) * 64);
  int n = 0;
  for (char **e = environ; *e && n < 63; e++) {
    bool k = false;
    for (int i = 0; keep[i] && !k; i++) k = strncmp (*e, keep[i], strlen (keep[i])) == 0;
    if (!k && extra) {
      size_t nl = strcspn (*e, "=");
      for (const char *p = extra; *p && !k;) {
        size_t l = strcspn (p, ",");
        k = l == nl && strncmp (p, *e, l) == 0;
        p += l + (p[l] == ',');
      }
    }
    if (k) kept[n++] = *e;
  }
  environ = kept;
  if (!getenv ("PATH")) setenv ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
}

static void
drain (int fd, buf *b, bool *open_)
{
  char tmp[4096];
  ssize_t n = read (fd, tmp, sizeof tmp);
  if (n > 0) buf_add (b, tmp, (size_t) n);
  else if (n == 0 || (errno != EINTR && errno != EAGAIN)) *open_ = false;
}

void
run_action (const char *cmd, int id, int mode, bool relay_always, result *r)
{
  bool raw = mode & INFO_RAW;
  memset (r, 0, sizeof *r);
  const char *sec = secret ();
  if (sec && strstr (cmd, sec)) violation ("a password appears in the command line");

  char *full = xasprintf ("%s ; echo ExitCode: $? 1>&2", cmd);
  int po[2], pe[2];
  if (pipe (po) < 0 || pipe (pe) < 0) die ("pipe: %s", strerror (errno));
  double t0 = now ();
  tracef ("    $ %s", cmd);
  pid_t pid = fork ();
  if (pid < 0) die ("fork: %s", strerror (errno));
  if (pid == 0) {
    int nul = open ("/dev/null", O_RDONLY);
    dup2 (nul, 0);
    dup2 (po[1], 1);
    dup2 (pe[1], 2);
    close (po[0]); close (pe[0]); close (po[1]); close (pe[1]);
    scrub_env ();
    execl ("/bin/sh", "sh", "-c", full, (char *) NULL);
    _exit (127);
  }
  free (full);
  close (po[1]);
  close (pe[1]);
  buf out = { 0 }, err = { 0 };
  bool oo = true, eo = true;
  while (oo || eo) {
    struct pollfd f[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
    if (poll (f, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die ("poll: %s", strerror (errno));
    }
    if (oo && (f[0].revents & (POLLIN | POLLHUP | POLLERR))) drain (po[0], &out, &oo);
    if (eo && (f[1].revents & (POLLIN | POLLHUP | POLLERR))) drain (pe[0], &err, &eo);
  }
  close (po[0]);
  close (pe[0]);
  int st;
  while (waitpid (pid, &st, 0) < 0 && errno == EINTR) {}
  r->secs = now () - t0;
  r->out = buf_take (&out);
  r->err = buf_take (&err);

  /* ExitCode: the first "^ExitCode: (\d*)$" line wins; ours is the last. */
  int count = 0, code = 255;
  char *last = NULL;
  for (char *p = r->err; p && *p;) {
    char *nl = strchr (p, '\n');
    size_t ll = nl ? (size_t) (nl - p) : strlen (p);
    if (ll >= 10 && strncmp (p, "ExitCode: ", 10) == 0
        && strspn (p + 10, "0123456789") == ll - 10) {
      if (count == 0) code = atoi (p + 10);
      count++;
      last = p;
    }
    p = nl ? nl + 1 : NULL;
  }
  if (count > 1)
    violation ("the program printed an 'ExitCode: N' line on stderr: it "
               "overrides its real exit status (%d counted)", code);
  if (last) *last = 0;   /* drop our own line */
  r->code = code;
  r->success = code == 0;

  /* not oned's concern, but a test's: sanitizer reports (make check-asan)
   * would otherwise vanish with the stderr of a successful action */
  static const char *san[] = { "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                               "WARNING: ThreadSanitizer", NULL };
  bool sanitizer = false;
  for (int i = 0; san[i]; i++)
    if (strstr (r->err, san[i])) sanitizer = true;
  /* UBSan: "file.c:LINE:COL: runtime error: ..." */
  for (const char *p = r->err; (p = strstr (p, ": runtime error: ")); p++)
    if (p > r->err && p[-1] >= '0' && p[-1] <= '9') sanitizer = true;
  if (sanitizer)
    violation ("sanitizer report on stderr of '%s':\n%s", cmd, r->err);

  if (sec && (strstr (r->out, sec) || strstr (r->err, sec)))
    violation ("a password appears in the program's output");

  if (r->success) {
    if (raw) {
      size_t n = strlen (r->out);
      char *o = xstrdup (r->out);
      if (n && o[n - 1] == '\n') o[n - 1] = 0;
      if (strchr (o, '\n') && !(mode & INFO_MULTILINE))
        violation ("stdout has more than one line: the second one becomes a "
                   "stray protocol line for oned: '%s'", r->out);
      r->info = o;
    } else {
      r->info = strip (r->out);
      if (strchr (r->info, '\n') && !(mode & INFO_MULTILINE))
        violation ("stdout has several lines: the reply would break across "
                   "protocol lines: '%s'", r->info);
    }
  } else {
    r->info = error_block (r->err);
    if (!r->info && !(mode & INFO_NO_BLOCK))
      violation ("failed (exit %d) without an ERROR MESSAGE block: oned only "
                 "shows '-'", code);
  }
  if (!r->info || !*r->info) {
    free (r->info);
    r->info = xstrdup ("-");
  }
  tracef ("      exit %d, %.2fs", code, r->secs);
  if (trace && *r->err) {
    char *e = strip (r->err);
    char *save = NULL;
    for (char *l = strtok_r (e, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
      fprintf (stderr, "      | %s\n", l);
    free (e);
  }
  if (!r->success || relay_always) {
    if (!r->success) {
      char *m = xasprintf ("Command execution fail: %s", cmd);
      relay_log (id, m);
      free (m);
    }
    relay_log (id, r->err);
  }
}

void
result_free (result *r)
{
  free (r->info);
  free (r->out);
  free (r->err);
  memset (r, 0, sizeof *r);
}
