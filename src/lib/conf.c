/* esxmad: vmwarerc, the YAML configuration, read with libyaml.
 *
 * The file is parsed from libyaml's events into a small tree (maps,
 * sequences, scalars with their line), refusing what a configuration
 * never needs (aliases, anchors, tags, several documents), then checked
 * against the table of known keys.  Every error names the file, the line
 * and the key; the password never appears in a message. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pwd.h>

#include <yaml.h>

#include "esxmad.h"

#define CONF_MAX_SIZE (1024 * 1024)
#define CONF_MAX_DEPTH 16
#define CONF_MAX_NODES 20000
#define PASSWORD_FILE_MAX (64 * 1024)

/* ---- a small YAML tree ------------------------------------------------ */

typedef enum { Y_SCALAR, Y_MAP, Y_SEQ } ytype;

typedef struct ynode {
  ytype type;
  int line;                     /* 1-based */
  char *value;                  /* scalar text */
  bool plain;                   /* scalar written without quotes */
  size_t n;                     /* map: 2 * pairs (key, value, ...); seq: items */
  struct ynode **kids;
} ynode;

static void
ynode_free (ynode *n)
{
  if (!n)
    return;
  for (size_t i = 0; i < n->n; i++)
    ynode_free (n->kids[i]);
  free (n->kids);
  free (n->value);
  free (n);
}

typedef struct loader {
  const char *path;
  yaml_parser_t parser;
  size_t nodes;
} loader;

static void
cerr (const char *path, int line, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* "config '<path>' line N: <message>" (no line when line <= 0). */
static void
cerr (const char *path, int line, const char *fmt, ...)
{
  va_list ap;
  char *m = NULL;
  va_start (ap, fmt);
  if (vasprintf (&m, fmt, ap) < 0)
    abort ();
  va_end (ap);
  if (line > 0)
    one_error ("config '%s' line %d: %s", path, line, m);
  else
    one_error ("config '%s': %s", path, m);
  free (m);
}

static void
yaml_syntax_error (loader *l)
{
  yaml_parser_t *p = &l->parser;
  const char *problem = p->problem ? p->problem : "unknown problem";
  int line = (int) p->problem_mark.line + 1;
  if (p->error == YAML_READER_ERROR) {
    cerr (l->path, 0, "cannot read the file at byte %zu: %s",
          p->problem_offset, problem);
    return;
  }
  if (p->context)
    cerr (l->path, line, "yaml syntax error: %s %s (started line %d)",
          problem, p->context, (int) p->context_mark.line + 1);
  else
    cerr (l->path, line, "yaml syntax error: %s", problem);
}

static int
next_event (loader *l, yaml_event_t *ev)
{
  if (!yaml_parser_parse (&l->parser, ev)) {
    yaml_syntax_error (l);
    return -1;
  }
  return 0;
}

static ynode *build (loader *l, yaml_event_t *ev, int depth);

/* Read children until the closing event (mapping or sequence end). */
static int
build_children (loader *l, ynode *n, yaml_event_type_t end, int depth)
{
  size_t cap = 0;
  for (;;) {
    yaml_event_t ev;
    if (next_event (l, &ev) < 0)
      return -1;
    if (ev.type == end) {
      yaml_event_delete (&ev);
      return 0;
    }
    ynode *k = build (l, &ev, depth + 1);
    yaml_event_delete (&ev);
    if (!k)
      return -1;
    if (n->n == cap) {
      cap = cap ? 2 * cap : 8;
      n->kids = one_xrealloc (n->kids, cap * sizeof *n->kids);
    }
    n->kids[n->n++] = k;
  }
}

static ynode *
build (loader *l, yaml_event_t *ev, int depth)
{
  int line = (int) ev->start_mark.line + 1;
  const yaml_char_t *anchor = NULL, *tag = NULL;

  if (depth > CONF_MAX_DEPTH) {
    cerr (l->path, line, "nested deeper than %d levels", CONF_MAX_DEPTH);
    return NULL;
  }
  if (++l->nodes > CONF_MAX_NODES) {
    cerr (l->path, line, "more than %d values", CONF_MAX_NODES);
    return NULL;
  }
  switch (ev->type) {
  case YAML_ALIAS_EVENT:
    cerr (l->path, line, "yaml aliases ('*%s') are not supported",
          (const char *) ev->data.alias.anchor);
    return NULL;
  case YAML_SCALAR_EVENT:
    anchor = ev->data.scalar.anchor;
    tag = ev->data.scalar.tag;
    break;
  case YAML_MAPPING_START_EVENT:
    anchor = ev->data.mapping_start.anchor;
    tag = ev->data.mapping_start.tag;
    break;
  case YAML_SEQUENCE_START_EVENT:
    anchor = ev->data.sequence_start.anchor;
    tag = ev->data.sequence_start.tag;
    break;
  default:
    cerr (l->path, line, "unexpected yaml event %d", (int) ev->type);
    return NULL;
  }
  if (anchor) {
    cerr (l->path, line, "yaml anchors ('&%s') are not supported",
          (const char *) anchor);
    return NULL;
  }
  if (tag) {
    cerr (l->path, line, "yaml tags ('%s') are not supported",
          (const char *) tag);
    return NULL;
  }

  ynode *n = one_xcalloc (1, sizeof *n);
  n->line = line;
  if (ev->type == YAML_SCALAR_EVENT) {
    n->type = Y_SCALAR;
    n->value = one_xstrndup ((const char *) ev->data.scalar.value,
                             ev->data.scalar.length);
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (strlen (n->value) != ev->data.scalar.length) {
      cerr (l->path, line, "NUL character in a value");
      ynode_free (n);
      return NULL;
    }
    return n;
  }
  n->type = ev->type == YAML_MAPPING_START_EVENT ? Y_MAP : Y_SEQ;
  if (build_children (l, n, n->type == Y_MAP ? YAML_MAPPING_END_EVENT
                      : YAML_SEQUENCE_END_EVENT, depth) < 0) {
    ynode_free (n);
    return NULL;
  }
  return n;
}

/* Checks libyaml does not make, or makes with a vaguer message: valid
 * UTF-8, no NUL, no control characters, no tab in the indentation. */
static int
prescan (const char *path, const char *data, size_t len)
{
  int line = 1;
  bool at_indent = true;
  for (size_t i = 0; i < len;) {
    unsigned char c = data[i];
    if (c == '\n') {
      line++;
      at_indent = true;
      i++;
      continue;
    }
    if (c == '\t' && at_indent) {
      /* A tab before the first character of a non-blank line. */
      size_t j = i;
      while (j < len && (data[j] == ' ' || data[j] == '\t'))
        j++;
      if (j < len && data[j] != '\n' && data[j] != '\r' && data[j] != '#') {
        cerr (path, line, "tab character in the indentation (yaml "
              "indents with spaces only)");
        return -1;
      }
    }
    if (c != ' ' && c != '\t')
      at_indent = false;
    if (c < 0x80) {
      if (c == 0) {
        cerr (path, line, "NUL byte in the file");
        return -1;
      }
      if (c < 0x20 && c != '\t' && c != '\r') {
        cerr (path, line, "control character 0x%02x in the file", c);
        return -1;
      }
      i++;
      continue;
    }
    /* UTF-8 sequence: length, then continuation bytes, no overlong form,
     * no surrogate, nothing above U+10FFFF. */
    size_t n;
    unsigned int cp;
    if (c >= 0xc2 && c <= 0xdf) { n = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; cp = c & 0x07; }
    else goto bad;
    if (i + n > len)
      goto bad;
    for (size_t k = 1; k < n; k++) {
      unsigned char d = data[i + k];
      if ((d & 0xc0) != 0x80)
        goto bad;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff
        || (cp >= 0xd800 && cp <= 0xdfff))
      goto bad;
    i += n;
  }
  return 0;
 bad:
  cerr (path, line, "the file is not valid UTF-8");
  return -1;
}

/* Parse the text into one tree; NULL (error set) on failure.  An empty
 * document gives *root = NULL and returns 0. */
static int
load_tree (const char *path, const char *data, size_t len, ynode **root)
{
  loader l = { .path = path };
  int ret = -1;
  yaml_event_t ev;
  bool have_ev = false;

  *root = NULL;
  if (prescan (path, data, len) < 0)
    return -1;
  if (!yaml_parser_initialize (&l.parser)) {
    one_error ("yaml_parser_initialize: out of memory");
    return -1;
  }
  yaml_parser_set_input_string (&l.parser, (const unsigned char *) data, len);
  yaml_parser_set_encoding (&l.parser, YAML_UTF8_ENCODING);

  if (next_event (&l, &ev) < 0)     /* STREAM-START */
    goto out;
  yaml_event_delete (&ev);
  if (next_event (&l, &ev) < 0)
    goto out;
  have_ev = true;
  if (ev.type == YAML_STREAM_END_EVENT) {
    ret = 0;
    goto out;
  }
  if (ev.type != YAML_DOCUMENT_START_EVENT) {
    cerr (path, (int) ev.start_mark.line + 1, "expected a yaml document");
    goto out;
  }
  yaml_event_delete (&ev);
  have_ev = false;
  if (next_event (&l, &ev) < 0)
    goto out;
  have_ev = true;
  *root = build (&l, &ev, 0);
  if (!*root)
    goto out;
  yaml_event_delete (&ev);
  have_ev = false;
  if (next_event (&l, &ev) < 0)     /* DOCUMENT-END */
    goto out;
  yaml_event_delete (&ev);
  if (next_event (&l, &ev) < 0)
    goto out;
  have_ev = true;
  if (ev.type != YAML_STREAM_END_EVENT) {
    cerr (path, (int) ev.start_mark.line + 1,
          "more than one yaml document in the file");
    goto out;
  }
  ret = 0;
 out:
  if (have_ev)
    yaml_event_delete (&ev);
  yaml_parser_delete (&l.parser);
  if (ret < 0) {
    ynode_free (*root);
    *root = NULL;
  }
  return ret;
}

/* ---- value checks ------------------------------------------------------ */

/* A plain empty scalar, '~' or 'null' is YAML's null (Ruby nil). */
static bool
is_null (const ynode *v)
{
  return v->type == Y_SCALAR && v->plain
    && (v->value[0] == '\0' || strcmp (v->value, "~") == 0
        || strcmp (v->value, "null") == 0 || strcmp (v->value, "Null") == 0
        || strcmp (v->value, "NULL") == 0);
}

static const char *
type_name (const ynode *v)
{
  return v->type == Y_MAP ? "a map" : v->type == Y_SEQ ? "a list" : "a value";
}

typedef struct kctx {
  const char *path;
  const char *section;          /* NULL, or "hosts 'esx1'" */
  const char *key;              /* as written, without the leading colon */
  int line;
} kctx;

static void
kerr (const kctx *k, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

static void
kerr (const kctx *k, const char *fmt, ...)
{
  va_list ap;
  char *m = NULL;
  va_start (ap, fmt);
  if (vasprintf (&m, fmt, ap) < 0)
    abort ();
  va_end (ap);
  if (k->section)
    cerr (k->path, k->line, "%s: key '%s': %s", k->section, k->key, m);
  else
    cerr (k->path, k->line, "key '%s': %s", k->key, m);
  free (m);
}

static int
want_scalar (const kctx *k, const ynode *v)
{
  if (v->type != Y_SCALAR) {
    kerr (k, "expected a single value, found %s", type_name (v));
    return -1;
  }
  return 0;
}

/* A string; NULL for YAML null. */
static int
get_str (const kctx *k, const ynode *v, char **out)
{
  if (want_scalar (k, v) < 0)
    return -1;
  for (const unsigned char *p = (const unsigned char *) v->value; *p; p++)
    if (*p < 0x20 || *p == 0x7f) {
      kerr (k, "control character in the value");
      return -1;
    }
  free (*out);
  *out = is_null (v) ? NULL : one_xstrdup (v->value);
  return 0;
}

static int
get_int (const kctx *k, const ynode *v, int min, int max, const char *what,
         int *out)
{
  if (want_scalar (k, v) < 0)
    return -1;
  if (is_null (v)) {
    *out = 0;                   /* unset: the default applies */
    return 0;
  }
  int64_t x;
  if (one_parse_int64 (v->value, min, max, &x) < 0) {
    kerr (k, "expected %s (%d to %d), found '%s'", what, min, max, v->value);
    return -1;
  }
  *out = (int) x;
  return 0;
}

/* Booleans: YAML 1.1's words, plus "y"/"n" because OpenNebula's docs
 * told operators to write Y/N.  (Ruby treats "N" as true; see the man
 * page.)  Null means false, as in Ruby. */
static int
get_bool (const kctx *k, const ynode *v, bool *out)
{
  if (want_scalar (k, v) < 0)
    return -1;
  static const char *const t[] = { "true", "yes", "on", "y", NULL };
  static const char *const f[] = { "false", "no", "off", "n", NULL };
  if (is_null (v)) {
    *out = false;
    return 0;
  }
  for (int i = 0; t[i]; i++)
    if (strcasecmp (v->value, t[i]) == 0) {
      *out = true;
      return 0;
    }
  for (int i = 0; f[i]; i++)
    if (strcasecmp (v->value, f[i]) == 0) {
      *out = false;
      return 0;
    }
  kerr (k, "expected true or false, found '%s'", v->value);
  return -1;
}

/* SHA1 fingerprint, 20 hex pairs separated by ':', returned upper case. */
static int
get_thumbprint (const kctx *k, const ynode *v, char **out)
{
  char *s = NULL;
  if (get_str (k, v, &s) < 0)
    return -1;
  if (!s) {
    free (*out);
    *out = NULL;
    return 0;
  }
  bool ok = strlen (s) == 59;
  for (int i = 0; ok && i < 59; i++) {
    if (i % 3 == 2)
      ok = s[i] == ':';
    else
      ok = isxdigit ((unsigned char) s[i]);
  }
  if (!ok) {
    kerr (k, "expected a SHA1 fingerprint of 20 hex pairs separated by ':' "
          "(AA:BB:...), found '%s'", s);
    free (s);
    return -1;
  }
  for (char *p = s; *p; p++)
    *p = toupper ((unsigned char) *p);
  free (*out);
  *out = s;
  return 0;
}

static char *
home_dir (void)
{
  const char *h = getenv ("HOME");
  if (h && *h)
    return one_xstrdup (h);
  struct passwd *pw = getpwuid (getuid ());
  return one_xstrdup (pw && pw->pw_dir ? pw->pw_dir : "/");
}

/* ~/x -> $HOME/x; a relative path is taken relative to the folder of
 * the configuration file. */
static char *
expand_path (const char *conf_path, const char *p)
{
  if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
    ONE_AUTOFREE char *h = home_dir ();
    return one_xasprintf ("%s%s", h, p + 1);
  }
  if (p[0] == '/')
    return one_xstrdup (p);
  const char *slash = strrchr (conf_path, '/');
  if (!slash)
    return one_xstrdup (p);
  return one_xasprintf ("%.*s/%s", (int) (slash - conf_path), conf_path, p);
}

static int
get_path (const kctx *k, const ynode *v, const char *conf_path, char **out)
{
  char *s = NULL;
  if (get_str (k, v, &s) < 0)
    return -1;
  free (*out);
  *out = s ? expand_path (conf_path, s) : NULL;
  free (s);
  return 0;
}

/* Host names and addresses end up inside URIs and ssh: keep them plain. */
static bool
valid_hostname (const char *s, bool allow_colon)
{
  if (!s || !*s || strlen (s) > 253)
    return false;
  for (const char *p = s; *p; p++)
    if (!(isalnum ((unsigned char) *p) || *p == '.' || *p == '-' || *p == '_'
          || (allow_colon && *p == ':')))
      return false;
  return true;
}

/* ---- the schema -------------------------------------------------------- */

typedef enum {
  K_STR, K_SECRET, K_PATH, K_BOOL, K_PORT, K_SECONDS, K_THUMB, K_HOSTS,
  K_ADDRESS
} ktype;

typedef struct kdef {
  const char *name;
  ktype type;
  size_t off;
} kdef;

#define C(f) offsetof (one_conf, f)
static const kdef top_keys[] = {
  { "libvirt_uri", K_STR, C (libvirt_uri) },
  { "username", K_STR, C (username) },
  { "password", K_SECRET, C (password) },
  { "password_file", K_PATH, C (password_file) },
  { "datacenter", K_STR, C (datacenter) },
  { "vcenter", K_STR, C (vcenter) },
  { "cluster", K_STR, C (cluster) },
  { "reserve_memory_in_disk", K_BOOL, C (reserve_memory_in_disk) },
  { "ssh_user", K_STR, C (ssh_user) },
  { "ssh_port", K_PORT, C (ssh_port) },
  { "ssh_identity", K_PATH, C (ssh_identity) },
  { "ssh_known_hosts", K_PATH, C (ssh_known_hosts) },
  { "tls_thumbprint", K_THUMB, C (tls_thumbprint) },
  { "tls_ca_file", K_PATH, C (tls_ca_file) },
  { "timeout", K_SECONDS, C (timeout) },
  { "shutdown_timeout", K_SECONDS, C (shutdown_timeout) },
  { "libvirt_timeout", K_SECONDS, C (libvirt_timeout) },
  { "cache_dir", K_PATH, C (cache_dir) },
  { "hosts", K_HOSTS, 0 },
  { NULL, 0, 0 }
};
#undef C
#define H(f) offsetof (one_host_conf, f)
static const kdef host_keys[] = {
  { "address", K_ADDRESS, H (address) },
  { "api_port", K_PORT, H (api_port) },
  { "ssh_port", K_PORT, H (ssh_port) },
  { "tls_thumbprint", K_THUMB, H (tls_thumbprint) },
  { "libvirt_uri", K_STR, H (libvirt_uri) },
  { NULL, 0, 0 }
};
#undef H

/* The key as written, without the leading colon of a Ruby symbol. */
static const char *
key_name (const ynode *k)
{
  return k->value[0] == ':' ? k->value + 1 : k->value;
}

/* Common checks of a map: every key a scalar, none twice. */
static int
check_map_keys (const char *path, const char *section, const ynode *m)
{
  for (size_t i = 0; i < m->n; i += 2) {
    const ynode *k = m->kids[i];
    if (k->type != Y_SCALAR) {
      if (section)
        cerr (path, k->line, "%s: a key must be a single word, found %s",
              section, type_name (k));
      else
        cerr (path, k->line, "a key must be a single word, found %s",
              type_name (k));
      return -1;
    }
    for (size_t j = 0; j < i; j += 2) {
      const ynode *o = m->kids[j];
      if (strcmp (key_name (o), key_name (k)) == 0) {
        if (section)
          cerr (path, k->line, "%s: duplicate key '%s' (first on line %d)",
                section, key_name (k), o->line);
        else
          cerr (path, k->line, "duplicate key '%s' (first on line %d)",
                key_name (k), o->line);
        return -1;
      }
    }
  }
  return 0;
}

static const kdef *
find_key (const kdef *defs, const char *name)
{
  for (int i = 0; defs[i].name; i++)
    if (strcmp (defs[i].name, name) == 0)
      return &defs[i];
  return NULL;
}

static int
set_value (const kctx *k, const kdef *d, const ynode *v, void *base,
           const char *conf_path)
{
  char **sp = (char **) ((char *) base + d->off);
  int *ip = (int *) ((char *) base + d->off);
  switch (d->type) {
  case K_STR:
  case K_SECRET:
    return get_str (k, v, sp);
  case K_PATH:
    return get_path (k, v, conf_path, sp);
  case K_ADDRESS:
    if (get_str (k, v, sp) < 0)
      return -1;
    if (*sp && !valid_hostname (*sp, true)) {
      kerr (k, "expected a host name or IP address, found '%s'", *sp);
      return -1;
    }
    return 0;
  case K_BOOL:
    return get_bool (k, v, (bool *) ((char *) base + d->off));
  case K_PORT:
    return get_int (k, v, 1, 65535, "a port number", ip);
  case K_SECONDS:
    return get_int (k, v, 1, 7 * 86400, "a number of seconds", ip);
  case K_THUMB:
    return get_thumbprint (k, v, sp);
  case K_HOSTS:
    break;
  }
  abort ();
}

static int
load_hosts (one_conf *c, const ynode *v, int line)
{
  kctx k = { .path = c->path, .key = "hosts", .line = line };
  if (is_null (v))
    return 0;
  if (v->type != Y_MAP) {
    kerr (&k, "expected a map of host names, found %s", type_name (v));
    return -1;
  }
  if (check_map_keys (c->path, "hosts", v) < 0)
    return -1;
  c->hosts = one_xcalloc (v->n / 2 + 1, sizeof *c->hosts);
  for (size_t i = 0; i < v->n; i += 2) {
    const ynode *hk = v->kids[i], *hv = v->kids[i + 1];
    one_host_conf *h = &c->hosts[c->n_hosts++];
    h->name = one_xstrdup (hk->value);
    if (!valid_hostname (h->name, false)) {
      cerr (c->path, hk->line, "hosts: bad host name '%s' (letters, digits, "
            "'.', '-', '_')", h->name);
      return -1;
    }
    ONE_AUTOFREE char *section = one_xasprintf ("hosts '%s'", h->name);
    if (is_null (hv))
      continue;
    if (hv->type != Y_MAP) {
      cerr (c->path, hv->line, "%s: expected a map of settings, found %s",
            section, type_name (hv));
      return -1;
    }
    if (check_map_keys (c->path, section, hv) < 0)
      return -1;
    for (size_t j = 0; j < hv->n; j += 2) {
      const ynode *kk = hv->kids[j], *vv = hv->kids[j + 1];
      kctx hk2 = { .path = c->path, .section = section, .key = key_name (kk),
                   .line = kk->line };
      const kdef *d = find_key (host_keys, key_name (kk));
      if (!d) {
        cerr (c->path, kk->line, "%s: unknown key '%s' (known: address, "
              "api_port, ssh_port, tls_thumbprint, libvirt_uri)", section,
              key_name (kk));
        return -1;
      }
      if (set_value (&hk2, d, vv, h, c->path) < 0)
        return -1;
    }
  }
  return 0;
}

static bool
readable_by_others (const char *path, mode_t *mode)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return false;
  *mode = st.st_mode & 07777;
  return (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

static int
read_password_file (one_conf *c, int line)
{
  ONE_AUTOFREE char *data = NULL;
  size_t len;
  if (one_read_file (c->password_file, PASSWORD_FILE_MAX, &data, &len) < 0) {
    one_error_prefix ("config '%s' line %d: key 'password_file'", c->path,
                      line);
    return -1;
  }
  if (strlen (data) != len) {
    cerr (c->path, line, "key 'password_file': '%s' contains a NUL byte",
          c->password_file);
    return -1;
  }
  size_t n = strcspn (data, "\n");
  if (n > 0 && data[n - 1] == '\r')
    n--;
  free (c->password);
  c->password = one_xstrndup (data, n);
  one_secret_register (c->password);
  mode_t mode;
  if (readable_by_others (c->password_file, &mode))
    one_warn ("password file '%s' is readable by group or others (mode "
              "%04o): run chmod 600 '%s'", c->password_file,
              (unsigned) mode, c->password_file);
  return 0;
}

static int
load_conf (one_conf *c, const ynode *root, bool from_file)
{
  int password_line = 0, password_file_line = 0;

  if (!root) {
    cerr (c->path, 0, "the file is empty (expected keys such as "
          ":libvirt_uri:)");
    return -1;
  }
  if (root->type != Y_MAP) {
    cerr (c->path, root->line, "expected a map of keys (:key: value), "
          "found %s", type_name (root));
    return -1;
  }
  /* Mask the password in messages before anything else is checked. */
  for (size_t i = 0; i < root->n; i += 2) {
    const ynode *k = root->kids[i], *v = root->kids[i + 1];
    if (k->type == Y_SCALAR && v->type == Y_SCALAR
        && strcmp (key_name (k), "password") == 0)
      one_secret_register (v->value);
  }
  if (check_map_keys (c->path, NULL, root) < 0)
    return -1;
  for (size_t i = 0; i < root->n; i += 2) {
    const ynode *k = root->kids[i], *v = root->kids[i + 1];
    const char *name = key_name (k);
    const kdef *d = find_key (top_keys, name);
    if (!d) {
      cerr (c->path, k->line, "unknown key '%s'", name);
      return -1;
    }
    kctx kc = { .path = c->path, .key = name, .line = k->line };
    if (d->type == K_HOSTS) {
      if (load_hosts (c, v, k->line) < 0)
        return -1;
      continue;
    }
    if (set_value (&kc, d, v, c, c->path) < 0)
      return -1;
    if (d->type == K_SECRET) {
      password_line = k->line;
      one_secret_register (c->password);
    }
    if (strcmp (name, "password_file") == 0)
      password_file_line = k->line;
  }

  if (c->password && *c->password && c->password_file) {
    cerr (c->path, password_file_line, "both :password: (line %d) and "
          ":password_file: are set: keep one", password_line);
    return -1;
  }
  if (c->password_file) {
    if (read_password_file (c, password_file_line) < 0)
      return -1;
  }
  else if (from_file && c->password && *c->password) {
    mode_t mode;
    if (readable_by_others (c->path, &mode))
      one_warn ("config '%s' holds a password and is readable by group or "
                "others (mode %04o): run chmod 600 '%s', or move the "
                "password to a :password_file:", c->path, (unsigned) mode,
                c->path);
  }
  return 0;
}

/* ---- public API -------------------------------------------------------- */

char *
one_conf_default_path (void)
{
  const char *e = getenv ("VMWARERC");
  if (e && *e)
    return one_xstrdup (e);
  e = getenv ("ONE_LOCATION");
  if (e && *e)
    return one_xasprintf ("%s/etc/vmwarerc", e);
  return one_xstrdup ("/etc/one/vmwarerc");
}

void
one_conf_free (one_conf *c)
{
  if (!c)
    return;
  free (c->path);
  free (c->libvirt_uri);
  free (c->username);
  free (c->password);
  free (c->password_file);
  free (c->datacenter);
  free (c->vcenter);
  free (c->cluster);
  free (c->ssh_user);
  free (c->ssh_identity);
  free (c->ssh_known_hosts);
  free (c->tls_thumbprint);
  free (c->tls_ca_file);
  free (c->cache_dir);
  for (size_t i = 0; i < c->n_hosts; i++) {
    one_host_conf *h = &c->hosts[i];
    free (h->name);
    free (h->address);
    free (h->tls_thumbprint);
    free (h->libvirt_uri);
  }
  free (c->hosts);
  free (c);
}

/* Parse and validate, then apply the defaults.  'from_file': the text
 * is the file at 'path' (whose mode the password warning checks). */
static one_conf *
conf_parse (const char *path, const char *data, size_t len, bool from_file)
{
  ONE_AUTO (one_conf) *c = one_xcalloc (1, sizeof *c);
  ynode *root = NULL;

  c->path = one_xstrdup (path);
  c->reserve_memory_in_disk = true;
  if (len > CONF_MAX_SIZE) {
    cerr (path, 0, "file larger than %d bytes", CONF_MAX_SIZE);
    return NULL;
  }
  if (load_tree (path, data, len, &root) < 0)
    return NULL;
  int r = load_conf (c, root, from_file);
  ynode_free (root);
  if (r < 0)
    return NULL;

  /* Defaults. */
  if (!c->password)
    c->password = one_xstrdup ("");
  if (!c->datacenter)
    c->datacenter = one_xstrdup ("ha-datacenter");
  if (!c->ssh_user && c->username)
    c->ssh_user = one_xstrdup (c->username);
  if (!c->ssh_port)
    c->ssh_port = 22;
  if (!c->ssh_known_hosts) {
    ONE_AUTOFREE char *h = home_dir ();
    c->ssh_known_hosts = one_xasprintf ("%s/.ssh/known_hosts", h);
  }
  if (!c->timeout)
    c->timeout = 60;
  if (!c->shutdown_timeout)
    c->shutdown_timeout = 300;
  if (!c->libvirt_timeout)
    c->libvirt_timeout = 1800;
  if (!c->cache_dir)
    c->cache_dir = one_xasprintf ("/var/tmp/esxmad-%ld", (long) getuid ());
  return one_steal_pointer (&c);
}

one_conf *
one_conf_parse (const char *path, const char *data, size_t len)
{
  return conf_parse (path, data, len, false);
}

one_conf *
one_conf_load (const char *path)
{
  ONE_AUTOFREE char *data = NULL;
  size_t len;
  struct stat st;
  if (stat (path, &st) < 0) {
    cerr (path, 0, "%s", strerror (errno));
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    cerr (path, 0, "not a regular file");
    return NULL;
  }
  if (st.st_size > CONF_MAX_SIZE) {
    cerr (path, 0, "file larger than %d bytes", CONF_MAX_SIZE);
    return NULL;
  }
  if (one_read_file (path, CONF_MAX_SIZE, &data, &len) < 0) {
    one_error_prefix ("config '%s'", path);
    return NULL;
  }
  return conf_parse (path, data, len, true);
}

one_conf *
one_conf_load_default (void)
{
  ONE_AUTOFREE char *p = one_conf_default_path ();
  return one_conf_load (p);
}

const one_host_conf *
one_conf_host (const one_conf *c, const char *host)
{
  for (size_t i = 0; host && i < c->n_hosts; i++)
    if (strcmp (c->hosts[i].name, host) == 0)
      return &c->hosts[i];
  return NULL;
}

/* ---- connection targets ------------------------------------------------ */

#define DEFAULT_URI "esx://@HOST@/?auto_answer=1"

static char *
replace_all (const char *s, const char *from, const char *to)
{
  one_buf b = { 0 };
  size_t fl = strlen (from);
  const char *p;
  while ((p = strstr (s, from))) {
    one_buf_append (&b, s, p - s);
    one_buf_puts (&b, to);
    s = p + fl;
  }
  one_buf_puts (&b, s);
  return one_buf_steal (&b);
}

/* Strip blanks, then one pair of surrounding single (or double) quotes. */
static char *
strip_quotes (const char *s)
{
  while (*s == ' ')
    s++;
  size_t n = strlen (s);
  while (n > 0 && s[n - 1] == ' ')
    n--;
  if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
    s++;
    n -= 2;
  }
  return one_xstrndup (s, n);
}

/* Split "scheme://authority/rest" into its parts: the authority's host
 * and port ("" / 0 when absent). */
typedef struct uri_parts {
  char *scheme;                 /* "esx" */
  char *userinfo;               /* "user@" or "" */
  char *host;
  int port;
  char *rest;                   /* "/path?query" */
  char *query;                  /* points into rest, or NULL */
} uri_parts;

static void
uri_parts_clear (uri_parts *u)
{
  free (u->scheme);
  free (u->userinfo);
  free (u->host);
  free (u->rest);
}

static int
uri_split (const char *uri, uri_parts *u)
{
  memset (u, 0, sizeof *u);
  const char *sep = strstr (uri, "://");
  if (!sep || sep == uri) {
    one_error ("libvirt uri '%s': expected scheme://host/...", uri);
    return -1;
  }
  for (const char *p = uri; p < sep; p++)
    if (!isalnum ((unsigned char) *p) && *p != '+' && *p != '-'
        && *p != '.') {
      one_error ("libvirt uri '%s': bad scheme", uri);
      return -1;
    }
  u->scheme = one_xstrndup (uri, sep - uri);
  const char *a = sep + 3;
  size_t alen = strcspn (a, "/?#");
  ONE_AUTOFREE char *auth = one_xstrndup (a, alen);
  u->rest = one_xstrdup (a + alen);
  char *q = strchr (u->rest, '?');
  u->query = q ? q + 1 : NULL;
  char *at = strrchr (auth, '@');
  u->userinfo = at ? one_xstrndup (auth, at - auth + 1) : one_xstrdup ("");
  char *hp = at ? at + 1 : auth;
  char *colon;
  if (hp[0] == '[') {
    char *end = strchr (hp, ']');
    if (!end) {
      one_error ("libvirt uri '%s': unterminated '[' in the host", uri);
      goto err;
    }
    u->host = one_xstrndup (hp + 1, end - hp - 1);
    colon = end[1] == ':' ? end + 1 : NULL;
    if (end[1] && !colon) {
      one_error ("libvirt uri '%s': bad host", uri);
      goto err;
    }
  }
  else {
    colon = strrchr (hp, ':');
    u->host = colon ? one_xstrndup (hp, colon - hp) : one_xstrdup (hp);
  }
  if (colon) {
    int64_t port;
    if (one_parse_int64 (colon + 1, 1, 65535, &port) < 0) {
      one_error ("libvirt uri '%s': bad port '%s'", uri, colon + 1);
      goto err;
    }
    u->port = (int) port;
  }
  return 0;
 err:
  uri_parts_clear (u);
  return -1;
}

/* Is "name=value" one of the '&'-separated parameters of the query? */
static bool
query_has (const char *query, const char *param)
{
  size_t pl = strlen (param);
  for (const char *p = query; p && *p;) {
    size_t n = strcspn (p, "&");
    if (n == pl && strncmp (p, param, pl) == 0)
      return true;
    p += n;
    if (*p == '&')
      p++;
  }
  return false;
}

void
one_target_free (one_target *t)
{
  if (!t)
    return;
  free (t->host);
  free (t->address);
  free (t->libvirt_uri);
  free (t->tls_thumbprint);
  free (t->tls_ca_file);
  free (t->username);
  free (t->password);
  free (t->ssh_user);
  free (t->ssh_identity);
  free (t->ssh_known_hosts);
  free (t->cache_dir);
  free (t);
}

one_target *
one_target_dup (const one_target *t)
{
  one_target *d = one_xcalloc (1, sizeof *d);
  *d = *t;
#define DUP(f) d->f = t->f ? one_xstrdup (t->f) : NULL
  DUP (host); DUP (address); DUP (libvirt_uri); DUP (tls_thumbprint);
  DUP (tls_ca_file); DUP (username); DUP (password); DUP (ssh_user);
  DUP (ssh_identity); DUP (ssh_known_hosts); DUP (cache_dir);
#undef DUP
  return d;
}

one_target *
one_conf_target (const one_conf *c, const char *host)
{
  if (!valid_hostname (host, false)) {
    one_error ("host name '%s': only letters, digits, '.', '-' and '_' are "
               "allowed", host ? host : "");
    return NULL;
  }
  if (!c->username || !*c->username) {
    one_error ("config '%s': no :username: set", c->path);
    return NULL;
  }
  const one_host_conf *h = one_conf_host (c, host);
  ONE_AUTO (one_target) *t = one_xcalloc (1, sizeof *t);
  t->host = one_xstrdup (host);

  const char *raw = h && h->libvirt_uri ? h->libvirt_uri
    : c->libvirt_uri ? c->libvirt_uri : DEFAULT_URI;
  bool from_host = h && h->libvirt_uri;
  ONE_AUTOFREE char *stripped = strip_quotes (raw);
  ONE_AUTOFREE char *uri = replace_all (stripped, "@HOST@", host);
  uri_parts u;
  if (uri_split (uri, &u) < 0) {
    one_error_prefix ("config '%s'%s%s", c->path,
                      from_host ? ": hosts " : "", from_host ? host : "");
    return NULL;
  }
  t->tls_http = query_has (u.query, "transport=http");
  t->tls_no_verify = query_has (u.query, "no_verify=1");

  /* :address: / :api_port: rewrite the authority of the shared URI; a
   * host's own :libvirt_uri: is taken as written. */
  const char *addr = h && h->address ? h->address
    : u.host[0] ? u.host : host;
  int port = h && h->api_port ? h->api_port : u.port;
  if (!from_host && h && (h->address || h->api_port)) {
    bool v6 = strchr (addr, ':') != NULL;
    one_buf b = { 0 };
    one_buf_printf (&b, "%s://%s%s%s%s", u.scheme, u.userinfo,
                    v6 ? "[" : "", addr, v6 ? "]" : "");
    if (port)
      one_buf_printf (&b, ":%d", port);
    one_buf_puts (&b, u.rest);
    t->libvirt_uri = one_buf_steal (&b);
  }
  else
    t->libvirt_uri = one_xstrdup (uri);
  t->address = one_xstrdup (addr);
  t->api_port = port ? port : t->tls_http ? 80 : 443;
  uri_parts_clear (&u);

  t->ssh_port = h && h->ssh_port ? h->ssh_port : c->ssh_port ? c->ssh_port : 22;
  t->tls_thumbprint = one_xstrdup (h && h->tls_thumbprint ? h->tls_thumbprint
                                   : c->tls_thumbprint);
  t->tls_ca_file = one_xstrdup (c->tls_ca_file);
  if (t->tls_thumbprint || t->tls_ca_file)
    t->tls_no_verify = false;
  t->username = one_xstrdup (c->username);
  t->password = one_xstrdup (c->password ? c->password : "");
  t->ssh_user = one_xstrdup (c->ssh_user ? c->ssh_user : c->username);
  t->ssh_identity = one_xstrdup (c->ssh_identity);
  t->ssh_known_hosts = one_xstrdup (c->ssh_known_hosts);
  t->timeout = c->timeout > 0 ? c->timeout : 60;
  t->libvirt_timeout = c->libvirt_timeout > 0 ? c->libvirt_timeout : 1800;
  t->cache_dir = one_xstrdup (c->cache_dir);
  return one_steal_pointer (&t);
}
