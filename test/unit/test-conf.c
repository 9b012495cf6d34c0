/* vmwarerc: the shipped file, esxmad's keys, connection targets, and
 * every test/data/conf/bad-*.yaml, whose first line says
 * "# error: <expected substring>". */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esxmad.h"
#include "check.h"

#define SECRET "Sup3rS3cret"

static char tmpdir[] = "/tmp/test-conf.XXXXXX";
static const char *datadir;

static char *
write_tmp (const char *name, const char *text, int mode)
{
  char *p = one_xasprintf ("%s/%s", tmpdir, name);
  FILE *f = fopen (p, "w");
  if (!f)
    abort ();
  fputs (text, f);
  fclose (f);
  chmod (p, mode);
  return p;
}

static one_conf *
load_text (const char *text)
{
  ONE_AUTOFREE char *p = write_tmp ("vmwarerc", text, 0600);
  return one_conf_load (p);
}

/* Run one_conf_load with stderr captured into *err. */
static one_conf *
load_capture (const char *path, char **err)
{
  ONE_AUTOFREE char *cap = one_xasprintf ("%s/stderr", tmpdir);
  fflush (stderr);
  int saved = dup (2);
  int fd = open (cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2 (fd, 2);
  close (fd);
  one_conf *c = one_conf_load (path);
  fflush (stderr);
  dup2 (saved, 2);
  close (saved);
  size_t n;
  if (one_read_file (cap, 1 << 20, err, &n) < 0)
    *err = one_xstrdup ("");
  unlink (cap);
  return c;
}

static void
test_shipped (void)
{
  ONE_AUTOFREE char *p = one_xasprintf ("%s/shipped.yaml", datadir);
  ONE_AUTO (one_conf) *c = one_conf_load (p);
  CHECK (c != NULL);
  if (!c) {
    fprintf (stderr, "%s\n", one_errmsg ());
    return;
  }
  CHECK_STREQ (c->libvirt_uri, "'esx://@HOST@/?no_verify=1&auto_answer=1'");
  CHECK_STREQ (c->username, "oneadmin");
  CHECK_STREQ (c->password, "");
  CHECK_STREQ (c->datacenter, "ha-datacenter");
  CHECK (c->vcenter == NULL || c->vcenter[0] == '\0');
  CHECK (c->reserve_memory_in_disk == true);
  CHECK_STREQ (c->ssh_user, "oneadmin");
  CHECK (c->ssh_port == 22);
  CHECK (c->timeout == 60);
  CHECK (c->shutdown_timeout == 300);
  CHECK (c->libvirt_timeout == 1800);
  CHECK (c->n_hosts == 0);
  CHECK (c->ssh_known_hosts && one_str_endswith (c->ssh_known_hosts,
                                                  "/.ssh/known_hosts"));
  CHECK (c->cache_dir && one_str_startswith (c->cache_dir, "/var/tmp/esxmad-"));

  ONE_AUTO (one_target) *t = one_conf_target (c, "esx1");
  CHECK (t != NULL);
  if (!t)
    return;
  CHECK_STREQ (t->libvirt_uri, "esx://esx1/?no_verify=1&auto_answer=1");
  CHECK_STREQ (t->address, "esx1");
  CHECK (t->api_port == 443);
  CHECK (t->ssh_port == 22);
  CHECK (t->tls_no_verify == true);
  CHECK (t->tls_http == false);
  CHECK (t->tls_thumbprint == NULL);
  CHECK_STREQ (t->username, "oneadmin");
  CHECK_STREQ (t->password, "");
  CHECK_STREQ (t->ssh_user, "oneadmin");

  /* Host names that would break the URI or a shell are refused. */
  one_error_reset ();
  CHECK (one_conf_target (c, "esx1/../x") == NULL && one_errmsg ());
  CHECK (one_conf_target (c, "") == NULL);
  CHECK (one_conf_target (c, "a b") == NULL);
}

/* The sample config we install parses, and means the shipped values. */
static void
test_sample (void)
{
  const char *src = getenv ("ESXMAD_SRC");
  ONE_AUTOFREE char *p = one_xasprintf ("%s/etc/vmwarerc", src ? src : ".");
  ONE_AUTO (one_conf) *c = one_conf_load (p);
  CHECK (c != NULL);
  if (!c) {
    fprintf (stderr, "%s\n", one_errmsg ());
    return;
  }
  CHECK_STREQ (c->libvirt_uri, "'esx://@HOST@/?no_verify=1&auto_answer=1'");
  CHECK_STREQ (c->username, "oneadmin");
  CHECK_STREQ (c->password, "");
  CHECK (c->reserve_memory_in_disk);
}

/* A vmwarerc as the tests against the simulated ESX write it. */
static void
test_full (void)
{
  ONE_AUTOFREE char *pw = write_tmp ("password", SECRET "\nsecond line\n", 0600);
  ONE_AUTOFREE char *text = one_xasprintf (
    ":libvirt_uri: \"'esx://@HOST@/?no_verify=1&auto_answer=1'\"\n"
    ":username: \"root\"\n"
    ":password_file: \"%s\"\n"
    ":datacenter: \"ha-datacenter\"\n"
    ":vcenter: \"vc1\"\n"
    ":cluster: \"DC0_C0\"\n"
    ":ssh_user: \"oneadmin\"\n"
    ":ssh_port: 2200\n"
    ":ssh_identity: \"~/.ssh/id_test\"\n"
    ":ssh_known_hosts: \"known_hosts\"\n"
    ":tls_thumbprint: \"ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01\"\n"
    ":tls_ca_file: \"/etc/ssl/ca.pem\"\n"
    ":timeout: 30\n"
    ":shutdown_timeout: 120\n"
    ":libvirt_timeout: 900\n"
    ":cache_dir: \"/tmp/cache\"\n"
    ":reserve_memory_in_disk: false\n"
    ":hosts:\n"
    "  esx1:\n"
    "    :address: \"127.0.0.1\"\n"
    "    :api_port: 9443\n"
    "    :ssh_port: 2201\n"
    "  esx2:\n"
    "    :libvirt_uri: \"esx://other:8443/?no_verify=1\"\n"
    "    :tls_thumbprint: \"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33\"\n"
    "  esx3:\n"
    "    :address: \"::1\"\n"
    "  esx4:\n"
    "  \"10.0.0.7\":\n"
    "    :ssh_port: 22\n", pw);
  ONE_AUTOFREE char *err = NULL;
  ONE_AUTOFREE char *cp = write_tmp ("vmwarerc", text, 0644);
  ONE_AUTO (one_conf) *c = load_capture (cp, &err);
  CHECK (c != NULL);
  if (!c) {
    fprintf (stderr, "%s\n", one_errmsg ());
    return;
  }
  /* The password is in a file of mode 0600: no warning. */
  CHECK_STREQ (err, "");
  CHECK_STREQ (c->password, SECRET);
  CHECK_STREQ (c->password_file, pw);
  CHECK_STREQ (c->vcenter, "vc1");
  CHECK_STREQ (c->cluster, "DC0_C0");
  CHECK_STREQ (c->ssh_user, "oneadmin");
  CHECK (c->ssh_port == 2200);
  CHECK (c->ssh_identity && c->ssh_identity[0] == '/'
         && one_str_endswith (c->ssh_identity, "/.ssh/id_test"));
  ONE_AUTOFREE char *kh = one_xasprintf ("%s/known_hosts", tmpdir);
  CHECK_STREQ (c->ssh_known_hosts, kh);
  CHECK_STREQ (c->tls_thumbprint,
               "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01");
  CHECK (c->timeout == 30 && c->shutdown_timeout == 120);
  CHECK (c->libvirt_timeout == 900);
  CHECK_STREQ (c->cache_dir, "/tmp/cache");
  CHECK (c->reserve_memory_in_disk == false);
  CHECK (c->n_hosts == 5);
  CHECK (one_conf_host (c, "esx4") != NULL);
  CHECK (one_conf_host (c, "esx9") == NULL);

  /* Overrides rewrite the authority, keep the query; a thumbprint turns
   * verification back on despite no_verify=1. */
  ONE_AUTO (one_target) *t = one_conf_target (c, "esx1");
  CHECK (t != NULL);
  if (t) {
    CHECK_STREQ (t->libvirt_uri, "esx://127.0.0.1:9443/?no_verify=1&auto_answer=1");
    CHECK_STREQ (t->address, "127.0.0.1");
    CHECK (t->api_port == 9443);
    CHECK (t->ssh_port == 2201);
    CHECK (t->libvirt_timeout == 900);
    CHECK (t->tls_no_verify == false);
    CHECK_STREQ (t->tls_thumbprint,
                 "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01");
    CHECK_STREQ (t->tls_ca_file, "/etc/ssl/ca.pem");
    CHECK_STREQ (t->password, SECRET);
    CHECK_STREQ (t->username, "root");
    CHECK_STREQ (t->ssh_user, "oneadmin");
    CHECK (t->timeout == 30);
    CHECK_STREQ (t->cache_dir, "/tmp/cache");
  }
  /* A host's own URI is taken as written; its port is the API port. */
  ONE_AUTO (one_target) *t2 = one_conf_target (c, "esx2");
  CHECK (t2 != NULL);
  if (t2) {
    CHECK_STREQ (t2->libvirt_uri, "esx://other:8443/?no_verify=1");
    CHECK_STREQ (t2->address, "other");
    CHECK (t2->api_port == 8443);
    CHECK (t2->ssh_port == 2200);
    CHECK_STREQ (t2->tls_thumbprint,
                 "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33");
  }
  ONE_AUTO (one_target) *t3 = one_conf_target (c, "esx3");
  CHECK (t3 && one_streq (t3->libvirt_uri, "esx://[::1]/?no_verify=1&auto_answer=1"));
  CHECK (t3 && t3->api_port == 443);
  ONE_AUTO (one_target) *t4 = one_conf_target (c, "esx4");
  CHECK (t4 && one_streq (t4->libvirt_uri, "esx://esx4/?no_verify=1&auto_answer=1"));
  ONE_AUTO (one_target) *t5 = one_conf_target (c, "10.0.0.7");
  CHECK (t5 && one_streq (t5->address, "10.0.0.7") && t5->ssh_port == 22);
  unlink (pw);
}

static void
test_variants (void)
{
  /* Keys without the leading colon; an empty quoted password; plain
   * scalars. */
  {
    ONE_AUTO (one_conf) *c = load_text (
      "libvirt_uri: esx://@HOST@/?transport=http&no_verify=1\n"
      "username: admin\n"
      "password: \"\"\n"
      "datacenter: dc1\n"
      "ssh_port: \"2222\"\n"
      "reserve_memory_in_disk: no\n");
    CHECK (c != NULL);
    if (c) {
      CHECK_STREQ (c->username, "admin");
      CHECK_STREQ (c->password, "");
      CHECK_STREQ (c->datacenter, "dc1");
      CHECK (c->ssh_port == 2222);
      CHECK (c->reserve_memory_in_disk == false);
      ONE_AUTO (one_target) *t = one_conf_target (c, "h1");
      CHECK (t && t->tls_http && t->tls_no_verify && t->api_port == 80);
      CHECK (t && one_streq (t->libvirt_uri, "esx://h1/?transport=http&no_verify=1"));
    }
  }
  /* Booleans: Ruby's false and nil, plus no/off/N as documented. */
  const char *falses[] = { "false", "no", "off", "N", "n", "\"false\"", "", "False", NULL };
  for (int i = 0; falses[i]; i++) {
    ONE_AUTOFREE char *text = one_xasprintf (":reserve_memory_in_disk: %s\n",
                                             falses[i]);
    ONE_AUTO (one_conf) *c = load_text (text);
    CHECK (c && c->reserve_memory_in_disk == false);
  }
  const char *trues[] = { "true", "yes", "on", "Y", "TRUE", NULL };
  for (int i = 0; trues[i]; i++) {
    ONE_AUTOFREE char *text = one_xasprintf (":reserve_memory_in_disk: %s\n",
                                             trues[i]);
    ONE_AUTO (one_conf) *c = load_text (text);
    CHECK (c && c->reserve_memory_in_disk == true);
  }
  /* No :libvirt_uri: at all: esx:// with verification. */
  {
    ONE_AUTO (one_conf) *c = load_text (":username: u\n");
    ONE_AUTO (one_target) *t = c ? one_conf_target (c, "h") : NULL;
    CHECK (t && one_streq (t->libvirt_uri, "esx://h/?auto_answer=1")
           && !t->tls_no_verify);
  }
  /* No :username:: loading works, a target is refused. */
  {
    ONE_AUTO (one_conf) *c = load_text (":datacenter: dc\n");
    CHECK (c != NULL);
    one_error_reset ();
    CHECK (c && one_conf_target (c, "h") == NULL
           && strstr (one_errmsg (), "no :username:"));
  }
  /* A CA file alone also turns verification on. */
  {
    ONE_AUTO (one_conf) *c = load_text (":username: u\n:tls_ca_file: /x.pem\n"
      ":libvirt_uri: \"'esx://@HOST@/?no_verify=1'\"\n");
    ONE_AUTO (one_target) *t = c ? one_conf_target (c, "h") : NULL;
    CHECK (t && !t->tls_no_verify);
  }
  /* A host's :api_port: alone keeps the name and sets the port. */
  {
    ONE_AUTO (one_conf) *c = load_text (":username: u\n"
      ":libvirt_uri: esx://user@@HOST@/?no_verify=1\n"
      ":hosts:\n  h:\n    :api_port: 444\n");
    ONE_AUTO (one_target) *t = c ? one_conf_target (c, "h") : NULL;
    CHECK (t && one_streq (t->libvirt_uri, "esx://user@h:444/?no_verify=1"));
  }
  /* A bad URI is reported when a target is built. */
  {
    ONE_AUTO (one_conf) *c = load_text (":username: u\n:libvirt_uri: \"esx:@HOST@\"\n");
    one_error_reset ();
    CHECK (c && one_conf_target (c, "h") == NULL && one_errmsg ()
           && strstr (one_errmsg (), "libvirt uri"));
  }
}

static void
test_password_warnings (void)
{
  /* A password file others can read: warning, not an error. */
  ONE_AUTOFREE char *pw = write_tmp ("pw644", SECRET "\r\n", 0644);
  ONE_AUTOFREE char *text = one_xasprintf (":username: u\n:password_file: pw644\n");
  ONE_AUTOFREE char *cp = write_tmp ("vmwarerc", text, 0600);
  ONE_AUTOFREE char *err = NULL;
  {
    ONE_AUTO (one_conf) *c = load_capture (cp, &err);
    CHECK (c && one_streq (c->password, SECRET));
    CHECK (strstr (err, "readable by group or others") != NULL);
    CHECK (strstr (err, "pw644") != NULL);
    CHECK (strstr (err, SECRET) == NULL);
  }
  free (err);
  err = NULL;
  /* A password inside a world-readable vmwarerc: warning. */
  free (cp);
  cp = write_tmp ("vmwarerc", ":username: u\n:password: \"" SECRET "\"\n", 0644);
  {
    ONE_AUTO (one_conf) *c = load_capture (cp, &err);
    CHECK (c && one_streq (c->password, SECRET));
    CHECK (strstr (err, "holds a password") != NULL);
    CHECK (strstr (err, SECRET) == NULL);
  }
  free (err);
  err = NULL;
  /* The shipped file (empty password) warns about nothing. */
  free (cp);
  cp = write_tmp ("vmwarerc", ":username: u\n:password:\n", 0644);
  {
    ONE_AUTO (one_conf) *c = load_capture (cp, &err);
    CHECK (c && one_streq (err, ""));
  }
  unlink (pw);
}

static void
test_default_path (void)
{
  setenv ("VMWARERC", "/x/rc", 1);
  setenv ("ONE_LOCATION", "/opt/one", 1);
  ONE_AUTOFREE char *a = one_conf_default_path ();
  CHECK_STREQ (a, "/x/rc");
  unsetenv ("VMWARERC");
  ONE_AUTOFREE char *b = one_conf_default_path ();
  CHECK_STREQ (b, "/opt/one/etc/vmwarerc");
  unsetenv ("ONE_LOCATION");
  ONE_AUTOFREE char *c = one_conf_default_path ();
  CHECK_STREQ (c, "/etc/one/vmwarerc");
  /* A missing file names the file. */
  one_error_reset ();
  CHECK (one_conf_load ("/nonexistent/vmwarerc") == NULL);
  CHECK (one_errmsg () && strstr (one_errmsg (), "config '/nonexistent/vmwarerc'"));
}

static int
check_bad (const char *path)
{
  ONE_AUTOFREE char *data = NULL;
  size_t n;
  if (one_read_file (path, 1 << 20, &data, &n) < 0)
    return -1;
  const char *tag = "# error: ";
  CHECK (one_str_startswith (data, tag));
  if (!one_str_startswith (data, tag))
    return 0;
  ONE_AUTOFREE char *want = one_xstrndup (data + strlen (tag),
                                          strcspn (data + strlen (tag), "\n"));
  one_error_reset ();
  one_conf *c = one_conf_load (path);
  const char *msg = one_errmsg ();
  ONE_AUTOFREE char *prefix = one_xasprintf ("config '%s'", path);
  bool ok = c == NULL && msg && strstr (msg, want) && strstr (msg, prefix)
    && !strstr (msg, "S3cret");
  if (!ok)
    fprintf (stderr, "%s: expected error containing '%s', got '%s'\n",
             path, want, msg ? msg : c ? "(loaded)" : "(none)");
  else
    printf ("ok %s: %s\n", strrchr (path, '/') + 1, msg);
  CHECK (ok);
  one_conf_free (c);
  return 1;
}

static void
test_bad_files (void)
{
  DIR *d = opendir (datadir);
  CHECK (d != NULL);
  if (!d)
    return;
  int count = 0;
  struct dirent *e;
  while ((e = readdir (d))) {
    if (!one_str_startswith (e->d_name, "bad-")
        || !one_str_endswith (e->d_name, ".yaml"))
      continue;
    ONE_AUTOFREE char *p = one_xasprintf ("%s/%s", datadir, e->d_name);
    count += check_bad (p) > 0;
  }
  closedir (d);
  CHECK (count >= 20);
  printf ("%d bad vmwarerc files checked\n", count);

  /* A huge file. */
  one_buf b = { 0 };
  while (b.len < 2 * 1024 * 1024)
    one_buf_puts (&b, "# padding padding padding padding padding padding\n");
  ONE_AUTOFREE char *p = write_tmp ("huge", b.data, 0600);
  one_buf_free (&b);
  one_error_reset ();
  CHECK (one_conf_load (p) == NULL);
  CHECK (one_errmsg () && strstr (one_errmsg (), "larger than"));
  unlink (p);
}

int
main (void)
{
  const char *src = getenv ("ESXMAD_SRC");
  ONE_AUTOFREE char *dd = one_xasprintf ("%s/test/data/conf", src ? src : ".");
  datadir = dd;
  if (!mkdtemp (tmpdir))
    return 1;
  test_shipped ();
  test_sample ();
  test_full ();
  test_variants ();
  test_password_warnings ();
  test_default_path ();
  test_bad_files ();
  ONE_AUTOFREE char *rm = one_xasprintf ("rm -rf '%s'", tmpdir);
  if (system (rm) != 0)
    CHECK (0);
  return check_done ();
}
