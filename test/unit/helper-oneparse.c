/* Test helper: parse monitoring output the way oned does, and print it
 * flattened, one KEY=VALUE per line, for the shell tests to compare.
 *
 *   helper-oneparse poll < LINE
 *     VirtualMachineManagerDriver::parse_vm_info: exactly one line of
 *     whitespace-separated KEY=VALUE tokens; a token without '=' is an
 *     error; STATE one character among a p e d -; USEDMEMORY an integer;
 *     USEDCPU a number (oned keeps the integer part); NETRX/NETTX integers.
 *     Prints the tokens as oned stores them (USEDCPU truncated).
 *
 *   helper-oneparse im < OUTPUT
 *     OpenNebula's template syntax, as oned reads a probe's output:
 *     NAME=VALUE with VALUE a bare word or a "double-quoted string" (\" and
 *     \\ escapes), or NAME=[K=V,K=V,...]; '#' comments.  Prints NAME=VALUE
 *     and NAME[i].K=V (i counts the vectors of that name from 0).  Inside
 *     VM vectors, POLL is also parsed as a poll line (VM[i].POLL.K=V) and
 *     IMPORT_TEMPLATE is base64-decoded and parsed as a template
 *     (VM[i].IMPORT_TEMPLATE.K=V).  Numbers where oned wants them are
 *     checked.
 *
 * Exit 0 parsed, 1 parse error (message on stderr). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

static int
fail (const char *what, const char *near)
{
  fprintf (stderr, "helper-oneparse: %s near '%.40s'\n", what, near ? near : "");
  return -1;
}

static bool
is_int (const char *s)
{
  char *end;
  if (!*s)
    return false;
  (void) strtoll (s, &end, 10);
  return *end == '\0';
}

static bool
is_num (const char *s)
{
  char *end;
  if (!*s)
    return false;
  (void) strtod (s, &end);
  return *end == '\0';
}

/* parse_vm_info */
static int
parse_poll (const char *line, const char *prefix)
{
  if (strchr (line, '\n'))
    return fail ("poll: more than one line", line);
  char *copy = one_xstrdup (line);
  int rc = 0;
  char *save = NULL;
  int n = 0;
  for (char *tok = strtok_r (copy, " \t\r", &save); tok;
       tok = strtok_r (NULL, " \t\r", &save)) {
    n++;
    char *eq = strchr (tok, '=');
    if (!eq) {
      rc = fail ("poll: token without '='", tok);
      break;
    }
    *eq = '\0';
    const char *k = tok, *v = eq + 1;
    if (strcmp (k, "STATE") == 0) {
      if (strlen (v) != 1 || !strchr ("apde-", v[0])) {
        rc = fail ("poll: bad STATE", v);
        break;
      }
      printf ("%s%s=%s\n", prefix, k, v);
    }
    else if (strcmp (k, "USEDCPU") == 0) {
      if (!is_num (v)) {
        rc = fail ("poll: USEDCPU not a number", v);
        break;
      }
      printf ("%s%s=%d\n", prefix, k, (int) strtod (v, NULL));
    }
    else if (strcmp (k, "USEDMEMORY") == 0 || strcmp (k, "NETRX") == 0
             || strcmp (k, "NETTX") == 0) {
      if (!is_int (v)) {
        rc = fail ("poll: not an integer", v);
        break;
      }
      printf ("%s%s=%lld\n", prefix, k, strtoll (v, NULL, 10));
    }
    else
      printf ("%s%s=%s\n", prefix, k, v);
  }
  if (rc == 0 && n == 0)
    rc = fail ("poll: empty", line);
  free (copy);
  return rc;
}

struct counter { char name[64]; int n; };

static int
counter_next (struct counter *c, size_t *nc, const char *name)
{
  for (size_t i = 0; i < *nc; i++)
    if (strcmp (c[i].name, name) == 0)
      return c[i].n++;
  if (*nc < 64) {
    snprintf (c[*nc].name, sizeof c[0].name, "%s", name);
    c[(*nc)++].n = 1;
  }
  return 0;
}

static void
skip_ws (const char **p, bool newlines)
{
  for (;;) {
    while (**p == ' ' || **p == '\t' || **p == '\r' || (newlines && **p == '\n'))
      (*p)++;
    if (newlines && **p == '#') {
      while (**p && **p != '\n')
        (*p)++;
      continue;
    }
    return;
  }
}

static char *
read_name (const char **p)
{
  const char *s = *p;
  while (isalnum ((unsigned char) **p) || **p == '_')
    (*p)++;
  if (*p == s)
    return NULL;
  char *n = one_xstrndup (s, (size_t) (*p - s));
  for (char *q = n; *q; q++)
    *q = (char) toupper ((unsigned char) *q);
  return n;
}

static char *
read_value (const char **p, bool in_vector)
{
  one_buf b = { 0 };
  if (**p == '"') {
    (*p)++;
    while (**p && **p != '"') {
      if (**p == '\\' && ((*p)[1] == '"' || (*p)[1] == '\\'))
        (*p)++;
      one_buf_putc (&b, **p);
      (*p)++;
    }
    if (**p != '"') {
      one_buf_free (&b);
      return NULL;
    }
    (*p)++;
    return one_buf_steal (&b);
  }
  while (**p && !isspace ((unsigned char) **p) && **p != '"' && **p != '['
         && !(in_vector && (**p == ',' || **p == ']')))
    one_buf_putc (&b, *(*p)++);
  if (b.len == 0) {
    one_buf_free (&b);
    return NULL;
  }
  return one_buf_steal (&b);
}

static int parse_template (const char *text, const char *prefix);

static const char *const numeric_keys[] = {
  "CPUSPEED", "TOTALCPU", "USEDCPU", "FREECPU", "TOTALMEMORY", "USEDMEMORY",
  "FREEMEMORY", "NETRX", "NETTX", NULL
};

static int
emit (const char *prefix, const char *vec, int idx, const char *k,
      const char *v)
{
  ONE_AUTOFREE char *key = vec ? one_xasprintf ("%s%s[%d].%s", prefix, vec, idx, k)
                               : one_xasprintf ("%s%s", prefix, k);
  printf ("%s=%s\n", key, v);
  if (!vec && !*prefix)
    for (size_t i = 0; numeric_keys[i]; i++)
      if (strcmp (k, numeric_keys[i]) == 0 && !is_num (v))
        return fail ("not a number", key);
  if (vec && strcmp (vec, "VM") == 0) {
    if (strcmp (k, "ID") == 0 && !is_int (v))
      return fail ("VM ID not an integer", v);
    ONE_AUTOFREE char *sub = one_xasprintf ("%s.", key);
    if (strcmp (k, "POLL") == 0)
      return parse_poll (v, sub);
    if (strcmp (k, "IMPORT_TEMPLATE") == 0) {
      char *dec = NULL;
      size_t len = 0;
      if (one_b64_decode (v, &dec, &len) == -1)
        return fail ("IMPORT_TEMPLATE: bad base64", v);
      int rc = parse_template (dec, sub);
      free (dec);
      return rc;
    }
  }
  if (vec && strcmp (vec, "DS") == 0 && strcmp (k, "ID") != 0 && !is_int (v))
    return fail ("DS value not an integer", v);
  return 0;
}

static int
parse_template (const char *text, const char *prefix)
{
  struct counter c[64];
  size_t nc = 0;
  const char *p = text;
  for (;;) {
    skip_ws (&p, true);
    if (!*p)
      return 0;
    ONE_AUTOFREE char *name = read_name (&p);
    if (!name)
      return fail ("expected an attribute name", p);
    skip_ws (&p, false);
    if (*p != '=')
      return fail ("expected '='", p);
    p++;
    skip_ws (&p, false);
    if (*p == '[') {
      p++;
      int idx = counter_next (c, &nc, name);
      for (;;) {
        skip_ws (&p, true);
        ONE_AUTOFREE char *k = read_name (&p);
        if (!k)
          return fail ("vector: expected a name", p);
        skip_ws (&p, true);
        if (*p != '=')
          return fail ("vector: expected '='", p);
        p++;
        skip_ws (&p, true);
        ONE_AUTOFREE char *v = read_value (&p, true);
        if (!v)
          return fail ("vector: bad value", p);
        if (emit (prefix, name, idx, k, v) == -1)
          return -1;
        skip_ws (&p, true);
        if (*p == ',') {
          p++;
          continue;
        }
        if (*p == ']') {
          p++;
          break;
        }
        return fail ("vector: expected ',' or ']'", p);
      }
    }
    else {
      ONE_AUTOFREE char *v = read_value (&p, false);
      if (!v)
        return fail ("bad value", p);
      if (emit (prefix, NULL, 0, name, v) == -1)
        return -1;
    }
    /* Next attribute must start on a new line or after blanks. */
    if (*p && !isspace ((unsigned char) *p) && *p != '#')
      return fail ("garbage after value", p);
  }
}

int
main (int argc, char **argv)
{
  if (argc != 2 || (strcmp (argv[1], "poll") && strcmp (argv[1], "im"))) {
    fprintf (stderr, "usage: helper-oneparse poll|im < INPUT\n");
    return 2;
  }
  one_buf in = { 0 };
  char buf[65536];
  size_t n;
  while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
    one_buf_append (&in, buf, n);
  const char *text = in.data ? in.data : "";
  int rc;
  if (strcmp (argv[1], "poll") == 0) {
    /* The reply carries stdout raw: exactly one line, newline-terminated. */
    size_t l = strlen (text);
    if (l == 0 || text[l - 1] != '\n' || memchr (text, '\n', l - 1))
      rc = fail ("poll: output is not exactly one line", text);
    else {
      in.data[l - 1] = '\0';
      rc = parse_poll (text, "");
    }
  }
  else
    rc = parse_template (text, "");
  one_buf_free (&in);
  return rc == 0 ? 0 : 1;
}
