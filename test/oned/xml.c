/* A small XML tree (expat) with path lookups, for the oned harness. */
#include "xml.h"

#include <ctype.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
xalloc (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (!p) { perror ("oned: calloc"); exit (2); }
  return p;
}

static char *
xstrdup0 (const char *s)
{
  char *p = strdup (s);
  if (!p) { perror ("oned: strdup"); exit (2); }
  return p;
}

struct pstate {
  xnode *root, *cur;
};

static void XMLCALL
on_start (void *ud, const XML_Char *name, const XML_Char **atts)
{
  struct pstate *ps = ud;
  xnode *n = xalloc (sizeof *n);
  size_t k = 0;
  n->name = xstrdup0 (name);
  while (atts[k]) k++;
  n->attrs = xalloc ((k + 1) * sizeof (char *));
  for (size_t i = 0; i < k; i++) n->attrs[i] = xstrdup0 (atts[i]);
  n->parent = ps->cur;
  if (ps->cur) {
    if (ps->cur->last) ps->cur->last->next = n; else ps->cur->child = n;
    ps->cur->last = n;
  } else {
    ps->root = n;
  }
  ps->cur = n;
}

static void XMLCALL
on_end (void *ud, const XML_Char *name)
{
  struct pstate *ps = ud;
  (void) name;
  ps->cur = ps->cur->parent;
}

static void XMLCALL
on_text (void *ud, const XML_Char *s, int len)
{
  struct pstate *ps = ud;
  xnode *n = ps->cur;
  if (!n) return;
  char *t = realloc (n->text, n->text_len + (size_t) len + 1);
  if (!t) { perror ("oned: realloc"); exit (2); }
  memcpy (t + n->text_len, s, (size_t) len);
  n->text_len += (size_t) len;
  t[n->text_len] = 0;
  n->text = t;
}

xnode *
xml_parse (const char *data, size_t len, const char *what)
{
  struct pstate ps = { 0 };
  XML_Parser p = XML_ParserCreate ("UTF-8");
  XML_SetUserData (p, &ps);
  XML_SetElementHandler (p, on_start, on_end);
  XML_SetCharacterDataHandler (p, on_text);
  if (XML_Parse (p, data, (int) len, 1) == XML_STATUS_ERROR) {
    fprintf (stderr, "oned: %s: XML error line %lu: %s\n", what,
             (unsigned long) XML_GetCurrentLineNumber (p),
             XML_ErrorString (XML_GetErrorCode (p)));
    XML_ParserFree (p);
    xml_free (ps.root);
    return NULL;
  }
  XML_ParserFree (p);
  return ps.root;
}

void
xml_free (xnode *n)
{
  while (n) {
    xnode *next = n->next;
    xml_free (n->child);
    free (n->name);
    free (n->text);
    if (n->attrs) {
      for (size_t i = 0; n->attrs[i]; i++) free (n->attrs[i]);
      free (n->attrs);
    }
    free (n);
    n = next;
  }
}

xnode *
xml_child (const xnode *n, const char *name)
{
  if (!n) return NULL;
  for (xnode *c = n->child; c; c = c->next)
    if (strcmp (c->name, name) == 0) return c;
  return NULL;
}

xnode *
xml_path (const xnode *n, const char *path)
{
  char buf[512];
  snprintf (buf, sizeof buf, "%s", path);
  xnode *cur = (xnode *) n;
  for (char *save = NULL, *tok = strtok_r (buf, "/", &save); tok && cur;
       tok = strtok_r (NULL, "/", &save))
    cur = xml_child (cur, tok);
  return cur;
}

const char *
xml_text (const xnode *n, const char *path)
{
  static char *ring[16];
  static int pos;
  const xnode *t = path && *path ? xml_path (n, path) : n;
  if (!t || !t->text) return "";
  const char *s = t->text, *e = t->text + t->text_len;
  while (s < e && isspace ((unsigned char) *s)) s++;
  while (e > s && isspace ((unsigned char) e[-1])) e--;
  pos = (pos + 1) % 16;
  free (ring[pos]);
  ring[pos] = strndup (s, (size_t) (e - s));
  return ring[pos];
}

xnode *
xml_next_same (const xnode *n)
{
  for (xnode *c = n->next; c; c = c->next)
    if (strcmp (c->name, n->name) == 0) return c;
  return NULL;
}

xnode *
xml_child_where (const xnode *n, const char *name, const char *key,
                 const char *value)
{
  for (xnode *c = xml_child (n, name); c; c = xml_next_same (c))
    if (strcasecmp (xml_text (c, key), value) == 0) return c;
  return NULL;
}

xnode *
xml_last_child (const xnode *n, const char *name)
{
  xnode *last = NULL;
  for (xnode *c = xml_child (n, name); c; c = xml_next_same (c)) last = c;
  return last;
}
