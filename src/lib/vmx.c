/* esxmad: the VMX reader and writer (see vmx.h). */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "util.h"
#include "vmx.h"

/* One line of the file: a pair (key != NULL) or a comment/blank line. */
typedef struct item {
  char *key;          /* original spelling; NULL for comments */
  char *value;        /* decoded */
  char *raw;          /* the line as read; NULL once changed */
  char *dupkey;       /* a later duplicate of this key: kept, not read */
  size_t line;
} item;


struct one_vmx {
  char *name;
  item *items;
  size_t n, cap;
  size_t *pairs;      /* indices of pairs in 'items' */
  size_t n_pairs;
  size_t *hash;       /* open addressing, value = item index + 1 */
  size_t hash_cap;
};

/* ---- small helpers ---- */

static uint64_t
hash_key (const char *k)
{
  uint64_t h = 1469598103934665603ULL;
  for (; *k; k++) {
    unsigned char c = (unsigned char) *k;
    if (c >= 'A' && c <= 'Z')
      c += 'a' - 'A';
    h = (h ^ c) * 1099511628211ULL;
  }
  return h;
}

static void
reindex (one_vmx *v)
{
  free (v->pairs);
  free (v->hash);
  v->n_pairs = 0;
  v->hash_cap = 16;
  while (v->hash_cap < 2 * (v->n + 1))
    v->hash_cap *= 2;
  v->pairs = one_xcalloc (v->hash_cap, sizeof *v->pairs);
  v->hash = one_xcalloc (v->hash_cap, sizeof *v->hash);
  for (size_t i = 0; i < v->n; i++) {
    if (!v->items[i].key)
      continue;
    v->pairs[v->n_pairs++] = i;
    size_t h = hash_key (v->items[i].key) & (v->hash_cap - 1);
    while (v->hash[h])
      h = (h + 1) & (v->hash_cap - 1);
    v->hash[h] = i + 1;
  }
}

/* Add the last item (a pair) to the index, growing it when needed. */
static void
index_last (one_vmx *v)
{
  if (2 * (v->n + 1) > v->hash_cap) {
    reindex (v);
    return;
  }
  size_t h = hash_key (v->items[v->n - 1].key) & (v->hash_cap - 1);
  while (v->hash[h])
    h = (h + 1) & (v->hash_cap - 1);
  v->hash[h] = v->n;
  v->pairs[v->n_pairs++] = v->n - 1;
}

/* Index of the item holding 'key' (any case), or -1. */
static ssize_t
find (const one_vmx *v, const char *key)
{
  if (!v->hash)
    return -1;
  size_t h = hash_key (key) & (v->hash_cap - 1);
  while (v->hash[h]) {
    size_t i = v->hash[h] - 1;
    if (strcasecmp (v->items[i].key, key) == 0)
      return (ssize_t) i;
    h = (h + 1) & (v->hash_cap - 1);
  }
  return -1;
}

static void
item_clear (item *it)
{
  free (it->key);
  free (it->value);
  free (it->raw);
  free (it->dupkey);
}

static item *
push (one_vmx *v)
{
  if (v->n == v->cap) {
    v->cap = v->cap ? 2 * v->cap : 64;
    v->items = one_xrealloc (v->items, v->cap * sizeof *v->items);
  }
  item *it = &v->items[v->n++];
  memset (it, 0, sizeof *it);
  return it;
}

static int
hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

char *
one_vmx_unescape (const char *s)
{
  one_buf b = { 0 };
  one_buf_puts (&b, "");
  for (const char *p = s; *p; p++) {
    int h, l;
    if (*p == '|' && (h = hexval (p[1])) >= 0 && (l = hexval (p[2])) >= 0
        && (h | l) != 0) {
      one_buf_putc (&b, (char) (h * 16 + l));
      p += 2;
    } else
      one_buf_putc (&b, *p);
  }
  return one_buf_steal (&b);
}

char *
one_vmx_escape (const char *s)
{
  one_buf b = { 0 };
  one_buf_puts (&b, "");
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    if (*p == '"' || *p == '|' || *p < 0x20 || *p == 0x7f)
      one_buf_printf (&b, "|%02X", *p);
    else
      one_buf_putc (&b, (char) *p);
  }
  return one_buf_steal (&b);
}

/* Length of the valid UTF-8 prefix of s[0..n). */
static size_t
utf8_valid_len (const unsigned char *s, size_t n)
{
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t len;
    unsigned min;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2; min = 0x80; c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3; min = 0x800; c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4; min = 0x10000; c &= 0x07;
    } else
      return i;
    if (i + len > n)
      return i;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return i;
      c = (c << 6) | (s[i + k] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
      return i;
    i += len;
  }
  return n;
}

static bool
utf8_valid (const char *s)
{
  size_t n = strlen (s);
  return utf8_valid_len ((const unsigned char *) s, n) == n;
}

bool
one_vmx_key_valid (const char *key)
{
  size_t n = 0;
  for (const char *p = key; *p; p++, n++) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':'
          || c == '-' || c == '*'))
      return false;
  }
  return n > 0 && n <= 256;
}

/* Parse one line (no newline, NUL-terminated, \r stripped) into key and
 * raw value.  Returns NULL on success, else a static description. */
static const char *
lex_line (const char *line, char **key, char **value)
{
  const char *p = line;
  while (*p == ' ' || *p == '\t')
    p++;
  const char *k = p;
  while (*p && *p != '=' && *p != ' ' && *p != '\t')
    p++;
  if (p == k)
    return "expected key = \"value\"";
  ONE_AUTOFREE char *kk = one_xstrndup (k, p - k);
  if (!one_vmx_key_valid (kk))
    return "invalid key (allowed: A-Z a-z 0-9 _ . : - *)";
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p != '=')
    return "expected key = \"value\"";
  p++;
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p != '"')
    return "expected a value in double quotes";
  const char *s = ++p;
  const char *e = strchr (s, '"');
  if (!e)
    return "missing closing double quote";
  for (p = e + 1; *p == ' ' || *p == '\t'; p++)
    ;
  if (*p)
    return "unexpected text after the closing double quote";
  *key = one_steal_pointer (&kk);
  *value = one_xstrndup (s, e - s);
  return NULL;
}

static void
vmx_clear (one_vmx *v)
{
  for (size_t i = 0; i < v->n; i++)
    item_clear (&v->items[i]);
  v->n = 0;
}

void
one_vmx_free (one_vmx *v)
{
  if (!v)
    return;
  vmx_clear (v);
  free (v->items);
  free (v->pairs);
  free (v->hash);
  free (v->name);
  free (v);
}

/* Split and lex the text.  With 'check_utf8' false, bytes are not
 * checked (first pass, before .encoding is known). */
static int
parse_text (one_vmx *v, const char *data, size_t len, unsigned flags,
            bool check_utf8)
{
  bool lenient = flags & ONE_VMX_LENIENT;
  size_t line = 0;
  const char *p = data, *end = data + len;
  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    p += 3;                     /* UTF-8 byte order mark */
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    line++;
    size_t ll = le - p;
    while (ll > 0 && p[ll - 1] == '\r')
      ll--;
    const char *why = NULL;
    char *key = NULL, *value = NULL;
    ONE_AUTOFREE char *text = NULL;
    if (ll > ONE_VMX_MAX_LINE)
      why = "line too long";
    else if (memchr (p, '\0', ll))
      why = "NUL byte";
    else if (check_utf8 && utf8_valid_len ((const unsigned char *) p, ll) != ll)
      why = "invalid UTF-8";
    else {
      text = one_xstrndup (p, ll);
      const char *t = text + strspn (text, " \t");
      if (*t == '\0' || *t == '#') {
        item *it = push (v);
        it->raw = one_steal_pointer (&text);
        it->line = line;
      } else
        why = lex_line (text, &key, &value);
    }
    if (why) {
      if (!lenient) {
        one_error ("vmx '%s' line %zu: %s", v->name, line, why);
        return -1;
      }
      if (memchr (p, '\0', ll))
        one_warn ("vmx '%s' line %zu: %s: line dropped", v->name, line, why);
      else {
        /* not read, but written back as it was */
        one_warn ("vmx '%s' line %zu: %s: line not read (kept as it is)",
                  v->name, line, why);
        item *it = push (v);
        it->raw = text ? one_steal_pointer (&text) : one_xstrndup (p, ll);
        it->line = line;
      }
      free (key);
      free (value);
    } else if (key) {
      ssize_t dup = find (v, key);
      if (dup >= 0) {
        one_warn ("vmx '%s' line %zu: duplicate key '%s' (the first, on line "
                  "%zu, is used)", v->name, line, key, v->items[dup].line);
        item *it = push (v);
        it->raw = one_steal_pointer (&text);
        it->dupkey = key;
        it->line = line;
        free (value);
      } else {
        item *it = push (v);
        it->key = key;
        it->value = one_vmx_unescape (value);
        free (value);
        it->raw = one_steal_pointer (&text);
        it->line = line;
        index_last (v);         /* for duplicate detection */
      }
    }
    p = nl ? nl + 1 : end;
  }
  reindex (v);
  return 0;
}

static char *
to_utf8 (const char *name, const char *encoding, const char *data, size_t len,
         size_t *outlen)
{
  iconv_t cd = iconv_open ("UTF-8", encoding);
  if (cd == (iconv_t) -1) {
    one_error ("vmx '%s': cannot convert from encoding '%s': iconv_open: %s",
               name, encoding, strerror (errno));
    return NULL;
  }
  size_t cap = len * 4 + 16;
  char *out = one_xmalloc (cap);
  char *in = (char *) data, *o = out;
  size_t inleft = len, oleft = cap - 1;
  if (iconv (cd, &in, &inleft, &o, &oleft) == (size_t) -1) {
    one_error ("vmx '%s': cannot convert from encoding '%s' at byte %zu: "
               "iconv: %s", name, encoding, (size_t) (in - data),
               strerror (errno));
    iconv_close (cd);
    free (out);
    return NULL;
  }
  iconv_close (cd);
  *o = '\0';
  *outlen = o - out;
  return out;
}

/* The value of the first line whose key is .encoding (any case), or NULL;
 * nothing else is parsed. */
static char *
find_encoding (const char *data, size_t len)
{
  const char *p = data, *end = data + len;
  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    p += 3;                     /* as parse_text */
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    const char *t = p;
    while (t < le && (*t == ' ' || *t == '\t'))
      t++;
    if (le - t > 9 && strncasecmp (t, ".encoding", 9) == 0
        && (t[9] == ' ' || t[9] == '\t' || t[9] == '=')
        && (size_t) (le - p) <= ONE_VMX_MAX_LINE && !memchr (p, '\0', le - p)) {
      ONE_AUTOFREE char *line = one_xstrndup (p, le - p);
      size_t ll = strlen (line);
      while (ll > 0 && line[ll - 1] == '\r')
        line[--ll] = '\0';
      char *key = NULL, *value = NULL;
      if (lex_line (line, &key, &value) == NULL) {
        free (key);
        char *dec = one_vmx_unescape (value);
        free (value);
        return dec;
      }
    }
    p = nl ? nl + 1 : end;
  }
  return NULL;
}

static bool
is_utf8_name (const char *e)
{
  return strcasecmp (e, "UTF-8") == 0 || strcasecmp (e, "UTF8") == 0;
}

one_vmx *
one_vmx_parse (const char *name, const char *data, size_t len, unsigned flags)
{
  ONE_AUTO (one_vmx) *v = one_xcalloc (1, sizeof *v);
  v->name = one_xstrdup (name ? name : "-");
  reindex (v);
  ONE_AUTOFREE char *encoding = find_encoding (data, len);
  if (encoding && !is_utf8_name (encoding)) {
    size_t ulen = 0;
    ONE_AUTOFREE char *utf8 = to_utf8 (v->name, encoding, data, len, &ulen);
    if (!utf8)
      return NULL;
    if (parse_text (v, utf8, ulen, flags, true) < 0)
      return NULL;
    /* The text is now UTF-8, and is written as such. */
    if (one_vmx_set (v, ".encoding", "UTF-8") < 0)
      return NULL;
    one_debug ("vmx '%s': converted from '%s' to UTF-8", v->name, encoding);
  } else if (parse_text (v, data, len, flags, true) < 0)
    return NULL;
  return one_steal_pointer (&v);
}

one_vmx *
one_vmx_read_file (const char *path, unsigned flags)
{
  ONE_AUTOFREE char *data = NULL;
  size_t len = 0;
  if (one_read_file (path, ONE_VMX_MAX_SIZE, &data, &len) < 0)
    return NULL;
  return one_vmx_parse (path, data, len, flags);
}

const char *
one_vmx_name (const one_vmx *v)
{
  return v->name;
}

size_t
one_vmx_count (const one_vmx *v)
{
  return v->n_pairs;
}

const char *
one_vmx_key (const one_vmx *v, size_t i)
{
  return i < v->n_pairs ? v->items[v->pairs[i]].key : NULL;
}

const char *
one_vmx_value (const one_vmx *v, size_t i)
{
  return i < v->n_pairs ? v->items[v->pairs[i]].value : NULL;
}

const char *
one_vmx_get (const one_vmx *v, const char *key)
{
  ssize_t i = find (v, key);
  return i < 0 ? NULL : v->items[i].value;
}

static bool
parse_bool (const char *s, bool *out)
{
  if (strcasecmp (s, "true") == 0)
    *out = true;
  else if (strcasecmp (s, "false") == 0)
    *out = false;
  else
    return false;
  return true;
}

const char *
one_vmx_get_live (const one_vmx *v, const char *key)
{
  const char *val = one_vmx_get (v, key);
  if (!val)
    return NULL;
  /* Every namespace above the key: "a", "a.b", ... */
  for (const char *d = strchr (key, '.'); d; d = strchr (d + 1, '.')) {
    ONE_AUTOFREE char *pk = one_xasprintf ("%.*s.present", (int) (d - key),
                                           key);
    const char *pv = one_vmx_get (v, pk);
    bool b;
    if (pv && parse_bool (pv, &b) && !b)
      return NULL;
  }
  return val;
}

int
one_vmx_get_bool (const one_vmx *v, const char *key, bool def, bool *out)
{
  const char *s = one_vmx_get (v, key);
  if (!s) {
    *out = def;
    return 0;
  }
  if (!parse_bool (s, out)) {
    one_error ("vmx '%s': entry '%s' should be 'true' or 'false' but is '%s'",
               v->name, key, s);
    return -1;
  }
  return 0;
}

int
one_vmx_get_int (const one_vmx *v, const char *key, int64_t def,
                 int64_t *out)
{
  const char *s = one_vmx_get (v, key);
  if (!s) {
    *out = def;
    return 0;
  }
  if (one_parse_int64 (s, INT64_MIN, INT64_MAX, out) < 0) {
    one_error ("vmx '%s': entry '%s' should be an integer but is '%s'",
               v->name, key, s);
    return -1;
  }
  return 0;
}

/* Remove the kept duplicate lines of 'key'; true if any (the index must
 * then be rebuilt). */
static bool
drop_duplicates (one_vmx *v, const char *key)
{
  size_t o = 0;
  bool any = false;
  for (size_t i = 0; i < v->n; i++) {
    if (v->items[i].dupkey && strcasecmp (v->items[i].dupkey, key) == 0) {
      item_clear (&v->items[i]);
      any = true;
      continue;
    }
    v->items[o++] = v->items[i];
  }
  v->n = o;
  return any;
}

int
one_vmx_set (one_vmx *v, const char *key, const char *value)
{
  if (!one_vmx_key_valid (key)) {
    one_error ("vmx '%s': invalid key '%s'", v->name, key);
    return -1;
  }
  if (!utf8_valid (value)) {
    one_error ("vmx '%s': value of '%s' is not valid UTF-8", v->name, key);
    return -1;
  }
  if (drop_duplicates (v, key))
    reindex (v);
  ssize_t i = find (v, key);
  if (i >= 0) {
    item *it = &v->items[i];
    free (it->value);
    it->value = one_xstrdup (value);
    free (it->raw);
    it->raw = NULL;
    return 0;
  }
  item *it = push (v);
  it->key = one_xstrdup (key);
  it->value = one_xstrdup (value);
  index_last (v);
  return 0;
}

bool
one_vmx_delete (one_vmx *v, const char *key)
{
  if (drop_duplicates (v, key))
    reindex (v);
  ssize_t i = find (v, key);
  if (i < 0)
    return false;
  item_clear (&v->items[i]);
  memmove (&v->items[i], &v->items[i + 1],
           (v->n - i - 1) * sizeof *v->items);
  v->n--;
  reindex (v);
  return true;
}

char *
one_vmx_format (const one_vmx *v)
{
  one_buf b = { 0 };
  one_buf_puts (&b, "");
  /* A byte order mark opening the file is not read as text, and is not
   * kept.  If the first line kept as it was starts with those bytes (a
   * second mark, or a line that followed dropped ones), a mark in front
   * keeps it a line of text when the file is read again. */
  if (v->n > 0 && v->items[0].raw
      && strncmp (v->items[0].raw, "\xef\xbb\xbf", 3) == 0)
    one_buf_puts (&b, "\xef\xbb\xbf");
  for (size_t i = 0; i < v->n; i++) {
    const item *it = &v->items[i];
    if (it->raw)
      one_buf_puts (&b, it->raw);
    else {
      ONE_AUTOFREE char *e = one_vmx_escape (it->value);
      one_buf_printf (&b, "%s = \"%s\"", it->key, e);
    }
    one_buf_putc (&b, '\n');
  }
  return one_buf_steal (&b);
}

int
one_vmx_merge (one_vmx *v, const char *datavmx)
{
  /* Literal \n (backslash, n) separates lines, as in <datavmx>. */
  one_buf t = { 0 };
  one_buf_puts (&t, "");
  for (const char *p = datavmx; *p; p++) {
    if (p[0] == '\\' && p[1] == 'n') {
      one_buf_putc (&t, '\n');
      p++;
    } else
      one_buf_putc (&t, *p);
  }
  ONE_AUTOFREE char *text = one_buf_steal (&t);

  /* Check every line first, so that a bad line changes nothing. */
  size_t cap = 8, n = 0;
  char **keys = one_xcalloc (cap, sizeof *keys);
  char **vals = one_xcalloc (cap, sizeof *vals);
  int ret = -1;
  size_t line = 0;
  for (char *p = text, *nl; p; p = nl ? nl + 1 : NULL) {
    nl = strchr (p, '\n');
    if (nl)
      *nl = '\0';
    line++;
    size_t ll = strlen (p);
    while (ll > 0 && p[ll - 1] == '\r')
      p[--ll] = '\0';
    const char *t0 = p + strspn (p, " \t");
    if (*t0 == '\0')
      continue;
    const char *why = NULL;
    char *key = NULL, *raw = NULL;
    if (*t0 == '#')
      why = "comments are not allowed";
    else if (!utf8_valid (p))
      why = "invalid UTF-8";
    else
      why = lex_line (p, &key, &raw);
    if (!why) {
      for (const unsigned char *c = (const unsigned char *) raw; *c; c++)
        if (*c < 0x20 || *c == 0x7f) {
          why = "control character in the value";
          break;
        }
    }
    if (!why && strcasecmp (key, ".encoding") == 0)
      why = "'.encoding' cannot be set";
    if (why) {
      one_error ("DATA_VMX line %zu '%.80s': %s", line, t0, why);
      free (key);
      free (raw);
      goto out;
    }
    if (n == cap) {
      cap *= 2;
      keys = one_xrealloc (keys, cap * sizeof *keys);
      vals = one_xrealloc (vals, cap * sizeof *vals);
    }
    keys[n] = key;
    vals[n] = one_vmx_unescape (raw);
    free (raw);
    if (!utf8_valid (vals[n])) {
      one_error ("DATA_VMX line %zu: value of '%s' is not valid UTF-8", line,
                 key);
      n++;
      goto out;
    }
    n++;
  }
  for (size_t i = 0; i < n; i++)
    if (one_vmx_set (v, keys[i], vals[i]) < 0)
      goto out;
  ret = 0;
 out:
  for (size_t i = 0; i < n; i++) {
    free (keys[i]);
    free (vals[i]);
  }
  free (keys);
  free (vals);
  return ret;
}
