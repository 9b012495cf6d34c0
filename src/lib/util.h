/* esxmad: small helpers: allocation that never returns NULL, a growable
 * buffer, file reading, the common main() prologue of every program. */
#ifndef ESXMAD_UTIL_H
#define ESXMAD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void *one_xmalloc (size_t n);
void *one_xcalloc (size_t n, size_t size);
void *one_xrealloc (void *p, size_t n);
char *one_xstrdup (const char *s);          /* NULL in, NULL out */
char *one_xstrndup (const char *s, size_t n);
char *one_xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated when data != NULL. */
typedef struct one_buf {
  char *data;
  size_t len;
  size_t cap;
} one_buf;

void one_buf_append (one_buf *b, const void *data, size_t n);
void one_buf_puts (one_buf *b, const char *s);
void one_buf_putc (one_buf *b, char c);
void one_buf_printf (one_buf *b, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
/* Take the contents (never NULL: "" for an empty buffer). */
char *one_buf_steal (one_buf *b);
void one_buf_reset (one_buf *b);
void one_buf_free (one_buf *b);
/* Strip trailing whitespace in place. */
void one_buf_rstrip (one_buf *b);

/* Read a whole file; fails (one_error) if larger than 'max' bytes. */
int one_read_file (const char *path, size_t max, char **data, size_t *len);
/* Write a file atomically (temporary name in the same folder, fsync,
 * rename) with the given mode. */
int one_write_file_atomic (const char *path, const void *data, size_t len,
                           int mode);

bool one_streq (const char *a, const char *b);       /* NULL-safe */
bool one_strcaseeq (const char *a, const char *b);   /* NULL-safe, ASCII */
bool one_str_startswith (const char *s, const char *prefix);
bool one_str_endswith (const char *s, const char *suffix);
/* Parse a whole decimal integer in [min,max]; -1 on anything else. */
int one_parse_int64 (const char *s, int64_t min, int64_t max, int64_t *out);

/* Monotonic time in seconds. */
double one_now (void);

/* The common prologue of every program.
 *  - sets one_progname,
 *  - answers --help / -h (usage and summary on stdout, exit 0) and
 *    --version,
 *  - checks the number of positional arguments: on a mismatch prints the
 *    usage in an ERROR MESSAGE block and exits 2.
 * Returns the index in argv of the first positional argument. */
struct one_prog {
  const char *name;        /* "deploy", "tm/clone", "esxmad-check" */
  const char *args;        /* "<deployment_file> <host> <vid> <host>" */
  const char *summary;     /* one paragraph for --help */
  int min_args;
  int max_args;            /* -1 = unlimited */
};
int one_prog_init (const struct one_prog *p, int argc, char **argv);

#define ONE_VERSION "0.1.0"

#endif
