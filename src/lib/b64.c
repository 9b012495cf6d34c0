/* esxmad: base64. */
#include <string.h>

#include "esxmad.h"

static const char alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
one_b64_encode (const void *data, size_t len)
{
  const unsigned char *in = data;
  size_t olen = 4 * ((len + 2) / 3);
  char *out = one_xmalloc (olen + 1);
  size_t j = 0;
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = in[i] << 16;
    if (i + 1 < len)
      v |= in[i + 1] << 8;
    if (i + 2 < len)
      v |= in[i + 2];
    out[j++] = alphabet[(v >> 18) & 63];
    out[j++] = alphabet[(v >> 12) & 63];
    out[j++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
    out[j++] = i + 2 < len ? alphabet[v & 63] : '=';
  }
  out[j] = '\0';
  return out;
}

static int
val (unsigned char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

int
one_b64_decode (const char *in, char **outp, size_t *outlen)
{
  size_t n = strlen (in);
  char *out = one_xmalloc (n / 4 * 3 + 4);
  size_t j = 0;
  unsigned acc = 0;
  int bits = 0, pad = 0, count = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = in[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
      continue;
    if (c == '=') {
      pad++;
      count++;
      continue;
    }
    int v = val (c);
    if (v < 0 || pad) {
      free (out);
      one_error ("base64: invalid character at offset %zu", i);
      return -1;
    }
    count++;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  if (count % 4 != 0 || pad > 2) {
    free (out);
    one_error ("base64: truncated input (%d characters)", count);
    return -1;
  }
  out[j] = '\0';
  *outp = out;
  if (outlen)
    *outlen = j;
  return 0;
}
