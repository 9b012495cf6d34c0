/* oned harness: what oned 4.4 parses out of driver replies.
 *  - parse_vm_info (VirtualMachineManagerDriver.cc): the POLL monitor
 *    string, whitespace-separated KEY=VALUE tokens;
 *  - Host.cc / MonitorThread.cc: the IM probe output as an OpenNebula
 *    template (KEY=VALUE, KEY="quoted", KEY=[A=B,C="d"]), after
 *    run_probes has joined it on one line (`echo $data`). */
#include "oned.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
is_int (const char *s)
{
  if (*s == '-') s++;
  if (!*s) return false;
  for (; *s; s++) if (!isdigit ((unsigned char) *s)) return false;
  return true;
}

static bool
is_number (const char *s)
{
  char *end;
  if (!*s) return false;
  strtod (s, &end);
  return *end == 0;
}

int
check_monitor (const char *what, const char *s)
{
  int bad = 0;
  char *t = xstrdup (s), *save = NULL;
  int n = 0;
  bool state = false;
  for (char *tok = strtok_r (t, " \t\n", &save); tok;
       tok = strtok_r (NULL, " \t\n", &save), n++) {
    char *eq = strchr (tok, '=');
    if (!eq) {
      violation ("%s: token '%s' has no '=': oned's parse_vm_info fails on "
                 "'%s'", what, tok, s);
      bad = 1;
      continue;
    }
    *eq = 0;
    const char *k = tok, *v = eq + 1;
    if (strcmp (k, "STATE") == 0) {
      state = true;
      if (strlen (v) != 1 || !strchr ("apde-", v[0])) {
        violation ("%s: STATE '%s' is not one of a p e d -", what, v);
        bad = 1;
      }
    } else if (strcmp (k, "USEDMEMORY") == 0 || strcmp (k, "NETRX") == 0
               || strcmp (k, "NETTX") == 0) {
      if (!is_int (v) || v[0] == '-') {
        violation ("%s: %s '%s' is not a non-negative integer", what, k, v);
        bad = 1;
      }
    } else if (strcmp (k, "USEDCPU") == 0) {
      if (!is_number (v) || v[0] == '-') {
        violation ("%s: USEDCPU '%s' is not a non-negative number", what, v);
        bad = 1;
      }
    }
  }
  if (n == 0) {
    violation ("%s: empty monitor string", what);
    bad = 1;
  } else if (!state) {
    violation ("%s: no STATE in '%s'", what, s);
    bad = 1;
  }
  free (t);
  return bad;
}

/* ---- the template parser ---- */
typedef struct tpair {
  char *k, *v;
} tpair;

typedef struct tattr {
  char *name;
  char *value;          /* single */
  tpair *pairs;         /* vector */
  int npairs;
  bool vector;
} tattr;

static void
skip_ws (const char **p)
{
  while (**p && isspace ((unsigned char) **p)) (*p)++;
}

static char *
parse_name (const char **p)
{
  const char *s = *p;
  while (**p && (isalnum ((unsigned char) **p) || **p == '_')) (*p)++;
  if (*p == s) return NULL;
  char *n = strndup (s, (size_t) (*p - s));
  for (char *c = n; *c; c++) *c = (char) toupper ((unsigned char) *c);
  return n;
}

static char *
parse_value (const char **p, bool in_vector)
{
  buf b = { 0 };
  if (**p == '"') {
    (*p)++;
    while (**p && **p != '"') {
      if (**p == '\\' && (*p)[1]) (*p)++;
      buf_add (&b, *p, 1);
      (*p)++;
    }
    if (**p != '"') { free (buf_take (&b)); return NULL; }
    (*p)++;
    return buf_take (&b);
  }
  while (**p && !isspace ((unsigned char) **p) && **p != '"' && **p != '['
         && **p != ']' && !(in_vector && **p == ',') && **p != '=') {
    buf_add (&b, *p, 1);
    (*p)++;
  }
  return buf_take (&b);
}

static int
parse_template (const char *s, tattr **out, int *nout)
{
  const char *p = s;
  tattr *a = NULL;
  int n = 0;
  for (;;) {
    skip_ws (&p);
    if (!*p) break;
    if (*p == '#') { while (*p && *p != '\n') p++; continue; }
    tattr t = { 0 };
    t.name = parse_name (&p);
    if (!t.name) { violation ("IM output: syntax error at '%.40s'", p); return -1; }
    skip_ws (&p);
    if (*p != '=') { violation ("IM output: '%s' without '=' (at '%.40s')", t.name, p); return -1; }
    p++;
    skip_ws (&p);
    if (*p == '[') {
      p++;
      t.vector = true;
      for (;;) {
        skip_ws (&p);
        if (*p == ']') { p++; break; }
        char *k = parse_name (&p);
        skip_ws (&p);
        if (!k || *p != '=') { violation ("IM output: %s=[...]: syntax error at '%.40s'", t.name, p); return -1; }
        p++;
        skip_ws (&p);
        char *v = parse_value (&p, true);
        if (!v) { violation ("IM output: %s=[...]: unterminated string", t.name); return -1; }
        t.pairs = realloc (t.pairs, sizeof (tpair) * (size_t) (t.npairs + 1));
        t.pairs[t.npairs++] = (tpair) { k, v };
        skip_ws (&p);
        if (*p == ',') { p++; continue; }
        if (*p == ']') { p++; break; }
        violation ("IM output: %s=[...]: expected ',' or ']' at '%.40s'", t.name, p);
        return -1;
      }
    } else {
      t.value = parse_value (&p, false);
      if (!t.value) { violation ("IM output: %s: unterminated string", t.name); return -1; }
    }
    a = realloc (a, sizeof (tattr) * (size_t) (n + 1));
    a[n++] = t;
  }
  *out = a;
  *nout = n;
  return 0;
}

static const char *
pair (const tattr *t, const char *k)
{
  for (int i = 0; i < t->npairs; i++)
    if (strcmp (t->pairs[i].k, k) == 0) return t->pairs[i].v;
  return NULL;
}

static const char *
single (tattr *a, int n, const char *k)
{
  for (int i = 0; i < n; i++)
    if (!a[i].vector && strcmp (a[i].name, k) == 0) return a[i].value;
  return NULL;
}

int
check_im (const char *s, int *n_vms, int *n_ds)
{
  tattr *a = NULL;
  int n = 0, bad = 0;
  *n_vms = *n_ds = 0;
  if (parse_template (s, &a, &n) < 0) return 1;
  static const char *need[] = { "TOTALCPU", "FREECPU", "USEDCPU", "TOTALMEMORY",
                                "FREEMEMORY", "USEDMEMORY", "CPUSPEED", NULL };
  for (int i = 0; need[i]; i++) {
    const char *v = single (a, n, need[i]);
    if (!v) { violation ("IM output: no %s: the host share stays at 0", need[i]); bad = 1; }
    else if (!is_number (v)) { violation ("IM output: %s='%s' is not a number", need[i], v); bad = 1; }
  }
  const char *vm_poll = single (a, n, "VM_POLL");
  printf ("# HOST");
  for (int i = 0; need[i]; i++) printf (" %s=%s", need[i], single (a, n, need[i]) ?: "?");
  printf (" MODELNAME=\"%s\"\n", single (a, n, "MODELNAME") ?: "");
  for (int i = 0; i < n; i++) {
    if (!a[i].vector) continue;
    if (strcmp (a[i].name, "VM") == 0) {
      (*n_vms)++;
      const char *id = pair (&a[i], "ID"), *did = pair (&a[i], "DEPLOY_ID"),
        *poll = pair (&a[i], "POLL");
      if (!id || !is_int (id)) { violation ("IM output: VM=[...] ID '%s' not an integer", id ?: ""); bad = 1; }
      if (!did || !*did) { violation ("IM output: VM=[...] without DEPLOY_ID"); bad = 1; }
      if (!poll) { violation ("IM output: VM=[...] without POLL"); bad = 1; }
      else {
        char *what = xasprintf ("IM VM %s POLL", did ?: "?");
        bad |= check_monitor (what, poll);
        free (what);
      }
      printf ("# VM ID=%s DEPLOY_ID=%s POLL=\"%s\"\n", id ?: "", did ?: "", poll ?: "");
    } else if (strcmp (a[i].name, "DS") == 0) {
      (*n_ds)++;
      const char *id = pair (&a[i], "ID");
      static const char *mb[] = { "USED_MB", "TOTAL_MB", "FREE_MB", NULL };
      for (int k = 0; mb[k]; k++) {
        const char *v = pair (&a[i], mb[k]);
        if (!v || !is_int (v)) { violation ("IM output: DS=[ID=%s] %s '%s' not an integer", id ?: "", mb[k], v ?: ""); bad = 1; }
      }
      printf ("# DS ID=%s USED_MB=%s TOTAL_MB=%s FREE_MB=%s%s\n", id ?: "",
              pair (&a[i], "USED_MB") ?: "", pair (&a[i], "TOTAL_MB") ?: "",
              pair (&a[i], "FREE_MB") ?: "",
              id && is_int (id) ? "" : " (not a datastore id: ignored by oned)");
    }
  }
  if (*n_vms > 0 && (!vm_poll || strcmp (vm_poll, "YES") != 0)) {
    violation ("IM output: VM=[...] entries without VM_POLL=YES: oned ignores them");
    bad = 1;
  }
  for (int i = 0; i < n; i++) {
    free (a[i].name);
    free (a[i].value);
    for (int k = 0; k < a[i].npairs; k++) { free (a[i].pairs[k].k); free (a[i].pairs[k].v); }
    free (a[i].pairs);
  }
  free (a);
  return bad;
}
