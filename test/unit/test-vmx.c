/* VMX reader/writer: lexing rules, escapes, .present subtrees, encodings,
 * duplicates, hostile input, writing, DATA_VMX merge. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "esxmad.h"

static one_vmx *
P (const char *text, unsigned flags)
{
  one_error_reset ();
  return one_vmx_parse ("t.vmx", text, strlen (text), flags);
}

static void
test_lexing (void)
{
  ONE_AUTO (one_vmx) *v =
    P ("#!/usr/bin/vmware\r\n.encoding = \"UTF-8\"\r\n\r\n# comment\r\n"
       "  memSize=\"1024\"  \r\nDisplayName = \"a |22b|22 |7C c|0Ad |zz |\"\r\n"
       "empty = \"\"\r\n", 0);
  CHECK (v != NULL);
  CHECK (one_vmx_count (v) == 4);
  CHECK_STREQ (one_vmx_get (v, "memsize"), "1024");
  CHECK_STREQ (one_vmx_get (v, "MEMSIZE"), "1024");
  CHECK_STREQ (one_vmx_key (v, 1), "memSize");
  CHECK_STREQ (one_vmx_get (v, "displayname"), "a \"b\" | c\nd |zz |");
  CHECK_STREQ (one_vmx_get (v, "empty"), "");
  /* unchanged lines are written as read (without the \r) */
  ONE_AUTOFREE char *out = one_vmx_format (v);
  CHECK_STREQ (out, "#!/usr/bin/vmware\n.encoding = \"UTF-8\"\n\n# comment\n"
               "  memSize=\"1024\"  \nDisplayName = \"a |22b|22 |7C c|0Ad |zz |\"\n"
               "empty = \"\"\n");
  /* |00 is not decoded: values are C strings */
  ONE_AUTO (one_vmx) *z = P ("a = \"x|00y\"\n", 0);
  CHECK_STREQ (one_vmx_get (z, "a"), "x|00y");
  /* no final newline */
  ONE_AUTO (one_vmx) *n = P ("a = \"1\"", 0);
  CHECK_STREQ (one_vmx_get (n, "A"), "1");
}

static void
test_errors (void)
{
  const char *bad[] = {
    "a = 1\n", "a \"1\"\n", "= \"1\"\n", "a = \"1\n", "a = \"1\" x\n",
    "a b = \"1\"\n", "a/b = \"1\"\n", "a = \"x\"y\"\n", "k$ = \"1\"\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ONE_AUTOFREE char *text = one_xasprintf ("ok = \"1\"\n%s", bad[i]);
    one_vmx *v = P (text, 0);
    CHECK (v == NULL);
    CHECK (one_errmsg () && strstr (one_errmsg (), "line 2") != NULL);
    one_vmx_free (v);
    /* lenient: the line is not read, but written back as it was */
    v = P (text, ONE_VMX_LENIENT);
    CHECK (v != NULL && one_vmx_count (v) == 1);
    if (v) {
      ONE_AUTOFREE char *out = one_vmx_format (v);
      CHECK_STREQ (out, text);
    }
    one_vmx_free (v);
  }
  /* Bytes of a byte order mark opening a line kept as it was (a second
   * mark; a line after a dropped one) stay text when read again. */
  const char *boms[] = {
    "\xef\xbb\xbf\xef\xbb\xbf.=\"\"\n",
    "\xef\xbb\xbf\xef\xbb\xbf" "a = \"1\"\nb = \"2\"\n",
  };
  for (size_t i = 0; i < sizeof boms / sizeof *boms; i++) {
    ONE_AUTO (one_vmx) *v = P (boms[i], ONE_VMX_LENIENT);
    CHECK (v != NULL);
    if (!v)
      continue;
    ONE_AUTOFREE char *out = one_vmx_format (v);
    ONE_AUTO (one_vmx) *w = P (out, ONE_VMX_LENIENT);
    CHECK (w != NULL && one_vmx_count (w) == one_vmx_count (v));
    CHECK_STREQ (out, boms[i]);
  }
  const char dropped[] = "x = \"\0\"\n\xef\xbb\xbf.=\"\"\n";
  ONE_AUTO (one_vmx) *dv = one_vmx_parse ("t", dropped, sizeof dropped - 1,
                                          ONE_VMX_LENIENT);
  CHECK (dv && one_vmx_count (dv) == 0);
  if (dv) {
    ONE_AUTOFREE char *out = one_vmx_format (dv);
    CHECK_STREQ (out, "\xef\xbb\xbf\xef\xbb\xbf.=\"\"\n");
    ONE_AUTO (one_vmx) *w = P (out, ONE_VMX_LENIENT);
    CHECK (w && one_vmx_count (w) == 0);
  }
  /* NUL byte, invalid UTF-8, huge line */
  const char nul[] = "a = \"1\"\nb = \"x\0y\"\nc = \"3\"\n";
  one_vmx *v = one_vmx_parse ("t", nul, sizeof nul - 1, 0);
  CHECK (v == NULL && strstr (one_errmsg (), "line 2: NUL byte"));
  v = one_vmx_parse ("t", nul, sizeof nul - 1, ONE_VMX_LENIENT);
  CHECK (v && one_vmx_count (v) == 2 && !one_vmx_get (v, "b"));
  one_vmx_free (v);
  v = P ("a = \"\xff\xfe\"\n", 0);
  CHECK (v == NULL && strstr (one_errmsg (), "line 1: invalid UTF-8"));
  v = P ("a = \"\xc0\xaf\"\n", 0);          /* overlong */
  CHECK (v == NULL);
  size_t big = ONE_VMX_MAX_LINE + 10;
  char *huge = one_xmalloc (big + 20);
  memcpy (huge, "a = \"", 5);
  memset (huge + 5, 'x', big);
  strcpy (huge + 5 + big, "\"\n");
  v = one_vmx_parse ("t", huge, strlen (huge), 0);
  CHECK (v == NULL && strstr (one_errmsg (), "too long"));
  free (huge);
  /* many lines: the hash table keeps parsing linear */
  one_buf b = { 0 };
  for (int i = 0; i < 200000; i++)
    one_buf_printf (&b, "key%d = \"%d\"\n", i, i);
  v = one_vmx_parse ("t", b.data, b.len, 0);
  CHECK (v && one_vmx_count (v) == 200000);
  CHECK_STREQ (one_vmx_get (v, "KEY199999"), "199999");
  one_vmx_free (v);
  one_buf_free (&b);
}

static void
test_duplicates_and_present (void)
{
  ONE_AUTO (one_vmx) *v =
    P ("a = \"1\"\nA = \"2\"\nide1:0.present = \"FALSE\"\n"
       "ide1:0.fileName = \"x.iso\"\nsched.scsi0:0.shares = \"normal\"\n"
       "pciPassthru*.present = \"FALSE\"\nb.present = \"true\"\n"
       "b.c.present = \"False\"\nb.c.d = \"1\"\nb.e = \"2\"\n", 0);
  CHECK (v != NULL);
  CHECK_STREQ (one_vmx_get (v, "a"), "1");      /* the first wins */
  CHECK (one_vmx_count (v) == 9);
  {
    /* the duplicate is kept for writing until the key is set */
    ONE_AUTOFREE char *out = one_vmx_format (v);
    CHECK (strncmp (out, "a = \"1\"\nA = \"2\"\n", 16) == 0);
    CHECK (one_vmx_set (v, "a", "3") == 0);
    ONE_AUTOFREE char *out2 = one_vmx_format (v);
    CHECK (strncmp (out2, "a = \"3\"\nide1:0.present", 22) == 0);
    CHECK_STREQ (one_vmx_get (v, "A"), "3");
    CHECK (one_vmx_count (v) == 9);
  }
  CHECK_STREQ (one_vmx_get (v, "ide1:0.fileName"), "x.iso");
  CHECK (one_vmx_get_live (v, "ide1:0.filename") == NULL);
  CHECK (one_vmx_get_live (v, "b.c.d") == NULL);
  CHECK_STREQ (one_vmx_get_live (v, "b.e"), "2");
  CHECK_STREQ (one_vmx_get_live (v, "sched.scsi0:0.shares"), "normal");
  bool bv;
  CHECK (one_vmx_get_bool (v, "b.c.present", true, &bv) == 0 && !bv);
  CHECK (one_vmx_get_bool (v, "nothing", true, &bv) == 0 && bv);
  CHECK (one_vmx_get_bool (v, "a", true, &bv) < 0);
  int64_t n;
  CHECK (one_vmx_get_int (v, "a", 0, &n) == 0 && n == 3);
  CHECK (one_vmx_get_int (v, "ide1:0.fileName", 0, &n) < 0);
  CHECK (strstr (one_errmsg (), "'ide1:0.fileName'") != NULL);
}

static void
test_encoding (void)
{
  /* windows-1252: e9 is e-acute */
  ONE_AUTO (one_vmx) *v =
    P (".encoding = \"windows-1252\"\ndisplayName = \"caf\xe9\"\n", 0);
  CHECK (v != NULL);
  if (v) {
    CHECK_STREQ (one_vmx_get (v, "displayName"), "caf\xc3\xa9");
    CHECK_STREQ (one_vmx_get (v, ".encoding"), "UTF-8");
    ONE_AUTOFREE char *out = one_vmx_format (v);
    CHECK_STREQ (out, ".encoding = \"UTF-8\"\ndisplayName = \"caf\xc3\xa9\"\n");
  }
  one_vmx *u = P (".encoding = \"no-such-charset\"\na = \"1\"\n", 0);
  CHECK (u == NULL && strstr (one_errmsg (), "no-such-charset"));
  /* Shift_JIS is converted too */
  ONE_AUTO (one_vmx) *j =
    P (".encoding = \"Shift_JIS\"\nannotation = \"\x93\xfa\x96\x7b\"\n", 0);
  CHECK (j && strcmp (one_vmx_get (j, "annotation"),
                      "\xe6\x97\xa5\xe6\x9c\xac") == 0);
}

static void
test_writer (void)
{
  ONE_AUTO (one_vmx) *v =
    P ("Config.Version = \"8\"\nmemSize = \"512\"\nzzz.unknown = \"keep\"\n", 0);
  CHECK (one_vmx_set (v, "MEMSIZE", "1024") == 0);
  CHECK (one_vmx_set (v, "annotation", "say \"hi\" | bye\nnext\x01") == 0);
  CHECK (one_vmx_set (v, "bad key", "x") < 0);
  CHECK (one_vmx_set (v, "k", "\xff") < 0);
  CHECK (one_vmx_delete (v, "CONFIG.version"));
  CHECK (!one_vmx_delete (v, "config.version"));
  ONE_AUTOFREE char *out = one_vmx_format (v);
  CHECK_STREQ (out, "memSize = \"1024\"\nzzz.unknown = \"keep\"\n"
               "annotation = \"say |22hi|22 |7C bye|0Anext|01\"\n");
  ONE_AUTO (one_vmx) *w = P (out, 0);
  CHECK_STREQ (one_vmx_get (w, "annotation"), "say \"hi\" | bye\nnext\x01");
  ONE_AUTOFREE char *e = one_vmx_escape ("a|b\"c\td\x7f");
  CHECK_STREQ (e, "a|7Cb|22c|09d|7F");
  ONE_AUTOFREE char *u = one_vmx_unescape ("|41|4a|zz|");
  CHECK_STREQ (u, "AJ|zz|");
}

static void
test_merge (void)
{
  ONE_AUTO (one_vmx) *v =
    P ("displayName = \"one-5\"\nsched.mem.min = \"1\"\nguestOS = \"other\"\n", 0);
  /* literal \n separates lines; keys match in any case; no duplicates */
  CHECK (one_vmx_merge (v, "SCHED.MEM.MIN = \"512\"\\nsched.mem.pin = \"TRUE\""
                        "\\n\\nguestos=\"rhel7-64\"\nnote = \"a|22b\"") == 0);
  ONE_AUTOFREE char *out = one_vmx_format (v);
  CHECK_STREQ (out, "displayName = \"one-5\"\nsched.mem.min = \"512\"\n"
               "guestOS = \"rhel7-64\"\nsched.mem.pin = \"TRUE\"\n"
               "note = \"a|22b\"\n");
  /* refused lines change nothing and name the line */
  const char *bad[] = {
    "a = \"1\"\\nnot a line", "a = \"1\"\\nk$ = \"2\"",
    "a = \"1\"\\nb = \"x\ty\"", "a = \"1\"\\n# comment",
    "a = \"1\"\\n.encoding = \"latin1\"", "a = \"1\"\\nb = \"\xff\"",
    "a = \"1\"\\nb = \"x\" \"y\"", "a = \"1\"\\nb = \"x\rz\"",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    one_error_reset ();
    CHECK (one_vmx_merge (v, bad[i]) < 0);
    CHECK (one_errmsg () && strstr (one_errmsg (), "DATA_VMX line 2"));
    CHECK (one_vmx_get (v, "a") == NULL);
  }
  ONE_AUTOFREE char *out2 = one_vmx_format (v);
  CHECK_STREQ (out2, out);
}

static int
cb_map (const char *fn, void *opaque, bool allow_missing, char **out)
{
  return one_vmx_esx_file_name (fn, opaque, allow_missing, out);
}

static void
test_facts (void)
{
  const char *text =
    "config.version = \"8\"\nvirtualHW.version = \"14\"\n"
    "displayName = \"web%2F1 |22x|22\"\nmemsize = \"2048\"\nnumvcpus = \"4\"\n"
    "guestOS = \"rhel7-64\"\nfirmware = \"efi\"\nuefi.secureBoot.enabled = \"TRUE\"\n"
    "uuid.bios = \"42 2c 01 52 63 ab cd 03-96 50 43 01 ae 77 ae fd\"\n"
    "scsi0.present = \"TRUE\"\nscsi0.virtualDev = \"pvscsi\"\n"
    "scsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"web.vmdk\"\n"
    "scsi0:20.present = \"TRUE\"\nscsi0:20.fileName = \"/vmfs/volumes/ds2/x/y.vmdk\"\n"
    "ide1:0.present = \"FALSE\"\nide1:0.fileName = \"z.iso\"\n"
    "ethernet1.present = \"TRUE\"\nethernet1.virtualDev = \"vmxnet\"\n"
    "ethernet1.features = \"15\"\nethernet1.addressType = \"static\"\n"
    "ethernet1.address = \"00:50:56:AA:BB:CC\"\nethernet1.networkName = \"pg 1\"\n";
  ONE_AUTO (one_vmx) *v = P (text, 0);
  one_vmx_ctx ctx = { cb_map, (void *) "/vmfs/volumes/ds1/web/web.vmx" };
  ONE_AUTO (one_vmx_facts) *f = one_vmx_facts_read (v, &ctx);
  CHECK (f != NULL);
  if (!f)
    return;
  CHECK_STREQ (f->name, "web/1 \"x\"");
  CHECK_STREQ (f->uuid, "422c0152-63ab-cd03-9650-4301ae77aefd");
  CHECK (f->memory_mib == 2048 && f->vcpus == 4);
  CHECK_STREQ (f->arch, "x86_64");
  CHECK_STREQ (f->firmware, "efi");
  CHECK (f->secure_boot);
  CHECK (f->n_disks == 2);
  CHECK_STREQ (f->disks[0].path, "[ds1] web/web.vmdk");
  CHECK_STREQ (f->disks[0].target, "sda");
  CHECK_STREQ (f->disks[0].controller_model, "pvscsi");
  CHECK_STREQ (f->disks[1].path, "[ds2] x/y.vmdk");
  CHECK (f->disks[1].unit == 20);
  CHECK (f->n_nics == 1);
  CHECK_STREQ (f->nics[0].mac, "00:50:56:aa:bb:cc");
  CHECK_STREQ (f->nics[0].model, "vmxnet2");
  CHECK_STREQ (f->nics[0].network, "pg 1");
  CHECK_STREQ (f->nics[0].type, "bridge");

  /* an unknown deviceType: warned about and skipped, never silently */
  {
    ONE_AUTO (one_vmx) *u = P ("scsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\n"
                               "scsi0:0.deviceType = \"quantum-disk\"\n"
                               "scsi0:0.fileName = \"q.vmdk\"\n"
                               "scsi0:1.present = \"TRUE\"\nscsi0:1.fileName = \"d.vmdk\"\n", 0);
    ONE_AUTO (one_vmx_facts) *uf = one_vmx_facts_read (u, &ctx);
    CHECK (uf && uf->n_disks == 1 && strcmp (uf->disks[0].target, "sdb") == 0);
  }
  const char *rejects[] = {
    "memsize = \"33\"\n", "numvcpus = \"0\"\n", "firmware = \"coreboot\"\n",
    "config.version = \"7\"\n", "uuid.bios = \"12 34\"\n",
    "scsi0.present = \"TRUE\"\nscsi0.virtualDev = \"nonsense\"\n",
    "ethernet0.present = \"TRUE\"\nethernet0.connectionType = \"weird\"\n",
    "ethernet0.present = \"yes\"\n",
  };
  for (size_t i = 0; i < sizeof rejects / sizeof *rejects; i++) {
    ONE_AUTO (one_vmx) *r = P (rejects[i], 0);
    CHECK (r != NULL);
    ONE_AUTO (one_vmx_facts) *rf = one_vmx_facts_read (r, &ctx);
    CHECK (rf == NULL && one_errmsg () && strstr (one_errmsg (), "t.vmx"));
  }
}

/* The monitoring probe builds facts from API data: sparse structs. */
static void
test_template (void)
{
  one_vmx_facts *f = one_xcalloc (1, sizeof *f);
  f->name = one_xstrdup ("we\"ird \\ na\nme");
  f->memory_mib = 1024;
  f->vcpus = 2;
  f->n_disks = 3;
  f->disks = one_xcalloc (3, sizeof *f->disks);
  f->disks[0].bus = one_xstrdup ("scsi");
  f->disks[0].target = one_xstrdup ("sda");
  f->disks[0].device = one_xstrdup ("disk");
  f->disks[0].path = one_xstrdup ("[ds] a/b.vmdk");
  f->disks[0].controller_model = one_xstrdup ("lsilogic'/><x y='");
  f->disks[1].path = one_xstrdup ("[ds] c.vmdk");          /* all else NULL */
  f->disks[2].bus = one_xstrdup ("ide");
  f->disks[2].target = one_xstrdup ("hda");
  f->disks[2].device = one_xstrdup ("cdrom");              /* no path */
  f->n_nics = 2;
  f->nics = one_xcalloc (2, sizeof *f->nics);
  f->nics[0].mac = one_xstrdup ("00:50:56:00:00:01");
  f->nics[0].network = one_xstrdup ("VM \"Net\"");
  f->nics[1].index = 1;
  ONE_AUTOFREE char *t = one_vmx_template (f);
  CHECK (strstr (t, "NAME = \"we\\\"ird \\\\ na me\"\n") != NULL);
  CHECK (strstr (t, "MEMORY = \"1024\"") && strstr (t, "VCPU = \"2\""));
  CHECK (strstr (t, "ARCH = \"i686\"") && strstr (t, "FIRMWARE = \"BIOS\""));
  CHECK (strstr (t, "SOURCE = \"[ds] a/b.vmdk\""));
  CHECK (strstr (t, "SOURCE = \"[ds] c.vmdk\""));
  CHECK (strstr (t, "# not imported: ide hda cdrom (no file)"));
  CHECK (strstr (t, "NETWORK = \"VM \\\"Net\\\"\""));
  CHECK (strstr (t, "# not imported: ethernet1"));
  CHECK (strstr (t, "RAW") == NULL);        /* unknown controller model */
  one_vmx_facts_free (f);
  ONE_AUTOFREE char *q = one_template_quote ("a\"b\\c\td");
  CHECK_STREQ (q, "\"a\\\"b\\\\c d\"");
}

int
main (void)
{
  test_template ();
  test_lexing ();
  test_errors ();
  test_duplicates_and_present ();
  test_encoding ();
  test_writer ();
  test_merge ();
  test_facts ();
  return check_done ();
}
