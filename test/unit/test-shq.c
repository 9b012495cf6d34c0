/* The quoting function round-trips hostile strings through a real busybox
 * sh (the shell ESX runs), and one_shcmd quotes every %s. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "esxmad.h"
#include "check.h"

/* Run "printf %s <quoted>" in busybox sh and return what it printed. */
static char *
roundtrip (const char *sh, const char *s)
{
  ONE_AUTOFREE char *q = one_shq (s);
  ONE_AUTOFREE char *script = one_xasprintf ("printf %%s %s", q);
  int pfd[2];
  if (pipe (pfd) < 0)
    abort ();
  pid_t pid = fork ();
  if (pid == 0) {
    dup2 (pfd[1], 1);
    close (pfd[0]);
    execl (sh, "sh", "-c", script, (char *) NULL);
    _exit (127);
  }
  close (pfd[1]);
  one_buf out = { 0 };
  char tmp[4096];
  ssize_t r;
  while ((r = read (pfd[0], tmp, sizeof tmp)) > 0)
    one_buf_append (&out, tmp, r);
  close (pfd[0]);
  int st;
  waitpid (pid, &st, 0);
  if (!WIFEXITED (st) || WEXITSTATUS (st) != 0) {
    one_buf_free (&out);
    return NULL;
  }
  return one_buf_steal (&out);
}

int
main (void)
{
  const char *sh = "/bin/busybox";
  if (access (sh, X_OK) != 0) {
    printf ("skip: no busybox\n");
    return 77;
  }
  /* busybox run as "sh" via argv[0] is its ash. */
  const char *hostile[] = {
    "", " ", "plain", "two words", "it's", "''", "'", "\"", "\"'\"",
    "$(touch /tmp/esxmad-canary)", "`id`", "a;b", "a|b", "a&b", "a&&b",
    "x\ny\nz", "\n", "tab\there", "back\\slash", "\\'", "$HOME", "${HOME}",
    "*", "?", "[a-z]", "~", "~root", "!", "#comment", "-n", "--", "-e \\n",
    "ünïcödé ☃", "日本語", "\x01\x02\x7f", "trailing\\", "%s%d%n",
    "a'b'c'd", "' ; touch /tmp/esxmad-canary ; '", "\"$(id)\"", "> /tmp/x",
    "< /etc/passwd", "(sub)", "{a,b}", "=", "a=b", NULL,
  };
  unlink ("/tmp/esxmad-canary");
  for (int i = 0; hostile[i]; i++) {
    ONE_AUTOFREE char *got = roundtrip (sh, hostile[i]);
    CHECK (got != NULL);
    if (got && strcmp (got, hostile[i]) != 0)
      fprintf (stderr, "round trip %d differs: '%s' -> '%s'\n", i, hostile[i], got);
    CHECK (got && strcmp (got, hostile[i]) == 0);
  }
  CHECK (access ("/tmp/esxmad-canary", F_OK) != 0);

  ONE_AUTOFREE char *q1 = one_shq ("it's");
  CHECK_STREQ (q1, "'it'\\''s'");
  ONE_AUTOFREE char *q2 = one_shq ("");
  CHECK_STREQ (q2, "''");
  ONE_AUTOFREE char *c1 = one_shcmd ("mkdir -p %s && ls %s | wc -l; echo %d%%",
                                     "/vmfs/volumes/0/1 2", "$(x)", 42);
  CHECK_STREQ (c1, "mkdir -p '/vmfs/volumes/0/1 2' && ls '$(x)' | wc -l; echo 42%");
  ONE_AUTOFREE char *c2 = one_shcmd ("%q", "x");
  CHECK (c2 == NULL && one_errmsg () != NULL);
  return check_done ();
}
