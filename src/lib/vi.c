/* esxmad: a small vSphere API (SOAP) client.  See vi.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <expat.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "err.h"
#include "tls.h"
#include "util.h"
#include "vi.h"

#define VI_MAX_RESPONSE (512u << 20)
#define VI_MAX_DEPTH 256
#define VI_MAX_OBJECTS 100000
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

/* ====================================================================== */
/* DOM                                                                    */
/* ====================================================================== */

static const char *
local_name (const char *s)
{
  const char *p = strrchr (s, '|');     /* Expat's namespace separator */
  if (p)
    return p + 1;
  p = strchr (s, ':');
  return p ? p + 1 : s;
}

struct parse_ctx {
  XML_Parser p;
  one_vi_node *root, *cur;
  one_buf text;
  int depth;
  bool failed;
};

static void
node_set_text (struct parse_ctx *c)
{
  if (c->cur) {
    free (c->cur->text);
    c->cur->text = one_buf_steal (&c->text);
  }
  else
    one_buf_reset (&c->text);
}

static void XMLCALL
on_start (void *data, const XML_Char *name, const XML_Char **atts)
{
  struct parse_ctx *c = data;
  if (++c->depth > VI_MAX_DEPTH) {
    c->failed = true;
    XML_StopParser (c->p, XML_FALSE);
    return;
  }
  if (c->cur && c->cur->child == NULL)
    one_buf_reset (&c->text);   /* mixed content: keep leaf text only */
  one_vi_node *n = one_xcalloc (1, sizeof *n);
  n->name = one_xstrdup (local_name (name));
  size_t na = 0;
  while (atts[na])
    na += 2;
  n->attrs = one_xcalloc (na + 1, sizeof (char *));
  size_t j = 0;
  for (size_t i = 0; atts[i]; i += 2) {
    const char *an = atts[i];
    const char *bar = strrchr (an, '|');
    if (bar && strcmp (bar + 1, "type") == 0
        && strncmp (an, XSI_NS, (size_t) (bar - an)) == 0
        && (size_t) (bar - an) == strlen (XSI_NS)) {
      free (n->type);
      n->type = one_xstrdup (local_name (atts[i + 1]));
      continue;
    }
    n->attrs[j++] = one_xstrdup (local_name (an));
    n->attrs[j++] = one_xstrdup (atts[i + 1]);
  }
  n->parent = c->cur;
  if (c->cur) {
    if (c->cur->last)
      c->cur->last->next = n;
    else
      c->cur->child = n;
    c->cur->last = n;
  }
  else if (!c->root)
    c->root = n;
  c->cur = n;
  one_buf_reset (&c->text);
}

static void XMLCALL
on_end (void *data, const XML_Char *name)
{
  (void) name;
  struct parse_ctx *c = data;
  c->depth--;
  if (!c->cur)
    return;
  if (c->cur->child == NULL)
    node_set_text (c);
  else {
    one_buf_reset (&c->text);
    if (!c->cur->text)
      c->cur->text = one_xstrdup ("");
  }
  c->cur = c->cur->parent;
}

static void XMLCALL
on_chars (void *data, const XML_Char *s, int len)
{
  struct parse_ctx *c = data;
  if (c->cur && c->cur->child == NULL)
    one_buf_append (&c->text, s, (size_t) len);
}

static void XMLCALL
on_doctype (void *data, const XML_Char *name, const XML_Char *sysid,
            const XML_Char *pubid, int has_internal)
{
  (void) name; (void) sysid; (void) pubid; (void) has_internal;
  struct parse_ctx *c = data;
  c->failed = true;             /* SOAP has no DTDs: refuse entity games */
  XML_StopParser (c->p, XML_FALSE);
}

static void
node_free1 (one_vi_node *n)
{
  while (n) {
    one_vi_node *next = n->next;
    node_free1 (n->child);
    free (n->name);
    free (n->type);
    free (n->text);
    if (n->attrs)
      for (char **a = n->attrs; *a; a++)
        free (*a);
    free (n->attrs);
    free (n);
    n = next;
  }
}

void
one_vi_node_free (one_vi_node *n)
{
  if (!n)
    return;
  while (n->parent)
    n = n->parent;
  node_free1 (n);
}

one_vi_node *
one_vi_parse (const char *xml, size_t len)
{
  struct parse_ctx c = { 0 };
  c.p = XML_ParserCreateNS ("UTF-8", '|');
  if (!c.p) {
    one_error ("XML_ParserCreateNS: out of memory");
    return NULL;
  }
  XML_SetUserData (c.p, &c);
  XML_SetElementHandler (c.p, on_start, on_end);
  XML_SetCharacterDataHandler (c.p, on_chars);
  XML_SetStartDoctypeDeclHandler (c.p, on_doctype);
  enum XML_Status st = XML_Parse (c.p, xml, (int) len, XML_TRUE);
  if (st != XML_STATUS_OK || c.failed || !c.root) {
    if (c.failed)
      one_error ("XML response: DOCTYPE or nesting deeper than %d refused",
                 VI_MAX_DEPTH);
    else if (!c.root)
      one_error ("XML response: empty document");
    else
      one_error ("XML response line %lu: %s",
                 (unsigned long) XML_GetCurrentLineNumber (c.p),
                 XML_ErrorString (XML_GetErrorCode (c.p)));
    node_free1 (c.root);
    one_buf_free (&c.text);
    XML_ParserFree (c.p);
    return NULL;
  }
  one_buf_free (&c.text);
  XML_ParserFree (c.p);
  return c.root;
}

one_vi_node *
one_vi_child (const one_vi_node *n, const char *name)
{
  if (!n)
    return NULL;
  for (one_vi_node *k = n->child; k; k = k->next)
    if (!name || strcmp (k->name, name) == 0)
      return k;
  return NULL;
}

one_vi_node *
one_vi_next (const one_vi_node *n)
{
  if (!n)
    return NULL;
  for (one_vi_node *k = n->next; k; k = k->next)
    if (strcmp (k->name, n->name) == 0)
      return k;
  return NULL;
}

one_vi_node *
one_vi_path (const one_vi_node *n, const char *path)
{
  if (!path || !*path)
    return (one_vi_node *) n;
  char seg[128];
  while (n && *path) {
    const char *slash = strchr (path, '/');
    size_t l = slash ? (size_t) (slash - path) : strlen (path);
    if (l >= sizeof seg)
      return NULL;
    memcpy (seg, path, l);
    seg[l] = '\0';
    n = one_vi_child (n, seg);
    path += l + (slash ? 1 : 0);
  }
  return (one_vi_node *) n;
}

const char *
one_vi_text (const one_vi_node *n, const char *path)
{
  n = one_vi_path (n, path);
  return n ? (n->text ? n->text : "") : NULL;
}

const char *
one_vi_attr (const one_vi_node *n, const char *name)
{
  if (!n || !n->attrs)
    return NULL;
  for (char **a = n->attrs; *a; a += 2)
    if (strcmp (a[0], name) == 0)
      return a[1];
  return NULL;
}

static bool
is_xsd_type (const char *t)
{
  static const char *const xsd[] = {
    "string", "int", "long", "short", "byte", "boolean", "float", "double",
    "dateTime", "base64Binary", "anyType", NULL
  };
  for (size_t i = 0; xsd[i]; i++)
    if (strcmp (t, xsd[i]) == 0)
      return true;
  return false;
}

void
one_vi_node_xml (one_buf *b, const one_vi_node *n, const char *as)
{
  const char *name = as ? as : n->name;
  one_buf_printf (b, "<%s", name);
  if (n->type)
    one_buf_printf (b, " xsi:type=\"%s%s\"", is_xsd_type (n->type) ? "xsd:" : "",
                    n->type);
  if (n->attrs)
    for (char **a = n->attrs; *a; a += 2) {
      one_buf_printf (b, " %s=\"", a[0]);
      one_vi_esc (b, a[1]);
      one_buf_putc (b, '"');
    }
  one_buf_putc (b, '>');
  if (n->child)
    for (const one_vi_node *k = n->child; k; k = k->next)
      one_vi_node_xml (b, k, NULL);
  else
    one_vi_esc (b, n->text ? n->text : "");
  one_buf_printf (b, "</%s>", name);
}

/* ====================================================================== */
/* Requests                                                               */
/* ====================================================================== */

void
one_vi_esc (one_buf *b, const char *s)
{
  for (; s && *s; s++) {
    unsigned char ch = (unsigned char) *s;
    switch (ch) {
    case '&': one_buf_puts (b, "&amp;"); break;
    case '<': one_buf_puts (b, "&lt;"); break;
    case '>': one_buf_puts (b, "&gt;"); break;
    case '"': one_buf_puts (b, "&quot;"); break;
    case '\'': one_buf_puts (b, "&apos;"); break;
    default:
      if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
        ;                       /* not representable in XML 1.0: dropped */
      else if (ch == '\t' || ch == '\n' || ch == '\r')
        one_buf_printf (b, "&#%d;", ch);
      else
        one_buf_putc (b, (char) ch);
    }
  }
}

void
one_vi_param (one_buf *b, const char *name, const char *value)
{
  one_buf_printf (b, "<%s>", name);
  one_vi_esc (b, value);
  one_buf_printf (b, "</%s>", name);
}

void
one_vi_moref (one_buf *b, const char *name, const char *type,
              const char *moref)
{
  one_buf_printf (b, "<%s type=\"", name);
  one_vi_esc (b, type);
  one_buf_puts (b, "\">");
  one_vi_esc (b, moref);
  one_buf_printf (b, "</%s>", name);
}

char *
one_vi_envelope (const char *method, const char *type, const char *moref,
                 const char *params)
{
  one_buf b = { 0 };
  one_buf_puts (&b,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<soapenv:Envelope"
                " xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
                " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
                " xmlns:xsi=\"" XSI_NS "\">"
                "<soapenv:Body>");
  one_buf_printf (&b, "<%s xmlns=\"urn:vim25\">", method);
  one_vi_moref (&b, "_this", type, moref);
  if (params)
    one_buf_puts (&b, params);
  one_buf_printf (&b, "</%s></soapenv:Body></soapenv:Envelope>", method);
  return one_buf_steal (&b);
}

bool
one_vi_fault (const one_vi_node *env, const char *method,
              const char **fault_type)
{
  const one_vi_node *f = one_vi_path (env, "Body/Fault");
  if (!f)
    return false;
  const char *msg = one_vi_text (f, "faultstring");
  const char *type = NULL;
  const one_vi_node *d = one_vi_child (one_vi_child (f, "detail"), NULL);
  if (d) {
    if (d->type)
      type = d->type;
    else {
      static char buf[128];
      size_t l = strlen (d->name);
      if (l > 5 && strcmp (d->name + l - 5, "Fault") == 0)
        l -= 5;
      if (l >= sizeof buf)
        l = sizeof buf - 1;
      memcpy (buf, d->name, l);
      buf[l] = '\0';
      type = buf;
    }
  }
  if (!type)
    type = one_vi_text (f, "faultcode");
  if (!type || !*type)
    type = "fault";
  if (!msg || !*msg)
    msg = "(no message)";
  one_error ("vSphere %s: %s: %s", method, type, msg);
  if (fault_type)
    *fault_type = type;
  return true;
}

/* ====================================================================== */
/* Connection                                                             */
/* ====================================================================== */

struct vi_stat { char method[48]; unsigned n; };

struct one_vi {
  CURL *curl;
  struct curl_slist *headers;
  char *url;
  char *where;                  /* "address:port" for messages */
  char *username;
  char *password;
  char *cache_dir;              /* NULL: no session cache */
  char *cache_path;             /* session file, or NULL */
  char *cookie;                 /* "vmware_soap_session=..." */
  char *new_cookie;             /* from the last response's Set-Cookie */
  char *version, *api_type;
  char *root_folder, *property_collector, *session_manager;
  char *perf_manager;           /* NULL when the server has none */
  bool from_cache;              /* current session came from the cache */
  int timeout;
  /* TLS thumbprint pinning */
  char *expect_tp;
  char seen_tp[64];
  bool tp_mismatch;
  one_buf resp;
  bool resp_too_big;
  char errbuf[CURL_ERROR_SIZE];
  char *ca_file;
  unsigned requests, logins, connects;
  struct vi_stat stats[48];
  size_t n_stats;
};

const char *one_vi_root_folder (const one_vi *vi) { return vi->root_folder; }

static int service_content (one_vi *vi);
static void save_session (one_vi *vi);

const char *
one_vi_perf_manager (one_vi *vi)
{
  /* A session cached before esxmad read it: ask once more. */
  if (!vi->perf_manager && vi->from_cache && service_content (vi) == 0)
    save_session (vi);
  one_error_reset ();
  return vi->perf_manager;
}

char *
one_vi_cache_file (const one_vi *vi, const char *suffix)
{
  return vi->cache_path ? one_xasprintf ("%s-%s", vi->cache_path, suffix) : NULL;
}
const char *one_vi_property_collector (const one_vi *vi) { return vi->property_collector; }
const char *one_vi_api_version (const one_vi *vi) { return vi->version; }
bool one_vi_is_vcenter (const one_vi *vi)
{
  return one_streq (vi->api_type, "VirtualCenter");
}
unsigned one_vi_requests (const one_vi *vi) { return vi->requests; }
unsigned one_vi_logins (const one_vi *vi) { return vi->logins; }
unsigned one_vi_connections (const one_vi *vi) { return vi->connects; }

static void
count (one_vi *vi, const char *method)
{
  vi->requests++;
  for (size_t i = 0; i < vi->n_stats; i++)
    if (strcmp (vi->stats[i].method, method) == 0) {
      vi->stats[i].n++;
      return;
    }
  if (vi->n_stats < sizeof vi->stats / sizeof vi->stats[0]) {
    snprintf (vi->stats[vi->n_stats].method,
              sizeof vi->stats[0].method, "%s", method);
    vi->stats[vi->n_stats++].n = 1;
  }
}

static size_t
on_write (char *ptr, size_t size, size_t nmemb, void *data)
{
  one_vi *vi = data;
  size_t n = size * nmemb;
  if (vi->resp.len + n > VI_MAX_RESPONSE) {
    vi->resp_too_big = true;
    return 0;
  }
  one_buf_append (&vi->resp, ptr, n);
  return n;
}

static size_t
on_header (char *ptr, size_t size, size_t nmemb, void *data)
{
  one_vi *vi = data;
  size_t n = size * nmemb;
  static const char h[] = "set-cookie:";
  if (n > sizeof h - 1 && strncasecmp (ptr, h, sizeof h - 1) == 0) {
    const char *v = ptr + sizeof h - 1;
    const char *end = ptr + n;
    while (v < end && (*v == ' ' || *v == '\t'))
      v++;
    const char *e = v;
    while (e < end && *e != ';' && *e != '\r' && *e != '\n')
      e++;
    if (e - v > 20 && strncmp (v, "vmware_soap_session=", 20) == 0) {
      free (vi->new_cookie);
      vi->new_cookie = one_xstrndup (v, (size_t) (e - v));
    }
  }
  return n;
}

/* TLS thumbprint pinning: checked in OpenSSL's verify callback, so that a
 * wrong certificate ends the handshake before any byte is sent. */
static int vi_ssl_idx = -1;

static void
sha1_thumbprint (X509 *cert, char out[64])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  out[0] = '\0';
  if (X509_digest (cert, EVP_sha1 (), md, &mdlen) != 1)
    return;
  char *p = out;
  for (unsigned i = 0; i < mdlen && p + 3 < out + 64; i++)
    p += sprintf (p, "%s%02X", i ? ":" : "", md[i]);
}

static int
verify_cb (int preverify, X509_STORE_CTX *x)
{
  (void) preverify;
  if (X509_STORE_CTX_get_error_depth (x) != 0) {
    X509_STORE_CTX_set_error (x, X509_V_OK);
    return 1;                   /* only the server's own certificate counts */
  }
  SSL *ssl = X509_STORE_CTX_get_ex_data (x, SSL_get_ex_data_X509_STORE_CTX_idx ());
  if (!ssl)
    return 0;
  one_vi *vi = SSL_CTX_get_ex_data (SSL_get_SSL_CTX (ssl), vi_ssl_idx);
  X509 *cert = X509_STORE_CTX_get_current_cert (x);
  if (!vi || !cert)
    return 0;
  sha1_thumbprint (cert, vi->seen_tp);
  if (strcasecmp (vi->seen_tp, vi->expect_tp) == 0) {
    X509_STORE_CTX_set_error (x, X509_V_OK);
    return 1;
  }
  vi->tp_mismatch = true;
  return 0;
}

static CURLcode
ssl_ctx_cb (CURL *curl, void *sslctx, void *data)
{
  (void) curl;
  SSL_CTX *ctx = sslctx;
  SSL_CTX_set_ex_data (ctx, vi_ssl_idx, data);
  SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER, verify_cb);
  return CURLE_OK;
}

static void
save_session (one_vi *vi)
{
  if (!vi->cache_path || !vi->cookie)
    return;
  one_buf b = { 0 };
  one_buf_printf (&b, "cookie=%s\nversion=%s\napiType=%s\nrootFolder=%s\n"
                  "propertyCollector=%s\nsessionManager=%s\n",
                  vi->cookie, vi->version, vi->api_type, vi->root_folder,
                  vi->property_collector, vi->session_manager);
  if (vi->perf_manager)
    one_buf_printf (&b, "perfManager=%s\n", vi->perf_manager);
  if (one_write_file_atomic (vi->cache_path, b.data, b.len, 0600) == -1) {
    one_warn ("vSphere: cannot cache the session in '%s': %s",
              vi->cache_path, one_errmsg ());
    one_error_reset ();
  }
  explicit_bzero (b.data, b.len);
  one_buf_free (&b);
}

static void
forget_session (one_vi *vi)
{
  if (vi->cache_path)
    unlink (vi->cache_path);
}

/* Read the cached session; false if none (or unusable). */
static bool
load_session (one_vi *vi)
{
  if (!vi->cache_path)
    return false;
  int fd = open (vi->cache_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1)
    return false;
  struct stat st;
  char buf[4096];
  ssize_t n = -1;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == geteuid ()
      && (st.st_mode & 077) == 0)
    n = read (fd, buf, sizeof buf - 1);
  else
    one_warn ("vSphere: ignoring session cache '%s': not a private file of "
              "this user", vi->cache_path);
  close (fd);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  char *save = NULL;
  for (char *line = strtok_r (buf, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    char *eq = strchr (line, '=');
    if (!eq)
      continue;
    *eq = '\0';
    const char *v = eq + 1;
    char **dst = NULL;
    if (strcmp (line, "cookie") == 0) dst = &vi->cookie;
    else if (strcmp (line, "version") == 0) dst = &vi->version;
    else if (strcmp (line, "apiType") == 0) dst = &vi->api_type;
    else if (strcmp (line, "rootFolder") == 0) dst = &vi->root_folder;
    else if (strcmp (line, "propertyCollector") == 0) dst = &vi->property_collector;
    else if (strcmp (line, "sessionManager") == 0) dst = &vi->session_manager;
    else if (strcmp (line, "perfManager") == 0) dst = &vi->perf_manager;
    if (dst) {
      free (*dst);
      *dst = one_xstrdup (v);
    }
  }
  explicit_bzero (buf, sizeof buf);
  if (!vi->cookie || !vi->version || !vi->root_folder
      || !vi->property_collector || !vi->session_manager || !vi->api_type) {
    free (vi->cookie);
    vi->cookie = NULL;
    return false;
  }
  return true;
}

/* Make sure the cache folder exists, is ours and private. */
static int
check_cache_dir (const char *dir)
{
  if (mkdir (dir, 0700) == -1 && errno != EEXIST) {
    one_error ("session cache folder '%s': mkdir: %s", dir, strerror (errno));
    return -1;
  }
  struct stat st;
  if (lstat (dir, &st) == -1) {
    one_error ("session cache folder '%s': %s", dir, strerror (errno));
    return -1;
  }
  if (!S_ISDIR (st.st_mode)) {
    one_error ("session cache folder '%s': not a folder (:cache_dir: in vmwarerc)", dir);
    return -1;
  }
  if (st.st_uid != geteuid ()) {
    one_error ("session cache folder '%s': owned by uid %u, not by this user "
               "(uid %u); refused (:cache_dir: in vmwarerc)", dir,
               (unsigned) st.st_uid, (unsigned) geteuid ());
    return -1;
  }
  if (st.st_mode & 022) {
    one_error ("session cache folder '%s': writable by group or others "
               "(mode %03o); refused (:cache_dir: in vmwarerc)", dir,
               (unsigned) (st.st_mode & 0777));
    return -1;
  }
  return 0;
}

static char *
cache_file_name (const one_target *t)
{
  one_buf key = { 0 };
  one_buf_printf (&key, "%s", t->username ? t->username : "");
  one_buf_putc (&key, '\0');
  one_buf_printf (&key, "%s", t->address ? t->address : t->host);
  one_buf_putc (&key, '\0');
  one_buf_printf (&key, "%d", t->api_port);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_Digest (key.data, key.len, md, &mdlen, EVP_sha256 (), NULL);
  one_buf_free (&key);
  char hex[33];
  for (unsigned i = 0; i < 16 && i < mdlen; i++)
    sprintf (hex + 2 * i, "%02x", md[i]);
  hex[32] = '\0';
  return one_xasprintf ("%s/vi-session-%s", t->cache_dir, hex);
}

/* One HTTP round trip.  Returns the parsed envelope or NULL (one_error);
 * *fault_type is set on a SOAP fault (the envelope is freed then). */
static one_vi_node *
post (one_vi *vi, const char *method, const char *body,
      char *fault_type, size_t ftlen)
{
  if (fault_type)
    fault_type[0] = '\0';
  char action[80];
  snprintf (action, sizeof action, "SOAPAction: \"urn:vim25/%s\"",
            vi->version ? vi->version : "5.5");
  struct curl_slist *h = NULL;
  h = curl_slist_append (h, "Content-Type: text/xml; charset=utf-8");
  h = curl_slist_append (h, action);
  h = curl_slist_append (h, "Expect:");
  curl_easy_setopt (vi->curl, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt (vi->curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt (vi->curl, CURLOPT_POSTFIELDSIZE, (long) strlen (body));
  curl_easy_setopt (vi->curl, CURLOPT_COOKIE, vi->cookie);
  one_buf_reset (&vi->resp);
  vi->resp_too_big = false;
  vi->errbuf[0] = '\0';
  double t0 = one_now ();
  count (vi, method);
  CURLcode rc = curl_easy_perform (vi->curl);
  curl_easy_setopt (vi->curl, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt (vi->curl, CURLOPT_POSTFIELDS, NULL);
  curl_slist_free_all (h);
  if (rc != CURLE_OK) {
    if (vi->tp_mismatch)
      one_error ("vSphere %s: TLS certificate of '%s' has SHA1 thumbprint "
                 "'%s', expected '%s' (:tls_thumbprint: in vmwarerc); "
                 "refused", method, vi->where, vi->seen_tp, vi->expect_tp);
    else if (vi->ca_file && (rc == CURLE_PEER_FAILED_VERIFICATION
                             || rc == CURLE_SSL_CACERT_BADFILE))
      one_error ("vSphere %s: TLS certificate of '%s' not verified with "
                 "'%s' (:tls_ca_file: in vmwarerc): %s; refused", method,
                 vi->where, vi->ca_file,
                 vi->errbuf[0] ? vi->errbuf : curl_easy_strerror (rc));
    else if (!vi->ca_file && rc == CURLE_PEER_FAILED_VERIFICATION)
      one_error ("vSphere %s: TLS certificate of '%s' %s (%s)", method,
                 vi->where, ONE_TLS_UNTRUSTED_HINT,
                 vi->errbuf[0] ? vi->errbuf : curl_easy_strerror (rc));
    else if (vi->resp_too_big)
      one_error ("vSphere %s: response from '%s' larger than %u MiB",
                 method, vi->where, VI_MAX_RESPONSE >> 20);
    else
      one_error ("vSphere %s: curl_easy_perform '%s': %s", method, vi->url,
                 vi->errbuf[0] ? vi->errbuf : curl_easy_strerror (rc));
    return NULL;
  }
  long code = 0, nc = 0;
  curl_easy_getinfo (vi->curl, CURLINFO_RESPONSE_CODE, &code);
  if (curl_easy_getinfo (vi->curl, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK)
    vi->connects += (unsigned) nc;
  one_debug ("vSphere %s: HTTP %ld, %zu bytes, %.1f ms", method, code,
             vi->resp.len, (one_now () - t0) * 1000.0);
  if (code != 200 && code != 500) {
    one_error ("vSphere %s: HTTP %ld from '%s'", method, code, vi->url);
    return NULL;
  }
  one_vi_node *env = one_vi_parse (vi->resp.data ? vi->resp.data : "",
                                   vi->resp.len);
  if (!env) {
    one_error_prefix ("vSphere %s", method);
    return NULL;
  }
  const char *ft = NULL;
  if (one_vi_fault (env, method, &ft)) {
    if (fault_type)
      snprintf (fault_type, ftlen, "%s", ft);
    one_vi_node_free (env);
    return NULL;
  }
  if (!one_vi_path (env, "Body")) {
    one_error ("vSphere %s: response without a SOAP Body", method);
    one_vi_node_free (env);
    return NULL;
  }
  return env;
}

/* The response element of an envelope; frees the envelope on error. */
static one_vi_node *
response_of (one_vi_node *env, const char *method)
{
  one_vi_node *r = one_vi_child (one_vi_child (env, "Body"), NULL);
  if (!r) {
    one_error ("vSphere %s: empty SOAP Body", method);
    one_vi_node_free (env);
  }
  return r;
}

static one_vi_node *
call_raw (one_vi *vi, const char *method, const char *type, const char *moref,
          const char *params, char *ft, size_t ftlen)
{
  ONE_AUTOFREE char *body = one_vi_envelope (method, type, moref, params);
  one_vi_node *env = post (vi, method, body, ft, ftlen);
  if (!env)
    return NULL;
  return response_of (env, method);
}

static int
service_content (one_vi *vi)
{
  one_vi_node *r = call_raw (vi, "RetrieveServiceContent", "ServiceInstance",
                             "ServiceInstance", NULL, NULL, 0);
  if (!r)
    return -1;
  one_vi_node *sc = one_vi_child (r, "returnval");
  const char *root = one_vi_text (sc, "rootFolder");
  const char *pc = one_vi_text (sc, "propertyCollector");
  const char *sm = one_vi_text (sc, "sessionManager");
  const char *ver = one_vi_text (sc, "about/apiVersion");
  const char *at = one_vi_text (sc, "about/apiType");
  const char *pm = one_vi_text (sc, "perfManager");
  if (!root || !pc || !sm || !ver) {
    one_error ("vSphere RetrieveServiceContent: '%s' answered without "
               "rootFolder, propertyCollector, sessionManager or apiVersion",
               vi->where);
    one_vi_node_free (r);
    return -1;
  }
  free (vi->root_folder); vi->root_folder = one_xstrdup (root);
  free (vi->property_collector); vi->property_collector = one_xstrdup (pc);
  free (vi->session_manager); vi->session_manager = one_xstrdup (sm);
  free (vi->version); vi->version = one_xstrdup (ver);
  free (vi->api_type); vi->api_type = one_xstrdup (at ? at : "HostAgent");
  free (vi->perf_manager); vi->perf_manager = pm && *pm ? one_xstrdup (pm) : NULL;
  one_vi_node_free (r);
  return 0;
}

static int
login (one_vi *vi)
{
  free (vi->cookie);
  vi->cookie = NULL;
  free (vi->new_cookie);
  vi->new_cookie = NULL;
  vi->from_cache = false;
  if (service_content (vi) == -1)
    return -1;
  one_buf p = { 0 };
  one_vi_param (&p, "userName", vi->username);
  one_vi_param (&p, "password", vi->password);
  char *body = one_vi_envelope ("Login", "SessionManager",
                                vi->session_manager, p.data);
  explicit_bzero (p.data, p.len);
  one_buf_free (&p);
  one_debug ("vSphere Login as '%s' on '%s'", vi->username, vi->where);
  vi->logins++;
  one_vi_node *env = post (vi, "Login", body, NULL, 0);
  explicit_bzero (body, strlen (body));
  free (body);
  if (!env)
    return -1;
  one_vi_node_free (env);
  if (!vi->new_cookie) {
    one_error ("vSphere Login: '%s' set no vmware_soap_session cookie",
               vi->where);
    return -1;
  }
  vi->cookie = vi->new_cookie;
  vi->new_cookie = NULL;
  save_session (vi);
  return 0;
}

/* Concurrent runs (oned starts many actions at once) share the cached
 * session: logging in happens under a lock on the cache folder, so that
 * the others wait and reuse the new session instead of each leaving one
 * more open on the server. */
static int
lock_cache (const one_vi *vi)
{
  if (!vi->cache_dir)
    return -1;
  int fd = open (vi->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1)
    return -1;
  if (flock (fd, LOCK_EX) == -1) {
    close (fd);
    return -1;
  }
  return fd;
}

static void
unlock_cache (int fd)
{
  if (fd != -1)
    close (fd);
}

/* Replace a session the server no longer knows: by the one another run
 * has cached meanwhile, else by a new Login. */
static int
renew_session (one_vi *vi)
{
  int lk = lock_cache (vi);
  ONE_AUTOFREE char *stale = one_xstrdup (vi->cookie);
  if (load_session (vi) && !one_streq (vi->cookie, stale)) {
    one_debug ("vSphere: using the session another run renewed");
    unlock_cache (lk);
    return 0;
  }
  forget_session (vi);
  int r = login (vi);
  unlock_cache (lk);
  return r;
}

one_vi_node *
one_vi_call (one_vi *vi, const char *method, const char *type,
             const char *moref, const char *params)
{
  char ft[128];
  one_vi_node *r = call_raw (vi, method, type, moref, params, ft, sizeof ft);
  if (r || strcmp (ft, "NotAuthenticated") != 0)
    return r;
  /* The session expired (or the cached cookie is stale): log in again,
   * once, and repeat the call.  Login refreshes the ServiceContent, which
   * frees the strings 'moref' may point to: take the new ones. */
  char **own[] = { &vi->property_collector, &vi->root_folder,
                   &vi->session_manager };
  int which = -1;
  for (int i = 0; i < 3; i++)
    if (moref == *own[i])
      which = i;
  ONE_AUTOFREE char *copy = one_xstrdup (moref);
  one_debug ("vSphere %s: session not authenticated, logging in again",
             method);
  if (renew_session (vi) == -1)
    return NULL;
  return call_raw (vi, method, type, which >= 0 ? *own[which] : copy, params,
                   NULL, 0);
}

one_vi *
one_vi_connect (const one_target *t)
{
  static bool curl_inited;
  if (!curl_inited) {
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      one_error ("curl_global_init failed");
      return NULL;
    }
    curl_inited = true;
  }
  if (vi_ssl_idx == -1)
    vi_ssl_idx = SSL_CTX_get_ex_new_index (0, NULL, NULL, NULL, NULL);
  const char *addr = t->address ? t->address : t->host;
  int port = t->api_port > 0 ? t->api_port : (t->tls_http ? 80 : 443);
  one_vi *vi = one_xcalloc (1, sizeof *vi);
  bool v6 = strchr (addr, ':') != NULL;
  vi->url = one_xasprintf ("%s://%s%s%s:%d/sdk", t->tls_http ? "http" : "https",
                           v6 ? "[" : "", addr, v6 ? "]" : "", port);
  vi->where = one_xasprintf ("%s:%d", addr, port);
  vi->username = one_xstrdup (t->username ? t->username : "");
  vi->password = one_xstrdup (t->password ? t->password : "");
  vi->timeout = t->timeout > 0 ? t->timeout : 60;
  vi->curl = curl_easy_init ();
  if (!vi->curl) {
    one_error ("curl_easy_init failed");
    one_vi_free (vi);
    return NULL;
  }
  CURL *c = vi->curl;
  curl_easy_setopt (c, CURLOPT_URL, vi->url);
  curl_easy_setopt (c, CURLOPT_POST, 1L);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, vi->errbuf);
  curl_easy_setopt (c, CURLOPT_TIMEOUT, (long) vi->timeout);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, (long) (vi->timeout < 30 ? vi->timeout : 30));
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, vi);
  curl_easy_setopt (c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (c, CURLOPT_HEADERDATA, vi);
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, t->tls_http ? "http" : "https");
  curl_easy_setopt (c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (c, CURLOPT_ACCEPT_ENCODING, "");
  if (!t->tls_http) {
    if (t->tls_thumbprint && *t->tls_thumbprint) {
      vi->expect_tp = one_xstrdup (t->tls_thumbprint);
      /* Pinning replaces CA and name checks (ESX certificates are
       * self-signed); the verify callback refuses any other certificate. */
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, 0L);
      curl_easy_setopt (c, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
      curl_easy_setopt (c, CURLOPT_SSL_CTX_DATA, vi);
    }
    else if (t->tls_ca_file && *t->tls_ca_file) {
      vi->ca_file = one_xstrdup (t->tls_ca_file);
      curl_easy_setopt (c, CURLOPT_CAINFO, t->tls_ca_file);
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    else if (t->tls_no_verify) {
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    else {
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, 2L);
    }
  }
  if (t->cache_dir && *t->cache_dir) {
    if (check_cache_dir (t->cache_dir) == -1) {
      one_vi_free (vi);
      return NULL;
    }
    vi->cache_dir = one_xstrdup (t->cache_dir);
    vi->cache_path = cache_file_name (t);
  }
  int lk = lock_cache (vi);
  if (load_session (vi)) {
    unlock_cache (lk);
    vi->from_cache = true;
    one_debug ("vSphere: reusing the cached session for '%s'", vi->where);
    return vi;                  /* checked by the first call */
  }
  int r = login (vi);
  unlock_cache (lk);
  if (r == -1) {
    one_vi_free (vi);
    return NULL;
  }
  return vi;
}

static void
write_stats (one_vi *vi)
{
  if (one_debug_enabled ()) {
    one_buf b = { 0 };
    for (size_t i = 0; i < vi->n_stats; i++)
      one_buf_printf (&b, " %s=%u", vi->stats[i].method, vi->stats[i].n);
    one_debug ("vSphere '%s': %u requests (%u logins) on %u connection(s):%s",
               vi->where, vi->requests, vi->logins, vi->connects,
               b.data ? b.data : "");
    one_buf_free (&b);
  }
  const char *f = getenv ("ESXMAD_VI_STATS");
  if (!f || !*f)
    return;
  FILE *fp = fopen (f, "a");
  if (!fp)
    return;
  fprintf (fp, "requests=%u logins=%u connections=%u", vi->requests,
           vi->logins, vi->connects);
  for (size_t i = 0; i < vi->n_stats; i++)
    fprintf (fp, " %s=%u", vi->stats[i].method, vi->stats[i].n);
  fputc ('\n', fp);
  fclose (fp);
}

void
one_vi_free (one_vi *vi)
{
  if (!vi)
    return;
  if (vi->requests)
    write_stats (vi);
  if (vi->curl)
    curl_easy_cleanup (vi->curl);
  free (vi->url);
  free (vi->where);
  free (vi->username);
  if (vi->password) {
    explicit_bzero (vi->password, strlen (vi->password));
    free (vi->password);
  }
  free (vi->cache_dir);
  free (vi->cache_path);
  free (vi->cookie);
  free (vi->new_cookie);
  free (vi->version);
  free (vi->api_type);
  free (vi->root_folder);
  free (vi->property_collector);
  free (vi->session_manager);
  free (vi->perf_manager);
  free (vi->expect_tp);
  free (vi->ca_file);
  one_buf_free (&vi->resp);
  free (vi);
}

int
one_vi_logout (one_vi *vi)
{
  one_vi_node *r = call_raw (vi, "Logout", "SessionManager",
                             vi->session_manager, NULL, NULL, 0);
  forget_session (vi);
  if (!r)
    return -1;
  one_vi_node_free (r);
  free (vi->cookie);
  vi->cookie = NULL;
  return 0;
}

/* ====================================================================== */
/* PropertyCollector                                                      */
/* ====================================================================== */

/* Does a RetrievePropertiesEx answer say, per property, that the session
 * is not authenticated?  (vcsim does so in missingSet instead of a
 * fault.) */
bool
one_vi_missing_not_authenticated (const one_vi_node *all)
{
  for (one_vi_node *o = one_vi_child (all, "objects"); o; o = one_vi_next (o))
    for (one_vi_node *ms = one_vi_child (o, "missingSet"); ms; ms = one_vi_next (ms)) {
      const one_vi_node *f = one_vi_path (ms, "fault/fault");
      if (f && one_streq (f->type, "NotAuthenticated"))
        return true;
    }
  return false;
}

one_vi_node *
one_vi_objects_new (void)
{
  one_vi_node *all = one_xcalloc (1, sizeof *all);
  all->name = one_xstrdup ("objects");
  all->text = one_xstrdup ("");
  return all;
}

const char *
one_vi_objects_take (one_vi_node *all, one_vi_node *response)
{
  one_vi_node *ret = one_vi_child (response, "returnval");
  if (!ret)
    return NULL;
  /* Move the ObjectContents under 'all'. */
  one_vi_node **pp = &ret->child;
  while (*pp) {
    one_vi_node *k = *pp;
    if (strcmp (k->name, "objects") == 0) {
      *pp = k->next;
      k->next = NULL;
      k->parent = all;
      if (all->last)
        all->last->next = k;
      else
        all->child = k;
      all->last = k;
    }
    else
      pp = &k->next;
  }
  ret->last = NULL;
  for (one_vi_node *k = ret->child; k; k = k->next)
    ret->last = k;
  const char *token = one_vi_text (ret, "token");
  return token && *token ? token : NULL;
}

static one_vi_node *
retrieve_once (one_vi *vi, const char *specset)
{
  one_vi_node *all = one_vi_objects_new ();
  one_buf p = { 0 };
  one_buf_puts (&p, specset);
  /* Ask for everything in one answer: without maxObjects a server pages
   * at its own batch size (100 objects), which would make the cost of a
   * monitoring cycle grow with the number of VMs.  A server may still
   * page below this; ContinueRetrievePropertiesEx then follows. */
  int max = VI_MAX_OBJECTS;
  const char *env = getenv ("ESXMAD_VI_MAX_OBJECTS");    /* for tests */
  if (env && atoi (env) > 0)
    max = atoi (env);
  one_buf_printf (&p, "<options><maxObjects>%d</maxObjects></options>", max);
  one_vi_node *r = one_vi_call (vi, "RetrievePropertiesEx", "PropertyCollector",
                                vi->property_collector, p.data);
  one_buf_free (&p);
  for (;;) {
    if (!r) {
      one_vi_node_free (all);
      return NULL;
    }
    const char *token = one_vi_objects_take (all, r);
    if (!token) {
      one_vi_node_free (r);
      return all;
    }
    one_buf q = { 0 };
    one_vi_param (&q, "token", token);
    one_vi_node_free (r);
    r = one_vi_call (vi, "ContinueRetrievePropertiesEx", "PropertyCollector",
                     vi->property_collector, q.data);
    one_buf_free (&q);
  }
}

one_vi_node *
one_vi_retrieve (one_vi *vi, const char *specset)
{
  one_vi_node *all = retrieve_once (vi, specset);
  if (!all || !one_vi_missing_not_authenticated (all))
    return all;
  one_vi_node_free (all);
  one_debug ("vSphere RetrievePropertiesEx: session not authenticated, "
             "logging in again");
  if (renew_session (vi) == -1)
    return NULL;
  all = retrieve_once (vi, specset);
  if (all && one_vi_missing_not_authenticated (all)) {
    one_error ("vSphere RetrievePropertiesEx: NotAuthenticated: the new "
               "session of '%s' is not authenticated either", vi->username);
    one_vi_node_free (all);
    return NULL;
  }
  return all;
}

one_vi_node *
one_vi_prop (const one_vi_node *obj, const char *name)
{
  for (one_vi_node *ps = one_vi_child (obj, "propSet"); ps; ps = one_vi_next (ps))
    if (one_streq (one_vi_text (ps, "name"), name))
      return one_vi_child (ps, "val");
  return NULL;
}

const char *
one_vi_obj_moref (const one_vi_node *obj)
{
  return one_vi_text (obj, "obj");
}

const char *
one_vi_obj_type (const one_vi_node *obj)
{
  return one_vi_attr (one_vi_child (obj, "obj"), "type");
}

static void
tspec (one_buf *b, const char *name, const char *type, const char *path,
       const char *const *next)
{
  one_buf_printf (b, "<selectSet xsi:type=\"TraversalSpec\"><name>%s</name>"
                  "<type>%s</type><path>%s</path><skip>false</skip>",
                  name, type, path);
  for (size_t i = 0; next && next[i]; i++)
    one_buf_printf (b, "<selectSet><name>%s</name></selectSet>", next[i]);
  one_buf_puts (b, "</selectSet>");
}

void
one_vi_traversal (one_buf *b, bool to_vms, bool to_hosts, bool host_children)
{
  const char *folder_next[5] = { "folder", NULL, NULL, NULL, NULL };
  size_t n = 1;
  if (to_vms)
    folder_next[n++] = "dcVm";
  if (to_hosts) {
    folder_next[n++] = "dcHost";
    folder_next[n++] = "crHost";
  }
  tspec (b, "folder", "Folder", "childEntity", folder_next);
  const char *to_folder[] = { "folder", NULL };
  if (to_vms)
    tspec (b, "dcVm", "Datacenter", "vmFolder", to_folder);
  if (to_hosts) {
    tspec (b, "dcHost", "Datacenter", "hostFolder", to_folder);
    const char *hn[] = { "hostVm", "hostDs", NULL };
    tspec (b, "crHost", "ComputeResource", "host", host_children ? hn : NULL);
    if (host_children) {
      tspec (b, "hostVm", "HostSystem", "vm", NULL);
      tspec (b, "hostDs", "HostSystem", "datastore", NULL);
    }
  }
}

char *
one_vi_find_vm (one_vi *vi, const char *name, bool *not_found)
{
  if (not_found)
    *not_found = false;
  one_buf s = { 0 };
  one_buf_puts (&s, "<specSet><propSet><type>VirtualMachine</type>"
                "<pathSet>name</pathSet></propSet><objectSet>");
  one_vi_moref (&s, "obj", "Folder", vi->root_folder);
  one_buf_puts (&s, "<skip>false</skip>");
  one_vi_traversal (&s, true, false, false);
  one_buf_puts (&s, "</objectSet></specSet>");
  ONE_AUTO (one_vi_node) *all = one_vi_retrieve (vi, s.data);
  one_buf_free (&s);
  if (!all)
    return NULL;
  for (one_vi_node *o = one_vi_child (all, "objects"); o; o = one_vi_next (o))
    if (one_streq (one_vi_obj_type (o), "VirtualMachine")
        && one_streq (one_vi_text (one_vi_prop (o, "name"), NULL), name))
      return one_xstrdup (one_vi_obj_moref (o));
  one_error ("vSphere: no virtual machine named '%s' on '%s'", name,
             vi->where);
  if (not_found)
    *not_found = true;
  return NULL;
}

one_vi_node *
one_vi_get (one_vi *vi, const char *type, const char *moref,
            const char *const *paths)
{
  one_buf s = { 0 };
  one_buf_puts (&s, "<specSet><propSet>");
  one_vi_param (&s, "type", type);
  for (size_t i = 0; paths && paths[i]; i++)
    one_vi_param (&s, "pathSet", paths[i]);
  one_buf_puts (&s, "</propSet><objectSet>");
  one_vi_moref (&s, "obj", type, moref);
  one_buf_puts (&s, "<skip>false</skip></objectSet></specSet>");
  one_vi_node *all = one_vi_retrieve (vi, s.data);
  one_buf_free (&s);
  if (!all)
    return NULL;
  one_vi_node *o = one_vi_child (all, "objects");
  if (!o) {
    one_error ("vSphere RetrievePropertiesEx: no %s '%s'", type, moref);
    one_vi_node_free (all);
  }
  return o;
}

/* ====================================================================== */
/* Tasks                                                                  */
/* ====================================================================== */

int
one_vi_wait_task (one_vi *vi, const char *task, const char *method)
{
  static const char *const paths[] = { "info.state", "info.error", NULL };
  double deadline = one_now () + (vi->timeout > 0 ? vi->timeout : 60);
  useconds_t delay = 50000;
  for (;;) {
    ONE_AUTO (one_vi_node) *o = one_vi_get (vi, "Task", task, paths);
    if (!o)
      return -1;
    const char *state = one_vi_text (one_vi_prop (o, "info.state"), NULL);
    if (one_streq (state, "success"))
      return 0;
    if (one_streq (state, "error")) {
      const one_vi_node *e = one_vi_prop (o, "info.error");
      const one_vi_node *f = one_vi_child (e, "fault");
      const char *type = f && f->type ? f->type : "fault";
      const char *msg = one_vi_text (e, "localizedMessage");
      if (!msg || !*msg) {
        const one_vi_node *fm = one_vi_path (f, "faultMessage");
        msg = one_vi_text (fm, "message");
      }
      one_error ("vSphere %s: %s: %s", method, type,
                 msg && *msg ? msg : "(no message)");
      return -1;
    }
    if (one_now () > deadline) {
      one_error ("vSphere %s: task '%s' still '%s' after %d s", method, task,
                 state ? state : "?", vi->timeout);
      return -1;
    }
    usleep (delay);
    if (delay < 1000000)
      delay *= 2;
  }
}

int
one_vi_task (one_vi *vi, const char *method, const char *type,
             const char *moref, const char *params)
{
  ONE_AUTO (one_vi_node) *r = one_vi_call (vi, method, type, moref, params);
  if (!r)
    return -1;
  const char *task = one_vi_text (r, "returnval");
  if (!task || !*task) {
    one_error ("vSphere %s: no task in the answer", method);
    return -1;
  }
  return one_vi_wait_task (vi, task, method);
}

int
one_vi_reset_vm (one_vi *vi, const char *vm)
{
  return one_vi_task (vi, "ResetVM_Task", "VirtualMachine", vm, NULL);
}

/* ====================================================================== */
/* Reconfiguration                                                        */
/* ====================================================================== */

void
one_vi_spec_free (one_vi_spec *s)
{
  one_buf_free (&s->head);
  one_buf_free (&s->devices);
  one_buf_free (&s->extra);
}

void
one_vi_spec_guest_id (one_vi_spec *s, const char *guest_id)
{
  one_vi_param (&s->head, "guestId", guest_id);
}

void
one_vi_spec_extra (one_vi_spec *s, const char *key, const char *value)
{
  one_buf_puts (&s->extra, "<extraConfig>");
  one_vi_param (&s->extra, "key", key);
  one_buf_puts (&s->extra, "<value xsi:type=\"xsd:string\">");
  one_vi_esc (&s->extra, value);
  one_buf_puts (&s->extra, "</value></extraConfig>");
}

static const char *
nic_type (const char *model)
{
  if (!model)
    return "VirtualE1000";
  if (strcasecmp (model, "e1000e") == 0)
    return "VirtualE1000e";
  if (strcasecmp (model, "vmxnet3") == 0)
    return "VirtualVmxnet3";
  if (strcasecmp (model, "pcnet32") == 0 || strcasecmp (model, "pcnet") == 0)
    return "VirtualPCNet32";
  return "VirtualE1000";
}

void
one_vi_spec_nic_add (one_vi_spec *s, const char *model, const char *network,
                     const char *mac, const char *label)
{
  one_buf *b = &s->devices;
  one_buf_printf (b, "<deviceChange><operation>add</operation>"
                  "<device xsi:type=\"%s\"><key>-1</key><deviceInfo>",
                  nic_type (model));
  one_vi_param (b, "label", label ? label : "Network adapter");
  one_vi_param (b, "summary", network);
  one_buf_puts (b, "</deviceInfo>"
                "<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\">");
  one_vi_param (b, "deviceName", network);
  one_buf_puts (b, "</backing><connectable><startConnected>true</startConnected>"
                "<allowGuestControl>true</allowGuestControl>"
                "<connected>true</connected></connectable>"
                "<addressType>manual</addressType>");
  one_vi_param (b, "macAddress", mac);
  one_buf_puts (b, "</device></deviceChange>");
}

void
one_vi_spec_disk_add (one_vi_spec *s, const char *file, int ctrl_key, int unit)
{
  one_buf *b = &s->devices;
  one_buf_puts (b, "<deviceChange><operation>add</operation>"
                "<device xsi:type=\"VirtualDisk\"><key>-1</key>"
                "<backing xsi:type=\"VirtualDiskFlatVer2BackingInfo\">");
  one_vi_param (b, "fileName", file);
  one_buf_printf (b, "<diskMode>persistent</diskMode></backing>"
                  "<controllerKey>%d</controllerKey><unitNumber>%d</unitNumber>"
                  "<capacityInKB>0</capacityInKB></device></deviceChange>",
                  ctrl_key, unit);
}

void
one_vi_spec_remove (one_vi_spec *s, const one_vi_node *device)
{
  one_buf_puts (&s->devices, "<deviceChange><operation>remove</operation>");
  one_vi_node_xml (&s->devices, device, "device");
  one_buf_puts (&s->devices, "</deviceChange>");
}

char *
one_vi_spec_xml (const one_vi_spec *s)
{
  return one_xasprintf ("<spec>%s%s%s</spec>", s->head.data ? s->head.data : "",
                        s->devices.data ? s->devices.data : "",
                        s->extra.data ? s->extra.data : "");
}

int
one_vi_reconfig (one_vi *vi, const char *vm, const one_vi_spec *s)
{
  ONE_AUTOFREE char *spec = one_vi_spec_xml (s);
  return one_vi_task (vi, "ReconfigVM_Task", "VirtualMachine", vm, spec);
}

one_vi_node *
one_vi_vm_devices (one_vi *vi, const char *vm)
{
  static const char *const paths[] = { "config.hardware.device", NULL };
  one_vi_node *o = one_vi_get (vi, "VirtualMachine", vm, paths);
  if (!o)
    return NULL;
  one_vi_node *v = one_vi_prop (o, "config.hardware.device");
  if (!v) {
    one_error ("vSphere: virtual machine '%s' has no config.hardware.device", vm);
    one_vi_node_free (o);
  }
  return v;
}

bool
one_vi_dev_is_nic (const one_vi_node *d)
{
  return d && one_vi_child (d, "macAddress") != NULL
    && one_vi_child (d, "addressType") != NULL;
}

const one_vi_node *
one_vi_dev_by_mac (const one_vi_node *devs, const char *mac)
{
  for (const one_vi_node *d = one_vi_child (devs, NULL); d; d = d->next)
    if (one_vi_dev_is_nic (d)
        && one_strcaseeq (one_vi_text (d, "macAddress"), mac))
      return d;
  return NULL;
}

static long
num (const one_vi_node *n, const char *path)
{
  const char *s = one_vi_text (n, path);
  return s && *s ? strtol (s, NULL, 10) : -1;
}

const one_vi_node *
one_vi_dev_scsi_ctrl (const one_vi_node *devs, int bus)
{
  for (const one_vi_node *d = one_vi_child (devs, NULL); d; d = d->next)
    if (d->type && (strstr (d->type, "SCSIController")
                    || strstr (d->type, "SCSI") || strstr (d->type, "LsiLogic")
                    || strstr (d->type, "BusLogic"))
        && one_vi_child (d, "busNumber") && num (d, "busNumber") == bus)
      return d;
  return NULL;
}

const one_vi_node *
one_vi_dev_at (const one_vi_node *devs, int ctrl_key, int unit)
{
  for (const one_vi_node *d = one_vi_child (devs, NULL); d; d = d->next)
    if (num (d, "controllerKey") == ctrl_key && num (d, "unitNumber") == unit)
      return d;
  return NULL;
}

int
one_vi_nic_add (one_vi *vi, const char *vm, const char *model,
                const char *network, const char *mac)
{
  ONE_AUTO (one_vi_node) *devs = one_vi_vm_devices (vi, vm);
  if (!devs)
    return -1;
  int nics = 0;
  for (const one_vi_node *d = one_vi_child (devs, NULL); d; d = d->next)
    nics += one_vi_dev_is_nic (d);
  ONE_AUTOFREE char *label = one_xasprintf ("Network adapter %d", nics + 1);
  one_vi_spec s = { 0 };
  one_vi_spec_nic_add (&s, model, network, mac, label);
  int r = one_vi_reconfig (vi, vm, &s);
  one_vi_spec_free (&s);
  return r;
}

int
one_vi_nic_remove (one_vi *vi, const char *vm, const char *mac)
{
  ONE_AUTO (one_vi_node) *devs = one_vi_vm_devices (vi, vm);
  if (!devs)
    return -1;
  const one_vi_node *d = one_vi_dev_by_mac (devs, mac);
  if (!d)
    return 1;
  one_vi_spec s = { 0 };
  one_vi_spec_remove (&s, d);
  int r = one_vi_reconfig (vi, vm, &s);
  one_vi_spec_free (&s);
  return r;
}

int
one_vi_disk_add (one_vi *vi, const char *vm, const char *file, int bus,
                 int unit)
{
  ONE_AUTO (one_vi_node) *devs = one_vi_vm_devices (vi, vm);
  if (!devs)
    return -1;
  const one_vi_node *c = one_vi_dev_scsi_ctrl (devs, bus);
  if (!c) {
    one_error ("vSphere: virtual machine '%s' has no SCSI controller %d", vm, bus);
    return -1;
  }
  one_vi_spec s = { 0 };
  one_vi_spec_disk_add (&s, file, (int) num (c, "key"), unit);
  int r = one_vi_reconfig (vi, vm, &s);
  one_vi_spec_free (&s);
  return r;
}

int
one_vi_disk_remove (one_vi *vi, const char *vm, int bus, int unit)
{
  ONE_AUTO (one_vi_node) *devs = one_vi_vm_devices (vi, vm);
  if (!devs)
    return -1;
  const one_vi_node *c = one_vi_dev_scsi_ctrl (devs, bus);
  const one_vi_node *d = c ? one_vi_dev_at (devs, (int) num (c, "key"), unit) : NULL;
  if (!d)
    return 1;
  one_vi_spec s = { 0 };
  one_vi_spec_remove (&s, d);
  int r = one_vi_reconfig (vi, vm, &s);
  one_vi_spec_free (&s);
  return r;
}
