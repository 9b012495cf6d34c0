/* esxmad: small URI helpers (query parameters, path escaping). */
#include <stdbool.h>
#include <string.h>

#include "esxmad.h"

char *
one_uri_get_param (const char *uri, const char *key)
{
  const char *q = strchr (uri, '?');
  if (q == NULL)
    return NULL;
  size_t kl = strlen (key);
  for (const char *p = q + 1; *p;) {
    const char *end = strchr (p, '&');
    size_t n = end ? (size_t) (end - p) : strlen (p);
    if (n > kl && strncmp (p, key, kl) == 0 && p[kl] == '=')
      return one_xstrndup (p + kl + 1, n - kl - 1);
    if (n == kl && strncmp (p, key, kl) == 0)
      return one_xstrdup ("");
    if (end == NULL)
      break;
    p = end + 1;
  }
  return NULL;
}

char *
one_uri_set_param (const char *uri, const char *key, const char *value)
{
  one_buf b = { 0 };
  const char *q = strchr (uri, '?');
  size_t kl = strlen (key);
  bool set = false;
  if (q == NULL) {
    one_buf_puts (&b, uri);
    one_buf_printf (&b, "?%s=%s", key, value);
    return one_buf_steal (&b);
  }
  one_buf_append (&b, uri, q - uri + 1);
  bool first = true;
  for (const char *p = q + 1; *p;) {
    const char *end = strchr (p, '&');
    size_t n = end ? (size_t) (end - p) : strlen (p);
    if (n > 0) {
      if (!first)
        one_buf_putc (&b, '&');
      first = false;
      if ((n == kl || (n > kl && p[kl] == '=')) && strncmp (p, key, kl) == 0) {
        if (!set)
          one_buf_printf (&b, "%s=%s", key, value);
        else if (b.len > 0 && b.data[b.len - 1] == '&')
          b.data[--b.len] = '\0';        /* drop a duplicate */
        set = true;
      }
      else
        one_buf_append (&b, p, n);
    }
    if (end == NULL)
      break;
    p = end + 1;
  }
  if (!set) {
    if (!first)
      one_buf_putc (&b, '&');
    one_buf_printf (&b, "%s=%s", key, value);
  }
  return one_buf_steal (&b);
}

char *
one_uri_escape (const char *s)
{
  one_buf b = { 0 };
  one_buf_puts (&b, "");
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
        || (*p >= '0' && *p <= '9') || strchr ("-._~", *p))
      one_buf_putc (&b, *p);
    else
      one_buf_printf (&b, "%%%02X", *p);
  }
  return one_buf_steal (&b);
}

char *
one_uri_set_authority (const char *uri, const char *host, int port)
{
  const char *sep = strstr (uri, "://");
  if (sep == NULL)
    return NULL;
  const char *a = sep + 3;
  size_t alen = strcspn (a, "/?#");
  const char *at = NULL;
  for (const char *p = a; p < a + alen; p++)
    if (*p == '@')
      at = p;
  one_buf b = { 0 };
  one_buf_append (&b, uri, (size_t) (a - uri));
  if (at)
    one_buf_append (&b, a, (size_t) (at - a + 1));
  if (strchr (host, ':'))
    one_buf_printf (&b, "[%s]", host);
  else
    one_buf_puts (&b, host);
  if (port > 0)
    one_buf_printf (&b, ":%d", port);
  one_buf_puts (&b, a + alen);
  return one_buf_steal (&b);
}
