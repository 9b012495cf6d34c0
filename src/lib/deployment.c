/* esxmad: reading OpenNebula's VMware deployment file (Expat). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "esxmad.h"

typedef struct {
  XML_Parser p;
  one_deployment *d;
  int depth;
  char path[256];          /* element path, "/domain/metadata/guestos" */
  one_buf text;            /* text of the current leaf */
  long meta_start, meta_end, meta_start_len;
  bool meta_child;         /* metadata had element children (4.2+) */
  one_buf meta_text;       /* 4.0: metadata's own text */
  int disk_depth;          /* depth of a file hard disk being read, or 0 */
  bool disk_done;
} dparse;

static const char *
attr (const XML_Char **atts, const char *name)
{
  for (int i = 0; atts[i]; i += 2)
    if (strcmp (atts[i], name) == 0)
      return atts[i + 1];
  return NULL;
}

static void XMLCALL
on_start (void *ud, const XML_Char *el, const XML_Char **atts)
{
  dparse *s = ud;
  s->depth++;
  size_t n = strlen (s->path);
  snprintf (s->path + n, sizeof s->path - n, "/%s", el);
  one_buf_reset (&s->text);
  if (strcmp (s->path, "/domain/metadata") == 0) {
    s->meta_start = XML_GetCurrentByteIndex (s->p);
    s->meta_start_len = XML_GetCurrentByteCount (s->p);
  }
  else if (one_str_startswith (s->path, "/domain/metadata/"))
    s->meta_child = true;
  if (!s->disk_done && s->disk_depth == 0 && strcmp (el, "disk") == 0) {
    const char *type = attr (atts, "type");
    const char *dev = attr (atts, "device");
    if (one_streq (type, "file") && (dev == NULL || one_streq (dev, "disk")))
      s->disk_depth = s->depth;
  }
  else if (s->disk_depth && s->depth == s->disk_depth + 1
           && strcmp (el, "source") == 0) {
    const char *f = attr (atts, "file");
    if (f && s->d->first_disk == NULL) {
      s->d->first_disk = one_xstrdup (f);
      s->disk_done = true;
    }
  }
}

static void XMLCALL
on_end (void *ud, const XML_Char *el)
{
  dparse *s = ud;
  one_deployment *d = s->d;
  const char *t = s->text.data ? s->text.data : "";
  while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
    t++;
  one_buf_rstrip (&s->text);
  if (strcmp (s->path, "/domain/name") == 0 && *t)
    d->name = one_xstrdup (t);
  else if (strcmp (s->path, "/domain/memory") == 0)
    d->memory_kb = strtoll (t, NULL, 10);
  else if (strcmp (s->path, "/domain/metadata/guestos") == 0 && *t)
    d->guestos = one_xstrdup (t);
  else if (strcmp (s->path, "/domain/metadata/pcibridge") == 0)
    d->pcibridge = atoi (t);
  else if (strcmp (s->path, "/domain/metadata/datavmx") == 0 && *t)
    d->datavmx = one_xstrdup (t);
  else if (strcmp (s->path, "/domain/metadata") == 0) {
    long idx = XML_GetCurrentByteIndex (s->p);
    int cnt = XML_GetCurrentByteCount (s->p);
    s->meta_end = cnt > 0 ? idx + cnt : s->meta_start + s->meta_start_len;
    if (!s->meta_child && s->meta_text.data) {
      one_buf_rstrip (&s->meta_text);
      const char *m = s->meta_text.data;
      while (*m == ' ' || *m == '\t' || *m == '\n' || *m == '\r')
        m++;
      if (*m && d->datavmx == NULL)
        d->datavmx = one_xstrdup (m);       /* 4.0: raw DATA_VMX */
    }
  }
  if (s->disk_depth == s->depth)
    s->disk_depth = 0;
  one_buf_reset (&s->text);
  char *slash = strrchr (s->path, '/');
  if (slash)
    *slash = '\0';
  s->depth--;
  (void) el;
}

static void XMLCALL
on_text (void *ud, const XML_Char *txt, int len)
{
  dparse *s = ud;
  one_buf_append (&s->text, txt, len);
  if (strcmp (s->path, "/domain/metadata") == 0)
    one_buf_append (&s->meta_text, txt, len);
}

/* DATA_VMX comes with literal "\n" between lines (spec §2.2). */
static void
unescape_newlines (char *s)
{
  char *w = s;
  for (char *r = s; *r; r++) {
    if (r[0] == '\\' && r[1] == 'n') {
      *w++ = '\n';
      r++;
    }
    else
      *w++ = *r;
  }
  *w = '\0';
}

one_deployment *
one_deployment_parse (const char *data, size_t len, const char *label)
{
  ONE_AUTO (one_deployment) *d = one_xcalloc (1, sizeof *d);
  d->path = one_xstrdup (label);
  dparse s = { .d = d, .meta_start = -1 };
  s.p = XML_ParserCreate ("UTF-8");
  if (s.p == NULL) {
    one_error ("deployment file '%s': XML_ParserCreate failed", label);
    return NULL;
  }
  XML_SetUserData (s.p, &s);
  XML_SetElementHandler (s.p, on_start, on_end);
  XML_SetCharacterDataHandler (s.p, on_text);
  int ok = XML_Parse (s.p, data, (int) len, 1) == XML_STATUS_OK;
  if (!ok)
    one_error ("deployment file '%s' line %lu: %s", label,
               (unsigned long) XML_GetCurrentLineNumber (s.p),
               XML_ErrorString (XML_GetErrorCode (s.p)));
  XML_ParserFree (s.p);
  one_buf_free (&s.text);
  one_buf_free (&s.meta_text);
  if (!ok)
    return NULL;
  if (d->name == NULL) {
    one_error ("deployment file '%s': no /domain/name", label);
    return NULL;
  }
  if (d->datavmx)
    unescape_newlines (d->datavmx);
  one_buf x = { 0 };
  if (s.meta_start >= 0 && s.meta_end > s.meta_start
      && (size_t) s.meta_end <= len) {
    one_buf_append (&x, data, s.meta_start);
    one_buf_append (&x, data + s.meta_end, len - s.meta_end);
  }
  else
    one_buf_append (&x, data, len);
  d->xml = one_buf_steal (&x);
  return one_steal_pointer (&d);
}

one_deployment *
one_deployment_read (const char *path)
{
  ONE_AUTOFREE char *data = NULL;
  size_t len = 0;
  if (one_read_file (path, 16 << 20, &data, &len) < 0)
    return NULL;
  return one_deployment_parse (data, len, path);
}

void
one_deployment_free (one_deployment *d)
{
  if (d == NULL)
    return;
  free (d->path);
  free (d->xml);
  free (d->name);
  free (d->guestos);
  free (d->datavmx);
  free (d->first_disk);
  free (d);
}

char *
one_deployment_vmx_dspath (const one_deployment *d)
{
  if (d->first_disk == NULL)
    return NULL;
  const char *slash = strrchr (d->first_disk, '/');
  if (slash)
    return one_xasprintf ("%.*s/%s.vmx", (int) (slash - d->first_disk),
                          d->first_disk, d->name);
  /* "[ds] disk.vmdk": the datastore's top folder */
  const char *sp = strchr (d->first_disk, ']');
  if (sp == NULL)
    return NULL;
  return one_xasprintf ("%.*s %s.vmx", (int) (sp - d->first_disk + 1),
                        d->first_disk, d->name);
}

char *
one_dspath_to_path (const char *dspath)
{
  if (dspath == NULL || dspath[0] != '[')
    return NULL;
  const char *close = strchr (dspath, ']');
  if (close == NULL || close == dspath + 1)
    return NULL;
  const char *rest = close + 1;
  while (*rest == ' ')
    rest++;
  return one_xasprintf ("/vmfs/volumes/%.*s%s%s", (int) (close - dspath - 1),
                        dspath + 1, *rest ? "/" : "", rest);
}

char *
one_vms_dir (const char *vid)
{
  const char *e = getenv ("ESXMAD_VMS_DIR");
  if (e && *e)
    return one_xasprintf ("%s/%s", e, vid);
  e = getenv ("ONE_LOCATION");
  if (e && *e)
    return one_xasprintf ("%s/var/vms/%s", e, vid);
  return one_xasprintf ("/var/lib/one/vms/%s", vid);
}

char *
one_deployment_latest (const char *dir)
{
  DIR *dh = opendir (dir);
  if (dh == NULL) {
    one_error ("deployment folder '%s': opendir: %s", dir, strerror (errno));
    return NULL;
  }
  long long best = -1;
  char *best_name = NULL;
  struct dirent *de;
  while ((de = readdir (dh))) {
    if (!one_str_startswith (de->d_name, "deployment."))
      continue;
    int64_t seq;
    if (one_parse_int64 (de->d_name + 11, 0, INT64_MAX, &seq) < 0)
      continue;
    if (seq > best) {
      best = seq;
      free (best_name);
      best_name = one_xstrdup (de->d_name);
    }
  }
  closedir (dh);
  if (best_name == NULL) {
    one_error ("deployment folder '%s': no deployment.<n> file", dir);
    return NULL;
  }
  char *r = one_xasprintf ("%s/%s", dir, best_name);
  free (best_name);
  return r;
}
