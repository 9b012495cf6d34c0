/* esxmad: quoting for ESX's busybox sh.  Every value that reaches a remote
 * shell goes through one_shq(). */
#ifndef ESXMAD_SHQ_H
#define ESXMAD_SHQ_H

#include "util.h"

/* Return 's' as one single-quoted sh word: abc -> 'abc',
 * it's -> 'it'\''s', "" -> ''.  Works for any bytes except NUL. */
char *one_shq (const char *s);
/* Append the quoted form of 's' to 'b'. */
void one_buf_shq (one_buf *b, const char *s);
/* Build a command line from a printf-like format in which every %s
 * argument is inserted quoted with one_shq; the only other conversions
 * are %d, %lld and %%.  Returns NULL with one_error set on a bad format. */
char *one_shcmd (const char *fmt, ...);

#endif
