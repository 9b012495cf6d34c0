/* esxmad: readers for what OpenNebula hands the drivers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

#define DEPLOYMENT_MAX (16 * 1024 * 1024)

/* ---- deployment file --------------------------------------------------- */

static void
disk_clear (one_dom_disk *k)
{
  free (k->type);
  free (k->device);
  free (k->source);
  free (k->target);
  free (k->driver);
}

static void
nic_clear (one_dom_nic *n)
{
  free (n->bridge);
  free (n->mac);
  free (n->target);
  free (n->script);
  free (n->model);
}

void
one_domain_free (one_domain *d)
{
  if (!d)
    return;
  free (d->path);
  one_xml_doc_free (d->doc);
  free (d->name);
  free (d->arch);
  for (size_t i = 0; i < d->n_boot; i++)
    free (d->boot[i]);
  free (d->boot);
  for (size_t i = 0; i < d->n_disks; i++)
    disk_clear (&d->disks[i]);
  free (d->disks);
  for (size_t i = 0; i < d->n_nics; i++)
    nic_clear (&d->nics[i]);
  free (d->nics);
  if (d->graphics) {
    free (d->graphics->type);
    free (d->graphics->listen);
    free (d->graphics->port);
    free (d->graphics->passwd);
    free (d->graphics->keymap);
    free (d->graphics);
  }
  free (d->other_devices);
  free (d->guestos);
  free (d->datavmx);
  free (d);
}

/* The text with leading and trailing whitespace removed. */
static char *
trimmed (const char *s)
{
  if (!s)
    return NULL;
  while (isspace ((unsigned char) *s))
    s++;
  size_t n = strlen (s);
  while (n > 0 && isspace ((unsigned char) s[n - 1]))
    n--;
  return one_xstrndup (s, n);
}

static char *
attr_dup (const one_xml *e, const char *path)
{
  return one_xstrdup (one_xml_get (e, path));
}

/* A whole number element; 'min' and 'max' bound it. */
static int
get_number (const one_domain *d, const char *path, int64_t min, int64_t max,
            bool required, int64_t *out)
{
  one_xml *e = one_xml_doc_find (d->doc, path);
  if (!e) {
    if (required) {
      one_error ("%s: no %s element", d->path, path);
      return -1;
    }
    *out = 0;
    return 0;
  }
  ONE_AUTOFREE char *t = trimmed (one_xml_text (e));
  if (one_parse_int64 (t, min, max, out) < 0) {
    one_error ("%s line %d: %s: expected a whole number from %lld to %lld, "
               "found '%s'", d->path, one_xml_line (e), path,
               (long long) min, (long long) max, t);
    return -1;
  }
  return 0;
}

static int
read_device (one_domain *d, one_xml *e)
{
  const char *n = one_xml_name (e);
  if (strcmp (n, "disk") == 0) {
    one_dom_disk *k = &d->disks[d->n_disks++];
    k->type = one_xstrdup (one_xml_attr (e, "type"));
    k->device = one_xstrdup (one_xml_attr (e, "device"));
    k->source = attr_dup (e, "source/@file");
    if (!k->source)
      k->source = attr_dup (e, "source/@dev");
    k->target = attr_dup (e, "target/@dev");
    k->driver = attr_dup (e, "driver/@name");
    k->readonly = one_xml_child (e, "readonly") != NULL;
    if (!k->target) {
      one_error ("%s line %d: disk without <target dev=...>", d->path,
                 one_xml_line (e));
      return -1;
    }
  }
  else if (strcmp (n, "interface") == 0) {
    one_dom_nic *k = &d->nics[d->n_nics++];
    k->bridge = attr_dup (e, "source/@bridge");
    k->mac = attr_dup (e, "mac/@address");
    k->target = attr_dup (e, "target/@dev");
    k->script = attr_dup (e, "script/@path");
    k->model = attr_dup (e, "model/@type");
  }
  else if (strcmp (n, "graphics") == 0 && !d->graphics) {
    one_dom_graphics *g = d->graphics = one_xcalloc (1, sizeof *g);
    g->type = one_xstrdup (one_xml_attr (e, "type"));
    g->listen = one_xstrdup (one_xml_attr (e, "listen"));
    g->port = one_xstrdup (one_xml_attr (e, "port"));
    g->passwd = one_xstrdup (one_xml_attr (e, "passwd"));
    g->keymap = one_xstrdup (one_xml_attr (e, "keymap"));
    one_secret_register (g->passwd);
  }
  else
    d->other_devices[d->n_other_devices++] = e;
  return 0;
}

static int
read_domain (one_domain *d)
{
  one_xml *root = one_xml_root (d->doc);
  if (strcmp (one_xml_name (root), "domain") != 0) {
    one_error ("%s line %d: root element is <%s>, expected <domain>",
               d->path, one_xml_line (root), one_xml_name (root));
    return -1;
  }
  d->name = trimmed (one_xml_get (root, "name"));
  if (!d->name || !*d->name) {
    one_error ("%s: no <name>", d->path);
    return -1;
  }
  int64_t v;
  if (get_number (d, "/domain/vcpu", 1, 4096, false, &v) < 0)
    return -1;
  d->vcpu = (int) v;
  if (get_number (d, "/domain/memory", 1, INT64_MAX / 1024, true, &v) < 0)
    return -1;
  d->memory_kib = (uint64_t) v;
  d->arch = attr_dup (root, "os/type/@arch");

  one_xml **v_boot = NULL;
  int nb = one_xml_find_all (root, "os/boot[@dev]", &v_boot);
  d->boot = one_xcalloc (nb > 0 ? nb + 1 : 1, sizeof *d->boot);
  for (int i = 0; i < nb; i++)
    d->boot[d->n_boot++] = one_xstrdup (one_xml_attr (v_boot[i], "dev"));
  free (v_boot);

  /* Devices: <devices> may appear more than once (RAW DATA adds its own). */
  size_t total = 0;
  for (one_xml *dv = one_xml_child (root, "devices"); dv;
       dv = one_xml_next (dv, "devices"))
    for (one_xml *e = one_xml_child (dv, NULL); e; e = one_xml_next (e, NULL))
      total++;
  d->disks = one_xcalloc (total + 1, sizeof *d->disks);
  d->nics = one_xcalloc (total + 1, sizeof *d->nics);
  d->other_devices = one_xcalloc (total + 1, sizeof *d->other_devices);
  for (one_xml *dv = one_xml_child (root, "devices"); dv;
       dv = one_xml_next (dv, "devices"))
    for (one_xml *e = one_xml_child (dv, NULL); e; e = one_xml_next (e, NULL))
      if (read_device (d, e) < 0)
        return -1;

  d->guestos = trimmed (one_xml_get (root, "metadata/guestos"));
  if (d->guestos && !*d->guestos) {
    free (d->guestos);
    d->guestos = NULL;
  }
  if (get_number (d, "/domain/metadata/pcibridge", 0, 32, false, &v) < 0)
    return -1;
  d->pcibridge = (int) v;
  d->datavmx = one_xstrdup (one_xml_get (root, "metadata/datavmx"));
  return 0;
}

one_domain *
one_domain_parse (const char *xml, size_t len, const char *what)
{
  ONE_AUTO (one_domain) *d = one_xcalloc (1, sizeof *d);
  d->path = one_xstrdup (what);
  d->doc = one_xml_parse (xml, len, what);
  if (!d->doc) {
    const char *m = one_errmsg ();
    if (m && (strstr (m, "not well-formed") || strstr (m, "mismatched tag")
              || strstr (m, "undefined entity")
              || strstr (m, "unclosed token")
              || strstr (m, "no element found")))
      one_error ("%s (oned does not escape '&' or '<' in VM template "
                 "values: check the VM template)", m);
    return NULL;
  }
  if (read_domain (d) < 0)
    return NULL;
  return one_steal_pointer (&d);
}

one_domain *
one_domain_load (const char *path)
{
  ONE_AUTOFREE char *data = NULL;
  size_t len;
  if (one_read_file (path, DEPLOYMENT_MAX, &data, &len) < 0)
    return NULL;
  ONE_AUTOFREE char *what = one_xasprintf ("deployment file '%s'", path);
  return one_domain_parse (data, len, what);
}

char *
one_domain_libvirt_xml (const one_domain *d)
{
  size_t len;
  const char *text = one_xml_doc_text (d->doc, &len);
  one_buf b = { 0 };
  size_t pos = 0;
  one_xml *root = one_xml_root (d->doc);
  for (one_xml *m = one_xml_child (root, "metadata"); m;
       m = one_xml_next (m, "metadata")) {
    size_t s, e;
    one_xml_span (m, &s, &e);
    /* Take the indentation of the line with it. */
    size_t k = s;
    while (k > pos && (text[k - 1] == '\t' || text[k - 1] == ' '))
      k--;
    if (k == 0 || text[k - 1] == '\n')
      s = k;
    one_buf_append (&b, text + pos, s - pos);
    pos = e;
    /* Drop the line break that followed the element. */
    if (pos < len && text[pos] == '\n')
      pos++;
  }
  one_buf_append (&b, text + pos, len - pos);
  return one_buf_steal (&b);
}

char *
one_domain_datastore (const one_domain *d)
{
  for (size_t i = 0; i < d->n_disks; i++) {
    const char *s = d->disks[i].source;
    if (!s || !one_streq (d->disks[i].type, "file") || s[0] != '[')
      continue;
    const char *e = strchr (s, ']');
    if (!e || e == s + 1)
      break;
    return one_xstrndup (s + 1, e - s - 1);
  }
  one_error ("%s: no file-based disk with a '[datastore] path' source",
             d->path);
  return NULL;
}

char *
one_domain_datavmx_lines (const one_domain *d)
{
  one_buf b = { 0 };
  for (const char *p = d->datavmx ? d->datavmx : ""; *p; p++) {
    if (p[0] == '\\' && p[1] == 'n') {
      one_buf_putc (&b, '\n');
      p++;
    }
    else
      one_buf_putc (&b, *p);
  }
  return one_buf_steal (&b);
}

/* ---- driver action data ------------------------------------------------ */

one_xml_doc *
one_b64_xml (const char *b64, const char *root, const char *what)
{
  ONE_AUTOFREE char *xml = NULL;
  size_t len;
  if (!b64 || !*b64) {
    one_error ("%s: empty", what);
    return NULL;
  }
  if (one_b64_decode (b64, &xml, &len) < 0) {
    one_error_prefix ("%s", what);
    return NULL;
  }
  one_xml_doc *d = one_xml_parse (xml, len, what);
  if (!d)
    return NULL;
  const char *name = one_xml_name (one_xml_root (d));
  if (root && strcmp (name, root) != 0) {
    one_error ("%s: root element is <%s>, expected <%s>", what, name, root);
    one_xml_doc_free (d);
    return NULL;
  }
  return d;
}

one_xml_doc *
one_ds_action_parse (const char *b64)
{
  return one_b64_xml (b64, "DS_DRIVER_ACTION_DATA", "DS_DRIVER_ACTION_DATA");
}

const char *
one_ds_action_get (const one_xml_doc *d, const char *path)
{
  return one_xml_get (one_xml_root (d), path);
}

one_xml_doc *
one_vmm_action_parse (const char *b64)
{
  return one_b64_xml (b64, "VMM_DRIVER_ACTION_DATA", "VMM_DRIVER_ACTION_DATA");
}

const char *
one_vmm_action_get (const one_xml_doc *d, const char *path)
{
  return one_xml_get (one_xml_root (d), path);
}

one_xml_doc *
one_vm_xml_parse (const char *b64)
{
  return one_b64_xml (b64, "VM", "VM xml");
}

/* ---- transfer manager arguments ---------------------------------------- */

int
one_tm_split (const char *arg, char **host, char **path)
{
  const char *c = arg ? strchr (arg, ':') : NULL;
  if (!c || c == arg || !c[1]) {
    one_error ("transfer argument '%s': expected host:path", arg ? arg : "");
    return -1;
  }
  *host = one_xstrndup (arg, c - arg);
  *path = one_xstrdup (c + 1);
  return 0;
}

int
one_tm_disk_id (const char *path)
{
  const char *base = strrchr (path, '/');
  base = base ? base + 1 : path;
  int64_t id;
  if (!one_str_startswith (base, "disk.")
      || one_parse_int64 (base + 5, 0, 1000000, &id) < 0
      || !isdigit ((unsigned char) base[5])) {
    one_error ("path '%s': expected .../disk.<id>", path);
    return -1;
  }
  return (int) id;
}

int
one_vmfs_path_check (const char *path, char **ds)
{
  static const char pfx[] = "/vmfs/volumes/";
  if (!one_str_startswith (path, pfx)) {
    one_error ("path '%s': not under /vmfs/volumes/<datastore>/", path);
    return -1;
  }
  for (const unsigned char *p = (const unsigned char *) path; *p; p++)
    if (*p < 0x20 || *p == 0x7f) {
      one_error ("path '%s': control character in the path", path);
      return -1;
    }
  const char *p = path + sizeof pfx - 1;
  int n = 0;
  const char *ds_start = p;
  size_t ds_len = 0;
  for (;;) {
    size_t len = strcspn (p, "/");
    if (len == 0) {
      one_error ("path '%s': empty path component", path);
      return -1;
    }
    if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
      one_error ("path '%s': '.' or '..' component", path);
      return -1;
    }
    if (n == 0)
      ds_len = len;
    n++;
    p += len;
    if (!*p)
      break;
    p++;                        /* '/' */
  }
  if (n < 2) {
    one_error ("path '%s': not under /vmfs/volumes/<datastore>/", path);
    return -1;
  }
  if (ds)
    *ds = one_xstrndup (ds_start, ds_len);
  return 0;
}
