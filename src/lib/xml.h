/* esxmad: a small XML tree built with Expat, and path queries.
 *
 * Enough of XPath for what the drivers read from OpenNebula and libvirt:
 *   /VM/TEMPLATE/DISK[DISK_ID=1]/TYPE     absolute path, child predicate
 *   /VM/TEMPLATE/NIC                      (iterate with one_xml_find_all)
 *   //disk/source/@file                   descendant anywhere, attribute
 *   /domain/metadata/datavmx
 *   DISK[2]/TARGET, NIC[@type='x']        relative to a node, position,
 *                                         attribute predicate; '*' any name
 * Refused: DOCTYPE (so no DTD, no entity expansion, no external entity),
 * nesting deeper than ONE_XML_MAX_DEPTH, documents or attribute values
 * beyond the size limits.  Errors name the document and the line. */
#ifndef ESXMAD_XML_H
#define ESXMAD_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"
#include "util.h"

#define ONE_XML_MAX_DEPTH 256
#define ONE_XML_MAX_SIZE (64 * 1024 * 1024)
#define ONE_XML_MAX_ATTR (1024 * 1024)
#define ONE_XML_MAX_NODES 1000000

typedef struct one_xml one_xml;          /* an element */
typedef struct one_xml_doc one_xml_doc;  /* a parsed document */

/* Parse 'len' bytes; 'what' names the document in errors
 * ("deployment file '/x'").  NULL with one_error set:
 * "<what> line N: <expat's message>". */
one_xml_doc *one_xml_parse (const char *data, size_t len, const char *what);
void one_xml_doc_free (one_xml_doc *d);
ONE_DEFINE_AUTO (one_xml_doc)

one_xml *one_xml_root (const one_xml_doc *d);
/* The raw text the document was parsed from (NUL-terminated). */
const char *one_xml_doc_text (const one_xml_doc *d, size_t *len);

const char *one_xml_name (const one_xml *e);
/* The character data directly inside the element (text and CDATA
 * sections joined, not trimmed); "" when none.  Never NULL. */
const char *one_xml_text (const one_xml *e);
/* An attribute's value, NULL when absent. */
const char *one_xml_attr (const one_xml *e, const char *name);
int one_xml_line (const one_xml *e);
/* Byte range of the element in the document text, from '<' of the start
 * tag to after the end tag. */
void one_xml_span (const one_xml *e, size_t *start, size_t *end);
one_xml *one_xml_parent (const one_xml *e);
/* First child element named 'name' (NULL: any), and the next sibling
 * after 'e' with that name: for (c = one_xml_child (e, "NIC"); c;
 * c = one_xml_next (c, "NIC")) ... */
one_xml *one_xml_child (const one_xml *e, const char *name);
one_xml *one_xml_next (const one_xml *e, const char *name);

/* Path queries.  A path starting with '/' is absolute (from the document
 * root); otherwise it is relative to 'e'.  With a final "@attr" step the
 * result is the attribute value.
 * one_xml_find: first matching element (NULL: none or bad path).
 * one_xml_get: text of the first matching element, or the attribute;
 *   NULL when nothing matches.
 * one_xml_find_all: every matching element, in document order; returns
 *   the count, *out (free() it) holds them.  -1 on a bad path.
 * A bad path is a programming error: one_error is set and NULL/-1 returned. */
one_xml *one_xml_find (const one_xml *e, const char *path);
const char *one_xml_get (const one_xml *e, const char *path);
int one_xml_find_all (const one_xml *e, const char *path, one_xml ***out);
/* The same from the document root. */
one_xml *one_xml_doc_find (const one_xml_doc *d, const char *path);
const char *one_xml_doc_get (const one_xml_doc *d, const char *path);

/* Writer side: the text with & < > " ' escaped, for element text and
 * attribute values alike. */
char *one_xml_escape (const char *s);
void one_buf_xml_escape (one_buf *b, const char *s);

#endif
