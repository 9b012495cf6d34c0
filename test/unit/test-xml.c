/* XML tree and path queries: valid documents, then hostile ones (DOCTYPE,
 * entities, deep nesting, huge attributes, truncation, bad bytes). */
#include "esxmad.h"
#include "check.h"

static one_xml_doc *
parse (const char *s)
{
  return one_xml_parse (s, strlen (s), "test xml");
}

static void
test_paths (void)
{
  const char *s =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<VM>\n"
    "  <ID>42</ID>\n"
    "  <TEMPLATE>\n"
    "    <DISK><DISK_ID><![CDATA[0]]></DISK_ID><TYPE>FILE</TYPE></DISK>\n"
    "    <DISK><DISK_ID>1</DISK_ID><TYPE><![CDATA[CDROM]]></TYPE></DISK>\n"
    "    <NIC><MAC>02:00:00:00:00:01</MAC></NIC>\n"
    "    <NIC><MAC>02:00:00:00:00:02</MAC><MODEL>e1000</MODEL></NIC>\n"
    "    <NIC><MAC>02:00:00:00:00:03</MAC></NIC>\n"
    "    <EMPTY/>\n"
    "    <MIXED>a &amp; b &lt;c&gt; &#233;<![CDATA[ <raw> & ]]></MIXED>\n"
    "  </TEMPLATE>\n"
    "  <domain><devices><disk><source file='[0] 42/disk.0/disk.vmdk'/></disk>"
    "<disk><source file=\"[1] x\"/></disk></devices></domain>\n"
    "</VM>\n";
  ONE_AUTO (one_xml_doc) *d = parse (s);
  CHECK (d != NULL);
  if (!d) {
    fprintf (stderr, "%s\n", one_errmsg ());
    return;
  }
  one_xml *root = one_xml_root (d);
  CHECK_STREQ (one_xml_name (root), "VM");
  CHECK (one_xml_parent (root) == NULL);
  CHECK_STREQ (one_xml_doc_get (d, "/VM/ID"), "42");
  CHECK_STREQ (one_xml_doc_get (d, "/VM/TEMPLATE/DISK[DISK_ID=1]/TYPE"), "CDROM");
  CHECK_STREQ (one_xml_doc_get (d, "/VM/TEMPLATE/DISK[DISK_ID=0]/TYPE"), "FILE");
  CHECK_STREQ (one_xml_doc_get (d, "/VM/TEMPLATE/DISK[DISK_ID='1']/TYPE"), "CDROM");
  CHECK (one_xml_doc_get (d, "/VM/TEMPLATE/DISK[DISK_ID=7]/TYPE") == NULL);
  CHECK_STREQ (one_xml_doc_get (d, "/VM/TEMPLATE/DISK[2]/DISK_ID"), "1");
  CHECK_STREQ (one_xml_doc_get (d, "/VM/TEMPLATE/NIC[MODEL]/MAC"), "02:00:00:00:00:02");
  CHECK_STREQ (one_xml_doc_get (d, "//disk/source/@file"), "[0] 42/disk.0/disk.vmdk");
  CHECK_STREQ (one_xml_doc_get (d, "/VM/domain/devices/disk[2]/source/@file"), "[1] x");
  CHECK_STREQ (one_xml_doc_get (d, "//source[@file='[1] x']/@file"), "[1] x");
  CHECK_STREQ (one_xml_doc_get (d, "/VM/TEMPLATE/EMPTY"), "");
  CHECK (one_xml_doc_get (d, "/VM/TEMPLATE/MISSING") == NULL);
  CHECK (one_xml_doc_get (d, "/VM/TEMPLATE/EMPTY/@x") == NULL);
  CHECK_STREQ (one_xml_doc_get (d, "/VM/TEMPLATE/MIXED"),
               "a & b <c> \xc3\xa9 <raw> & ");
  CHECK_STREQ (one_xml_doc_get (d, "/*/ID"), "42");
  CHECK_STREQ (one_xml_doc_get (d, "//ID"), "42");

  /* Iteration, by path and by child/next. */
  one_xml **v = NULL;
  int n = one_xml_find_all (root, "/VM/TEMPLATE/NIC", &v);
  CHECK (n == 3);
  if (n == 3) {
    CHECK_STREQ (one_xml_get (v[0], "MAC"), "02:00:00:00:00:01");
    CHECK_STREQ (one_xml_get (v[2], "MAC"), "02:00:00:00:00:03");
    CHECK (one_xml_get (v[0], "MODEL") == NULL);
    CHECK (one_xml_line (v[1]) == 8);
    CHECK (one_xml_parent (v[1]) == one_xml_find (root, "TEMPLATE"));
  }
  free (v);
  n = one_xml_find_all (root, "//disk/source/@file", &v);
  CHECK (n == 2);
  free (v);
  one_xml *t = one_xml_find (root, "TEMPLATE");
  int count = 0;
  for (one_xml *c = one_xml_child (t, "NIC"); c; c = one_xml_next (c, "NIC"))
    count++;
  CHECK (count == 3);
  count = 0;
  for (one_xml *c = one_xml_child (t, NULL); c; c = one_xml_next (c, NULL))
    count++;
  CHECK (count == 7);
  /* Relative and absolute from an inner node. */
  CHECK_STREQ (one_xml_get (t, "DISK[DISK_ID=1]/TYPE"), "CDROM");
  CHECK_STREQ (one_xml_get (t, "/VM/ID"), "42");

  /* Bad paths are errors, not crashes. */
  const char *badp[] = { "", "/", "/VM//", "/VM/[x]", "/VM/DISK[", "/VM/@",
                         "/VM/DISK[0]", "/VM/@a/b", "VM DISK", NULL };
  for (int i = 0; badp[i]; i++) {
    one_error_reset ();
    CHECK (one_xml_doc_get (d, badp[i]) == NULL);
    CHECK (one_errmsg () != NULL);
  }

  /* Byte spans cover the element exactly. */
  size_t a, b, len;
  const char *text = one_xml_doc_text (d, &len);
  one_xml *e = one_xml_find (root, "TEMPLATE/EMPTY");
  one_xml_span (e, &a, &b);
  CHECK (b - a == 8 && strncmp (text + a, "<EMPTY/>", 8) == 0);
  e = one_xml_find (root, "ID");
  one_xml_span (e, &a, &b);
  CHECK (b - a == 11 && strncmp (text + a, "<ID>42</ID>", 11) == 0);
}

static void
expect_fail (const char *what, const char *s, size_t len, const char *want)
{
  one_error_reset ();
  one_xml_doc *d = one_xml_parse (s, len, "test xml");
  const char *m = one_errmsg ();
  bool ok = d == NULL && m && strstr (m, want) && strstr (m, "test xml");
  if (!ok)
    fprintf (stderr, "%s: expected '%s', got '%s'\n", what, want,
             m ? m : d ? "(parsed)" : "(none)");
  else
    printf ("ok %s: %s\n", what, m);
  CHECK (ok);
  one_xml_doc_free (d);
}

static void
test_broken (void)
{
#define F(w, s, want) expect_fail (w, s, strlen (s), want)
  F ("truncated", "<VM><ID>4", "line 1: no element found");
  F ("truncated tag", "<VM>\n<ID>4</I", "line 2: unclosed token");
  F ("amp", "<VM>\n<NAME>R&D</NAME></VM>", "line 2: not well-formed");
  F ("lt", "<VM><NAME>a < b</NAME></VM>", "not well-formed");
  F ("mismatch", "<VM><A></B></VM>", "mismatched tag");
  F ("two roots", "<VM/><VM/>", "junk after document element");
  F ("empty", "", "no element found");
  F ("blank", " \n ", "no element found");
  F ("text only", "hello", "syntax error");
  F ("undefined entity", "<VM>&foo;</VM>", "undefined entity");
  F ("dup attr", "<VM a='1' a='2'/>", "duplicate attribute");
  F ("bad utf8", "<VM>\xff</VM>", "not well-formed");
  F ("doctype", "<!DOCTYPE VM>\n<VM/>", "line 1: DOCTYPE 'VM' is not allowed");
  F ("laughs",
     "<?xml version='1.0'?>\n<!DOCTYPE lolz [<!ENTITY lol 'lol'>"
     "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>]>"
     "<lolz>&lol2;</lolz>", "line 2: DOCTYPE 'lolz' is not allowed");
  F ("xxe", "<!DOCTYPE VM [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><VM>&x;</VM>",
     "DOCTYPE");
  F ("param entity", "<!DOCTYPE VM [<!ENTITY % p SYSTEM 'http://x/'> %p;]><VM/>",
     "DOCTYPE");
#undef F
  /* NUL byte inside. */
  expect_fail ("nul", "<VM>a\0b</VM>", 12, "NUL byte");

  /* Deep nesting: 100 levels fine, 300 refused. */
  one_buf b = { 0 };
  for (int i = 0; i < 100; i++)
    one_buf_puts (&b, "<a>");
  for (int i = 0; i < 100; i++)
    one_buf_puts (&b, "</a>");
  ONE_AUTO (one_xml_doc) *d = one_xml_parse (b.data, b.len, "test xml");
  CHECK (d != NULL);
  one_buf_reset (&b);
  for (int i = 0; i < 300; i++)
    one_buf_puts (&b, "<a>");
  for (int i = 0; i < 300; i++)
    one_buf_puts (&b, "</a>");
  expect_fail ("deep", b.data, b.len, "nested deeper than 256");
  /* Deep with no closing tags at all (like a truncated attack). */
  one_buf_reset (&b);
  for (int i = 0; i < 100000; i++)
    one_buf_puts (&b, "<a>");
  expect_fail ("deep open", b.data, b.len, "nested deeper than 256");

  /* A 2 MiB attribute is refused; 100 KiB is fine. */
  one_buf_reset (&b);
  one_buf_puts (&b, "<VM x='");
  for (int i = 0; i < 100 * 1024; i++)
    one_buf_putc (&b, 'x');
  one_buf_puts (&b, "'/>");
  ONE_AUTO (one_xml_doc) *d2 = one_xml_parse (b.data, b.len, "test xml");
  CHECK (d2 && strlen (one_xml_attr (one_xml_root (d2), "x")) == 100 * 1024);
  one_buf_reset (&b);
  one_buf_puts (&b, "<VM>\n<A huge='");
  for (int i = 0; i < 2 * 1024 * 1024; i++)
    one_buf_putc (&b, 'x');
  one_buf_puts (&b, "'/></VM>");
  expect_fail ("huge attribute", b.data, b.len,
               "line 2: attribute 'huge' longer than 1 MiB");
  one_buf_free (&b);
}

static void
test_escape (void)
{
  ONE_AUTOFREE char *e = one_xml_escape ("a&b<c>d\"e'f é");
  CHECK_STREQ (e, "a&amp;b&lt;c&gt;d&quot;e&apos;f é");
  ONE_AUTOFREE char *e2 = one_xml_escape ("");
  CHECK_STREQ (e2, "");
  /* Round trip through the parser, as text and as attribute. */
  const char *hostile = "R&D <x> \"q\" 'a' ]]> &amp;";
  ONE_AUTOFREE char *esc = one_xml_escape (hostile);
  ONE_AUTOFREE char *doc = one_xasprintf ("<r a='%s'>%s</r>", esc, esc);
  ONE_AUTO (one_xml_doc) *d = parse (doc);
  CHECK (d != NULL);
  if (d) {
    CHECK_STREQ (one_xml_text (one_xml_root (d)), hostile);
    CHECK_STREQ (one_xml_attr (one_xml_root (d), "a"), hostile);
  }
}

int
main (void)
{
  test_paths ();
  test_broken ();
  test_escape ();
  return check_done ();
}
