/* esxmad: quoting for busybox sh. */
#include <stdarg.h>
#include <string.h>

#include "esxmad.h"

void
one_buf_shq (one_buf *b, const char *s)
{
  one_buf_putc (b, '\'');
  for (; *s; s++) {
    if (*s == '\'')
      one_buf_puts (b, "'\\''");
    else
      one_buf_putc (b, *s);
  }
  one_buf_putc (b, '\'');
}

char *
one_shq (const char *s)
{
  one_buf b = { 0 };
  one_buf_shq (&b, s ? s : "");
  return one_buf_steal (&b);
}

char *
one_shcmd (const char *fmt, ...)
{
  va_list ap;
  one_buf b = { 0 };
  va_start (ap, fmt);
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') {
      one_buf_putc (&b, *p);
      continue;
    }
    p++;
    if (*p == 's') {
      const char *v = va_arg (ap, const char *);
      one_buf_shq (&b, v ? v : "");
    }
    else if (*p == 'd')
      one_buf_printf (&b, "%d", va_arg (ap, int));
    else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'd') {
      one_buf_printf (&b, "%lld", va_arg (ap, long long));
      p += 2;
    }
    else if (*p == '%')
      one_buf_putc (&b, '%');
    else {
      va_end (ap);
      one_buf_free (&b);
      one_error ("internal error: bad shell command format '%s'", fmt);
      return NULL;
    }
  }
  va_end (ap);
  return one_buf_steal (&b);
}
