/* A small XML tree (expat) with path lookups, for the oned harness. */
#ifndef ONED_XML_H
#define ONED_XML_H

#include <stddef.h>

typedef struct xnode {
  char *name;
  char *text;                 /* concatenated character data (CDATA too) */
  size_t text_len;
  char **attrs;               /* name, value, ..., NULL */
  struct xnode *parent, *child, *last, *next;
} xnode;

/* Parse a document; NULL (message on stderr) on a syntax error. */
xnode *xml_parse (const char *data, size_t len, const char *what);
void xml_free (xnode *n);

/* First child named 'name' of n. */
xnode *xml_child (const xnode *n, const char *name);
/* Follow "A/B/C" from n (each step: first child with that name). */
xnode *xml_path (const xnode *n, const char *path);
/* The text at path, trimmed of surrounding white space, or "" (never NULL;
 * points into a per-call static ring, copy it to keep it). */
const char *xml_text (const xnode *n, const char *path);
/* The next sibling with the same name. */
xnode *xml_next_same (const xnode *n);
/* The child named 'name' whose sub-element 'key' has text 'value'. */
xnode *xml_child_where (const xnode *n, const char *name, const char *key,
                        const char *value);
/* The last child named 'name'. */
xnode *xml_last_child (const xnode *n, const char *name);

#endif
