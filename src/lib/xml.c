/* esxmad: a small XML tree built with Expat, and path queries. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "esxmad.h"

struct one_xml {
  char *name;
  char **attrs;                 /* name, value, ..., NULL */
  one_buf text;
  int line;
  size_t start, end;            /* byte span in the document */
  bool is_doc;                  /* the synthetic node above the root */
  one_xml *parent, *first, *last, *next;
};

struct one_xml_doc {
  one_xml top;                  /* synthetic: its only child is the root */
  char *text;
  size_t len;
};

typedef struct builder {
  XML_Parser p;
  const char *what;
  one_xml_doc *doc;
  one_xml *cur;
  int depth;
  size_t nodes;
  char *err;                    /* our own reason to stop */
  int err_line;
} builder;

static void
node_free (one_xml *e)
{
  one_xml *c = e->first;
  while (c) {
    one_xml *n = c->next;
    node_free (c);
    free (c);
    c = n;
  }
  if (e->attrs)
    for (char **a = e->attrs; *a; a++)
      free (*a);
  free (e->attrs);
  free (e->name);
  one_buf_free (&e->text);
}

void
one_xml_doc_free (one_xml_doc *d)
{
  if (!d)
    return;
  node_free (&d->top);
  free (d->text);
  free (d);
}

static void
stop (builder *b, const char *fmt, const char *arg)
{
  if (b->err)
    return;
  b->err = one_xasprintf (fmt, arg);
  b->err_line = (int) XML_GetCurrentLineNumber (b->p);
  XML_StopParser (b->p, XML_FALSE);
}

static void XMLCALL
on_start (void *ud, const XML_Char *name, const XML_Char **atts)
{
  builder *b = ud;
  if (b->err)
    return;
  if (++b->depth > ONE_XML_MAX_DEPTH) {
    stop (b, "elements nested deeper than %s levels", "256");
    return;
  }
  if (++b->nodes > ONE_XML_MAX_NODES) {
    stop (b, "more than %s elements", "1000000");
    return;
  }
  size_t n = 0;
  for (const XML_Char **a = atts; *a; a += 2) {
    if (strlen (a[1]) > ONE_XML_MAX_ATTR) {
      stop (b, "attribute '%s' longer than 1 MiB", a[0]);
      return;
    }
    n += 2;
  }
  one_xml *e = one_xcalloc (1, sizeof *e);
  e->name = one_xstrdup (name);
  e->attrs = one_xcalloc (n + 1, sizeof *e->attrs);
  for (size_t i = 0; i < n; i++)
    e->attrs[i] = one_xstrdup (atts[i]);
  e->line = (int) XML_GetCurrentLineNumber (b->p);
  e->start = (size_t) XML_GetCurrentByteIndex (b->p);
  /* For an empty element <x/> the end handler sees no bytes: the start
   * tag is the whole element. */
  e->end = e->start + (size_t) XML_GetCurrentByteCount (b->p);
  e->parent = b->cur;
  if (b->cur->last)
    b->cur->last->next = e;
  else
    b->cur->first = e;
  b->cur->last = e;
  b->cur = e;
}

static void XMLCALL
on_end (void *ud, const XML_Char *name)
{
  builder *b = ud;
  (void) name;
  if (b->err)
    return;
  int count = XML_GetCurrentByteCount (b->p);
  if (count > 0)
    b->cur->end = (size_t) XML_GetCurrentByteIndex (b->p) + count;
  b->cur = b->cur->parent;
  b->depth--;
}

static void XMLCALL
on_text (void *ud, const XML_Char *s, int len)
{
  builder *b = ud;
  if (b->err || b->cur == &b->doc->top)
    return;
  one_buf_append (&b->cur->text, s, len);
}

static void XMLCALL
on_doctype (void *ud, const XML_Char *name, const XML_Char *sysid,
            const XML_Char *pubid, int has_internal)
{
  (void) sysid; (void) pubid; (void) has_internal;
  stop (ud, "DOCTYPE '%s' is not allowed (no DTD, no entities)", name);
}

static void XMLCALL
on_entity (void *ud, const XML_Char *name, int is_param,
           const XML_Char *value, int value_len, const XML_Char *base,
           const XML_Char *sysid, const XML_Char *pubid,
           const XML_Char *notation)
{
  (void) is_param; (void) value; (void) value_len; (void) base;
  (void) sysid; (void) pubid; (void) notation;
  stop (ud, "entity declaration '%s' is not allowed", name);
}

one_xml_doc *
one_xml_parse (const char *data, size_t len, const char *what)
{
  if (len > ONE_XML_MAX_SIZE) {
    one_error ("%s: larger than %d bytes", what, ONE_XML_MAX_SIZE);
    return NULL;
  }
  if (memchr (data, '\0', len)) {
    one_error ("%s: NUL byte in the document", what);
    return NULL;
  }
  ONE_AUTO (one_xml_doc) *d = one_xcalloc (1, sizeof *d);
  d->top.is_doc = true;
  d->text = one_xstrndup (data, len);
  d->len = len;
  builder b = { .what = what, .doc = d, .cur = &d->top };
  b.p = XML_ParserCreate (NULL);
  if (!b.p) {
    one_error ("XML_ParserCreate: out of memory");
    return NULL;
  }
  XML_SetUserData (b.p, &b);
  XML_SetElementHandler (b.p, on_start, on_end);
  XML_SetCharacterDataHandler (b.p, on_text);
  XML_SetStartDoctypeDeclHandler (b.p, on_doctype);
  XML_SetEntityDeclHandler (b.p, on_entity);
  XML_SetParamEntityParsing (b.p, XML_PARAM_ENTITY_PARSING_NEVER);

  bool ok = XML_Parse (b.p, data, (int) len, XML_TRUE) == XML_STATUS_OK;
  if (b.err) {
    one_error ("%s line %d: %s", what, b.err_line, b.err);
    ok = false;
  }
  else if (!ok)
    one_error ("%s line %lu: %s", what,
               (unsigned long) XML_GetCurrentLineNumber (b.p),
               XML_ErrorString (XML_GetErrorCode (b.p)));
  else if (!d->top.first) {
    one_error ("%s: no element", what);
    ok = false;
  }
  free (b.err);
  XML_ParserFree (b.p);
  return ok ? one_steal_pointer (&d) : NULL;
}

one_xml *
one_xml_root (const one_xml_doc *d)
{
  return d->top.first;
}

const char *
one_xml_doc_text (const one_xml_doc *d, size_t *len)
{
  if (len)
    *len = d->len;
  return d->text;
}

const char *
one_xml_name (const one_xml *e)
{
  return e->name;
}

const char *
one_xml_text (const one_xml *e)
{
  return e->text.data ? e->text.data : "";
}

const char *
one_xml_attr (const one_xml *e, const char *name)
{
  if (!e->attrs)
    return NULL;
  for (char **a = e->attrs; *a; a += 2)
    if (strcmp (a[0], name) == 0)
      return a[1];
  return NULL;
}

int
one_xml_line (const one_xml *e)
{
  return e->line;
}

void
one_xml_span (const one_xml *e, size_t *start, size_t *end)
{
  *start = e->start;
  *end = e->end;
}

one_xml *
one_xml_parent (const one_xml *e)
{
  return e->parent && !e->parent->is_doc ? e->parent : NULL;
}

static bool
name_match (const one_xml *e, const char *name)
{
  return name == NULL || strcmp (name, "*") == 0 || strcmp (e->name, name) == 0;
}

one_xml *
one_xml_child (const one_xml *e, const char *name)
{
  for (one_xml *c = e->first; c; c = c->next)
    if (name_match (c, name))
      return c;
  return NULL;
}

one_xml *
one_xml_next (const one_xml *e, const char *name)
{
  for (one_xml *c = e->next; c; c = c->next)
    if (name_match (c, name))
      return c;
  return NULL;
}

/* ---- paths ------------------------------------------------------------- */

enum pred_kind { P_CHILD_EQ, P_ATTR_EQ, P_HAS_CHILD, P_HAS_ATTR, P_INDEX };

typedef struct pred {
  enum pred_kind kind;
  char *name;
  char *value;
  long index;
} pred;

typedef struct step {
  bool desc;                    /* '//' before the step */
  char *name;                   /* "*" for any */
  pred preds[4];
  int n_preds;
} step;

typedef struct xpath {
  bool absolute;
  step steps[32];
  int n_steps;
  char *attr;                   /* final @attr, or NULL */
} xpath;

static void
xpath_clear (xpath *x)
{
  for (int i = 0; i < x->n_steps; i++) {
    free (x->steps[i].name);
    for (int j = 0; j < x->steps[i].n_preds; j++) {
      free (x->steps[i].preds[j].name);
      free (x->steps[i].preds[j].value);
    }
  }
  free (x->attr);
}

static bool
is_name_char (char c)
{
  return c && !strchr ("/[]@='\" ", c);
}

static int
parse_pred (const char *path, const char **pp, pred *pr)
{
  const char *p = *pp + 1;      /* after '[' */
  bool attr = *p == '@';
  if (attr)
    p++;
  const char *s = p;
  while (is_name_char (*p))
    p++;
  size_t nlen = p - s;
  if (nlen == 0)
    goto bad;
  if (!attr && strspn (s, "0123456789") == nlen && *p == ']') {
    pr->kind = P_INDEX;
    pr->index = strtol (s, NULL, 10);
    if (pr->index < 1)
      goto bad;
    *pp = p + 1;
    return 0;
  }
  pr->name = one_xstrndup (s, nlen);
  if (*p == ']') {
    pr->kind = attr ? P_HAS_ATTR : P_HAS_CHILD;
    *pp = p + 1;
    return 0;
  }
  if (*p != '=')
    goto bad;
  p++;
  pr->kind = attr ? P_ATTR_EQ : P_CHILD_EQ;
  if (*p == '\'' || *p == '"') {
    char q = *p++;
    const char *e = strchr (p, q);
    if (!e || e[1] != ']')
      goto bad;
    pr->value = one_xstrndup (p, e - p);
    *pp = e + 2;
    return 0;
  }
  const char *e = strchr (p, ']');
  if (!e)
    goto bad;
  pr->value = one_xstrndup (p, e - p);
  *pp = e + 1;
  return 0;
 bad:
  one_error ("xml path '%s': bad predicate", path);
  return -1;
}

static int
xpath_parse (const char *path, xpath *x)
{
  memset (x, 0, sizeof *x);
  const char *p = path;
  x->absolute = *p == '/';
  bool first = true;
  while (*p) {
    bool desc = false;
    if (p[0] == '/' && p[1] == '/') {
      desc = true;
      p += 2;
    }
    else if (*p == '/')
      p++;
    else if (!first)
      goto bad;
    first = false;
    if (*p == '@') {
      const char *s = ++p;
      while (is_name_char (*p))
        p++;
      if (p == s || *p || desc)
        goto bad;
      x->attr = one_xstrndup (s, p - s);
      break;
    }
    if (x->n_steps == 32)
      goto bad;
    step *st = &x->steps[x->n_steps++];
    st->desc = desc;
    const char *s = p;
    while (is_name_char (*p))
      p++;
    if (p == s)
      goto bad;
    st->name = one_xstrndup (s, p - s);
    while (*p == '[') {
      if (st->n_preds == 4)
        goto bad;
      if (parse_pred (path, &p, &st->preds[st->n_preds++]) < 0) {
        xpath_clear (x);
        return -1;
      }
    }
    if (*p && *p != '/')
      goto bad;
  }
  if (x->n_steps == 0 && !x->attr)
    goto bad;
  return 0;
 bad:
  xpath_clear (x);
  one_error ("xml path '%s': not understood", path);
  return -1;
}

typedef struct nodeset {
  one_xml **v;
  size_t n, cap;
} nodeset;

static void
ns_add (nodeset *s, one_xml *e)
{
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 16;
    s->v = one_xrealloc (s->v, s->cap * sizeof *s->v);
  }
  s->v[s->n++] = e;
}

static bool
pred_ok (const pred *pr, const one_xml *e)
{
  switch (pr->kind) {
  case P_ATTR_EQ:
    return one_streq (one_xml_attr (e, pr->name), pr->value);
  case P_HAS_ATTR:
    return one_xml_attr (e, pr->name) != NULL;
  case P_CHILD_EQ:
  case P_HAS_CHILD:
    for (one_xml *c = one_xml_child (e, pr->name); c;
         c = one_xml_next (c, pr->name))
      if (pr->kind == P_HAS_CHILD || strcmp (one_xml_text (c), pr->value) == 0)
        return true;
    return false;
  case P_INDEX:
    break;
  }
  return true;
}

/* Candidates of one step from one context node, predicates applied. */
static void
step_from (const step *st, const one_xml *ctx, nodeset *out)
{
  nodeset cand = { 0 };
  if (st->desc) {
    /* Every descendant, in document order (iterative walk). */
    const one_xml *e = ctx->first;
    while (e) {
      if (name_match (e, st->name))
        ns_add (&cand, (one_xml *) e);
      if (e->first)
        e = e->first;
      else {
        while (e && e != ctx && !e->next)
          e = e->parent;
        e = e && e != ctx ? e->next : NULL;
      }
    }
  }
  else
    for (one_xml *c = one_xml_child (ctx, st->name); c;
         c = one_xml_next (c, st->name))
      ns_add (&cand, c);

  for (int i = 0; i < st->n_preds; i++) {
    const pred *pr = &st->preds[i];
    size_t k = 0;
    for (size_t j = 0; j < cand.n; j++) {
      bool keep = pr->kind == P_INDEX ? (long) j + 1 == pr->index
        : pred_ok (pr, cand.v[j]);
      if (keep)
        cand.v[k++] = cand.v[j];
    }
    cand.n = k;
  }
  for (size_t j = 0; j < cand.n; j++)
    ns_add (out, cand.v[j]);
  free (cand.v);
}

static const one_xml *
top_of (const one_xml *e)
{
  while (e->parent)
    e = e->parent;
  return e;
}

static int
evaluate (const one_xml *e, const xpath *x, nodeset *res)
{
  nodeset cur = { 0 };
  ns_add (&cur, (one_xml *) (x->absolute ? top_of (e) : e));
  for (int i = 0; i < x->n_steps; i++) {
    nodeset next = { 0 };
    for (size_t j = 0; j < cur.n; j++)
      step_from (&x->steps[i], cur.v[j], &next);
    free (cur.v);
    cur = next;
    if (cur.n == 0)
      break;
  }
  *res = cur;
  return 0;
}

int
one_xml_find_all (const one_xml *e, const char *path, one_xml ***out)
{
  xpath x;
  *out = NULL;
  if (xpath_parse (path, &x) < 0)
    return -1;
  nodeset res;
  evaluate (e, &x, &res);
  if (x.attr) {
    size_t k = 0;
    for (size_t j = 0; j < res.n; j++)
      if (one_xml_attr (res.v[j], x.attr))
        res.v[k++] = res.v[j];
    res.n = k;
  }
  xpath_clear (&x);
  *out = res.v;
  return (int) res.n;
}

one_xml *
one_xml_find (const one_xml *e, const char *path)
{
  one_xml **v = NULL;
  int n = one_xml_find_all (e, path, &v);
  one_xml *r = n > 0 ? v[0] : NULL;
  free (v);
  return r;
}

const char *
one_xml_get (const one_xml *e, const char *path)
{
  xpath x;
  if (xpath_parse (path, &x) < 0)
    return NULL;
  nodeset res;
  evaluate (e, &x, &res);
  const char *r = NULL;
  for (size_t j = 0; j < res.n && !r; j++)
    r = x.attr ? one_xml_attr (res.v[j], x.attr) : one_xml_text (res.v[j]);
  free (res.v);
  xpath_clear (&x);
  return r;
}

one_xml *
one_xml_doc_find (const one_xml_doc *d, const char *path)
{
  return one_xml_find (&d->top, path);
}

const char *
one_xml_doc_get (const one_xml_doc *d, const char *path)
{
  return one_xml_get (&d->top, path);
}

/* ---- writer ------------------------------------------------------------ */

void
one_buf_xml_escape (one_buf *b, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '&': one_buf_puts (b, "&amp;"); break;
    case '<': one_buf_puts (b, "&lt;"); break;
    case '>': one_buf_puts (b, "&gt;"); break;
    case '"': one_buf_puts (b, "&quot;"); break;
    case '\'': one_buf_puts (b, "&apos;"); break;
    default: one_buf_putc (b, *s);
    }
  }
}

char *
one_xml_escape (const char *s)
{
  one_buf b = { 0 };
  one_buf_xml_escape (&b, s ? s : "");
  return one_buf_steal (&b);
}
