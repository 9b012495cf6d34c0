/* oned harness: buffers, base64, files. */
#include "oned.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <ctype.h>

void
die (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("oned: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
  exit (2);
}

void *
xcalloc (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (!p) die ("out of memory");
  return p;
}

char *
xstrdup (const char *s)
{
  char *p = strdup (s ? s : "");
  if (!p) die ("out of memory");
  return p;
}

void
buf_add (buf *b, const void *p, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (b->len + n + 1 > cap) cap *= 2;
    char *d = realloc (b->d, cap);
    if (!d) die ("out of memory");
    b->d = d;
    b->cap = cap;
  }
  memcpy (b->d + b->len, p, n);
  b->len += n;
  b->d[b->len] = 0;
}

void
buf_puts (buf *b, const char *s)
{
  buf_add (b, s, strlen (s));
}

void
buf_printf (buf *b, const char *fmt, ...)
{
  va_list ap;
  char *s;
  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0) die ("out of memory");
  va_end (ap);
  buf_puts (b, s);
  free (s);
}

char *
buf_take (buf *b)
{
  char *d = b->d ? b->d : xstrdup ("");
  b->d = NULL;
  b->len = b->cap = 0;
  return d;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *s;
  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0) die ("out of memory");
  va_end (ap);
  return s;
}

static const char b64c[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
b64_encode (const char *p, size_t n)
{
  const unsigned char *u = (const unsigned char *) p;
  char *o = xcalloc ((n + 2) / 3 * 4 + 1), *q = o;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned) u[i] << 16;
    if (i + 1 < n) v |= (unsigned) u[i + 1] << 8;
    if (i + 2 < n) v |= u[i + 2];
    *q++ = b64c[(v >> 18) & 63];
    *q++ = b64c[(v >> 12) & 63];
    *q++ = i + 1 < n ? b64c[(v >> 6) & 63] : '=';
    *q++ = i + 2 < n ? b64c[v & 63] : '=';
  }
  *q = 0;
  return o;
}

char *
b64_decode (const char *s, size_t *n)
{
  size_t len = strlen (s);
  char *o = xcalloc (len / 4 * 3 + 4);
  unsigned v = 0;
  int bits = 0;
  size_t k = 0;
  for (const char *c = s; *c; c++) {
    if (isspace ((unsigned char) *c)) continue;
    if (*c == '=') break;
    const char *p = strchr (b64c, *c);
    if (!p || !*c) { free (o); return NULL; }
    v = (v << 6) | (unsigned) (p - b64c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      o[k++] = (char) ((v >> bits) & 0xff);
    }
  }
  o[k] = 0;
  if (n) *n = k;
  return o;
}

char *
read_file (const char *path, size_t *len)
{
  FILE *f = fopen (path, "rb");
  if (!f) return NULL;
  buf b = { 0 };
  char tmp[8192];
  size_t n;
  while ((n = fread (tmp, 1, sizeof tmp, f)) > 0) buf_add (&b, tmp, n);
  fclose (f);
  if (len) *len = b.len;
  return buf_take (&b);
}

int
write_file (const char *path, const char *data, size_t len)
{
  FILE *f = fopen (path, "wb");
  if (!f) return -1;
  if (fwrite (data, 1, len, f) != len) { fclose (f); return -1; }
  return fclose (f);
}

int
mkdir_p (const char *path)
{
  char *p = xstrdup (path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir (p, 0755) < 0 && errno != EEXIST) { free (p); return -1; }
    *s = '/';
  }
  int rc = mkdir (p, 0755) < 0 && errno != EEXIST ? -1 : 0;
  free (p);
  return rc;
}

char *
strip (const char *s)
{
  const char *e = s + strlen (s);
  while (*s && isspace ((unsigned char) *s)) s++;
  while (e > s && isspace ((unsigned char) e[-1])) e--;
  return strndup (s, (size_t) (e - s));
}

double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}
