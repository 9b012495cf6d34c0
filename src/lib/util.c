/* esxmad: small helpers. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "esxmad.h"

static void
oom (void)
{
  fputs ("esxmad: out of memory\n", stderr);
  abort ();
}

void *
one_xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (!p)
    oom ();
  return p;
}

void *
one_xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size ? size : 1);
  if (!p)
    oom ();
  return p;
}

void *
one_xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (!p)
    oom ();
  return p;
}

char *
one_xstrdup (const char *s)
{
  if (!s)
    return NULL;
  char *r = strdup (s);
  if (!r)
    oom ();
  return r;
}

char *
one_xstrndup (const char *s, size_t n)
{
  char *r = strndup (s, n);
  if (!r)
    oom ();
  return r;
}

char *
one_xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *r = NULL;
  va_start (ap, fmt);
  if (vasprintf (&r, fmt, ap) < 0)
    oom ();
  va_end (ap);
  return r;
}

static void
buf_reserve (one_buf *b, size_t extra)
{
  if (b->len + extra + 1 <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) {
    if (cap > SIZE_MAX / 2)
      oom ();
    cap *= 2;
  }
  b->data = one_xrealloc (b->data, cap);
  b->cap = cap;
}

void
one_buf_append (one_buf *b, const void *data, size_t n)
{
  buf_reserve (b, n);
  if (n)
    memcpy (b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void
one_buf_puts (one_buf *b, const char *s)
{
  one_buf_append (b, s, strlen (s));
}

void
one_buf_putc (one_buf *b, char c)
{
  one_buf_append (b, &c, 1);
}

void
one_buf_printf (one_buf *b, const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  va_start (ap, fmt);
  int n = vasprintf (&s, fmt, ap);
  va_end (ap);
  if (n < 0)
    oom ();
  one_buf_append (b, s, n);
  free (s);
}

char *
one_buf_steal (one_buf *b)
{
  char *r = b->data ? b->data : one_xstrdup ("");
  b->data = NULL;
  b->len = b->cap = 0;
  return r;
}

void
one_buf_reset (one_buf *b)
{
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

void
one_buf_free (one_buf *b)
{
  free (b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void
one_buf_rstrip (one_buf *b)
{
  while (b->len > 0 && strchr (" \t\r\n", b->data[b->len - 1]))
    b->data[--b->len] = '\0';
}

int
one_read_file (const char *path, size_t max, char **data, size_t *len)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    one_error ("open '%s': %s", path, strerror (errno));
    return -1;
  }
  one_buf b = { 0 };
  char tmp[65536];
  for (;;) {
    ssize_t r = read (fd, tmp, sizeof tmp);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      one_error ("read '%s': %s", path, strerror (errno));
      goto err;
    }
    if (r == 0)
      break;
    if (b.len + (size_t) r > max) {
      one_error ("read '%s': file larger than %zu bytes", path, max);
      goto err;
    }
    one_buf_append (&b, tmp, r);
  }
  close (fd);
  if (len)
    *len = b.len;
  *data = one_buf_steal (&b);
  return 0;
 err:
  close (fd);
  one_buf_free (&b);
  return -1;
}

int
one_write_file_atomic (const char *path, const void *data, size_t len, int mode)
{
  char *tmp = one_xasprintf ("%s.tmp.%ld", path, (long) getpid ());
  int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    one_error ("create '%s': %s", tmp, strerror (errno));
    free (tmp);
    return -1;
  }
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t w = write (fd, p, left);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      one_error ("write '%s': %s", tmp, strerror (errno));
      goto err;
    }
    p += w;
    left -= w;
  }
  if (fchmod (fd, mode) < 0 || fsync (fd) < 0) {
    one_error ("write '%s': %s", tmp, strerror (errno));
    goto err;
  }
  if (close (fd) < 0) {
    fd = -1;
    one_error ("close '%s': %s", tmp, strerror (errno));
    goto err;
  }
  fd = -1;
  if (rename (tmp, path) < 0) {
    one_error ("rename '%s' to '%s': %s", tmp, path, strerror (errno));
    goto err;
  }
  free (tmp);
  return 0;
 err:
  if (fd >= 0)
    close (fd);
  unlink (tmp);
  free (tmp);
  return -1;
}

bool
one_streq (const char *a, const char *b)
{
  if (!a || !b)
    return a == b;
  return strcmp (a, b) == 0;
}

bool
one_strcaseeq (const char *a, const char *b)
{
  if (!a || !b)
    return a == b;
  return strcasecmp (a, b) == 0;
}

bool
one_str_startswith (const char *s, const char *prefix)
{
  return s && strncmp (s, prefix, strlen (prefix)) == 0;
}

bool
one_str_endswith (const char *s, const char *suffix)
{
  if (!s)
    return false;
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcmp (s + a - b, suffix) == 0;
}

int
one_parse_int64 (const char *s, int64_t min, int64_t max, int64_t *out)
{
  if (!s || !*s)
    return -1;
  const char *p = s;
  if (*p == '-' || *p == '+')
    p++;
  if (!*p)
    return -1;
  for (; *p; p++)
    if (*p < '0' || *p > '9')
      return -1;
  errno = 0;
  char *end;
  long long v = strtoll (s, &end, 10);
  if (errno || *end || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

double
one_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
print_usage (FILE *f, const struct one_prog *p)
{
  fprintf (f, "usage: %s %s\n", p->name, p->args);
}

int
one_prog_init (const struct one_prog *p, int argc, char **argv)
{
  one_progname = p->name;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0) {
      print_usage (stdout, p);
      printf ("\n%s\n\nSee the man page %s%s(1) for details.\n", p->summary,
              one_str_startswith (p->name, "esxmad-") ? "" : "esxmad-", p->name);
      exit (ONE_EXIT_OK);
    }
    if (strcmp (a, "--version") == 0) {
      printf ("%s (esxmad) %s\n", p->name, ONE_VERSION);
      exit (ONE_EXIT_OK);
    }
    if (strcmp (a, "--") == 0) {
      i++;
      break;
    }
    /* OpenNebula never passes options: anything else is positional. */
    break;
  }
  int n = argc - i;
  if (n < p->min_args || (p->max_args >= 0 && n > p->max_args)) {
    one_error ("wrong number of arguments (%d); usage: %s %s", n, p->name,
               p->args);
    exit (one_fail (ONE_EXIT_USAGE));
  }
  return i;
}
