/* esxmad: per-thread error, OpenNebula's ERROR MESSAGE block, log lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "esxmad.h"

const char *one_progname = "esxmad";

static _Thread_local char *errmsg;

#define MAX_SECRETS 8
static char *secrets[MAX_SECRETS];
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;

void
one_secret_register (const char *secret)
{
  if (secret == NULL || strlen (secret) < 2)
    return;
  pthread_mutex_lock (&secrets_lock);
  for (int i = 0; i < MAX_SECRETS; i++) {
    if (secrets[i] && strcmp (secrets[i], secret) == 0)
      break;
    if (secrets[i] == NULL) {
      secrets[i] = strdup (secret);
      break;
    }
  }
  pthread_mutex_unlock (&secrets_lock);
}

/* Return a copy of 's' with newlines folded into spaces, control bytes
 * dropped and registered secrets masked.  Never NULL. */
static char *
sanitize (const char *s)
{
  size_t n = strlen (s);
  /* Masking can turn a 2-byte secret into "***": 2n bytes always fit. */
  char *out = malloc (2 * n + 1);
  if (out == NULL)
    abort ();
  size_t j = 0;
  pthread_mutex_lock (&secrets_lock);
  for (size_t i = 0; i < n;) {
    int hit = 0;
    for (int k = 0; k < MAX_SECRETS && secrets[k]; k++) {
      size_t sl = strlen (secrets[k]);
      if (strncmp (s + i, secrets[k], sl) == 0) {
        memcpy (out + j, "***", 3);
        j += 3;
        i += sl;
        hit = 1;
        break;
      }
    }
    if (hit)
      continue;
    unsigned char c = s[i++];
    if (c == '\n' || c == '\r' || c == '\t')
      out[j++] = ' ';
    else if (c < 0x20 || c == 0x7f)
      continue;
    else
      out[j++] = c;
  }
  pthread_mutex_unlock (&secrets_lock);
  out[j] = '\0';
  return out;
}

void
one_verror (const char *fmt, va_list ap)
{
  char *m = NULL;
  if (vasprintf (&m, fmt, ap) < 0)
    abort ();
  free (errmsg);
  errmsg = m;
}

void
one_error (const char *fmt, ...)
{
  va_list ap;
  int saved = errno;
  va_start (ap, fmt);
  one_verror (fmt, ap);
  va_end (ap);
  errno = saved;
}

void
one_error_prefix (const char *fmt, ...)
{
  va_list ap;
  char *p = NULL, *m = NULL;
  va_start (ap, fmt);
  if (vasprintf (&p, fmt, ap) < 0)
    abort ();
  va_end (ap);
  if (asprintf (&m, "%s: %s", p, errmsg ? errmsg : "unknown error") < 0)
    abort ();
  free (p);
  free (errmsg);
  errmsg = m;
}

const char *
one_errmsg (void)
{
  return errmsg;
}

void
one_error_reset (void)
{
  free (errmsg);
  errmsg = NULL;
}

static void
print_block (const char *msg)
{
  char *clean = sanitize (msg);
  fflush (stdout);
  fprintf (stderr, "ERROR: %s: %s\n", one_progname, clean);
  fprintf (stderr, "ERROR MESSAGE --8<------\n%s\nERROR MESSAGE ------>8--\n",
           clean);
  fflush (stderr);
  free (clean);
}

int
one_fail (int code)
{
  print_block (errmsg ? errmsg : "unknown error");
  return code;
}

void
one_fail_now (int code, const char *msg)
{
  print_block (msg);
  _exit (code);
}

int
one_fail_msg (int code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  one_verror (fmt, ap);
  va_end (ap);
  return one_fail (code);
}

static void
vlog (const char *prefix, const char *fmt, va_list ap)
{
  char *m = NULL;
  if (vasprintf (&m, fmt, ap) < 0)
    abort ();
  char *clean = sanitize (m);
  /* Never let a log line look like the driver layer's exit marker. */
  if (strncmp (clean, "ExitCode:", 9) == 0)
    clean[0] = 'e';
  fprintf (stderr, "%s%s\n", prefix, clean);
  free (clean);
  free (m);
}

bool
one_debug_enabled (void)
{
  const char *e = getenv ("ESXMAD_DEBUG");
  const char *o = getenv ("ONE_MAD_DEBUG");
  return (e && *e && strcmp (e, "0") != 0) || (o && *o && strcmp (o, "0") != 0);
}

void
one_log (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vlog ("", fmt, ap);
  va_end (ap);
}

void
one_debug (const char *fmt, ...)
{
  if (!one_debug_enabled ())
    return;
  va_list ap;
  va_start (ap, fmt);
  vlog ("DEBUG: ", fmt, ap);
  va_end (ap);
}

void
one_warn (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vlog ("WARNING: ", fmt, ap);
  va_end (ap);
}
