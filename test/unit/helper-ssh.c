/* Test helper: drive src/lib/ssh.c from shell tests.
 * Target from the environment: SSHT_ADDR SSHT_PORT SSHT_USER SSHT_KEY
 * SSHT_KH SSHT_TIMEOUT.
 *   helper-ssh run CMD [STDIN_FILE]   exit = remote status, 255 = failure
 *   helper-ssh runok CMD              exit 0, or 1 with the error
 *   helper-ssh upload LOCAL REMOTE | download REMOTE LOCAL
 *   helper-ssh upload-mem TEXT REMOTE | mkdir P | stat P | readlink P
 *   helper-ssh remove P | rename A B | realpath P */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "esxmad.h"

static const char *
env (const char *k, const char *def)
{
  const char *v = getenv (k);
  return v && *v ? v : def;
}

int
main (int argc, char **argv)
{
  one_target t = { 0 };
  ONE_AUTO (one_ssh) *s = NULL;
  int rc = 0;

  one_progname = "helper-ssh";
  if (argc < 3) {
    fprintf (stderr, "usage: helper-ssh OP ARGS...\n");
    return 2;
  }
  t.host = (char *) env ("SSHT_HOST", "testhost");
  t.address = (char *) env ("SSHT_ADDR", "127.0.0.1");
  t.ssh_port = atoi (env ("SSHT_PORT", "22"));
  t.ssh_user = (char *) env ("SSHT_USER", "root");
  t.ssh_identity = (char *) env ("SSHT_KEY", NULL);
  t.ssh_known_hosts = (char *) env ("SSHT_KH", NULL);
  t.timeout = atoi (env ("SSHT_TIMEOUT", "30"));
  s = one_ssh_connect (&t);
  if (!s)
    return one_fail (255);
  if (!strcmp (argv[1], "run")) {
    one_buf out = { 0 }, err = { 0 };
    char *in = NULL;
    size_t inlen = 0;
    int status = -1;
    if (argc > 3 && one_read_file (argv[3], 1 << 30, &in, &inlen) < 0)
      return one_fail (255);
    if (one_ssh_run (s, argv[2], in, inlen, &out, &err, &status) < 0)
      rc = 255;
    else
      rc = status;
    if (out.len)
      fwrite (out.data, 1, out.len, stdout);
    if (err.len)
      fwrite (err.data, 1, err.len, stderr);
    one_buf_free (&out);
    one_buf_free (&err);
    free (in);
    if (rc == 255)
      return one_fail (255);
    return rc;
  }
  if (!strcmp (argv[1], "runok")) {
    one_buf out = { 0 };
    rc = one_ssh_run_ok (s, "test command", argv[2], NULL, 0, &out);
    if (out.len)
      fwrite (out.data, 1, out.len, stdout);
    one_buf_free (&out);
    return rc < 0 ? one_fail (1) : 0;
  }
  if (!strcmp (argv[1], "upload") && argc == 4) {
    one_ssh_progress p = { .what = "upload" };
    rc = one_ssh_upload_file (s, argv[2], argv[3], one_ssh_progress_stderr, &p);
  }
  else if (!strcmp (argv[1], "upload-mem") && argc == 4)
    rc = one_ssh_upload_mem (s, argv[2], strlen (argv[2]), argv[3], 0644);
  else if (!strcmp (argv[1], "download") && argc == 4)
    rc = one_ssh_download_file (s, argv[2], argv[3], NULL, NULL);
  else if (!strcmp (argv[1], "mkdir"))
    rc = one_ssh_mkdir_p (s, argv[2]);
  else if (!strcmp (argv[1], "remove")) {
    rc = one_ssh_remove (s, argv[2]);
    if (rc == 1)
      printf ("absent\n");
  }
  else if (!strcmp (argv[1], "rename") && argc == 4)
    rc = one_ssh_rename (s, argv[2], argv[3]);
  else if (!strcmp (argv[1], "stat")) {
    one_ssh_stat_t st;
    rc = one_ssh_stat (s, argv[2], true, &st);
    if (rc == 0)
      printf ("size=%llu dir=%d\n", (unsigned long long) st.size,
              S_ISDIR (st.mode) ? 1 : 0);
    else if (rc == 1)
      printf ("absent\n");
  }
  else if (!strcmp (argv[1], "readlink") || !strcmp (argv[1], "realpath")) {
    ONE_AUTOFREE char *l = argv[1][0] == 'r' && argv[1][4] == 'l'
      ? one_ssh_readlink (s, argv[2]) : one_ssh_realpath (s, argv[2]);
    if (!l)
      rc = -1;
    else
      printf ("%s\n", l);
  }
  else {
    fprintf (stderr, "helper-ssh: unknown op '%s'\n", argv[1]);
    return 2;
  }
  return rc < 0 ? one_fail (1) : 0;
}
