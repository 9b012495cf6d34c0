/* esxmad-check HOST: is this ESX host ready for OpenNebula?
 *
 * Reads vmwarerc, reaches the host over the vSphere API, through libvirt
 * and over SSH, and prints each check with its result and, where one
 * fails, what to do about it.  Exit 0 when nothing failed (warnings
 * allowed), 1 when a check failed, 2 on usage or configuration errors. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esxmad.h"

static const struct one_prog prog = {
  .name = "esxmad-check",
  .args = "<host>",
  .summary = "Check that an ESX host is ready for OpenNebula: vmwarerc, TLS "
    "identity, API login, libvirt, datastores named by OpenNebula ids, SSH "
    "login with a known host key, and the ESX commands the drivers run.",
  .min_args = 1,
  .max_args = 1,
};

static int n_ok, n_fail, n_warn;

static void
report (const char *status, const char *what, const char *detail,
        const char *fix)
{
  printf ("[%-4s] %-14s %s\n", status, what, detail ? detail : "");
  if (fix)
    printf ("       %-14s fix: %s\n", "", fix);
  fflush (stdout);
}

static void
ok (const char *what, const char *detail)
{
  n_ok++;
  report ("OK", what, detail, NULL);
}

static void
warn (const char *what, const char *detail, const char *fix)
{
  n_warn++;
  report ("WARN", what, detail, fix);
}

static void
fail (const char *what, const char *fix)
{
  n_fail++;
  report ("FAIL", what, one_errmsg () ? one_errmsg () : "failed", fix);
  one_error_reset ();
}

static void
check_tls (const one_target *t)
{
  if (t->tls_http) {
    warn ("tls", "plain http (transport=http in :libvirt_uri:)",
          "use https: remove transport=http");
    return;
  }
  int r = one_tls_check_target (t);
  if (r < 0) {
    ONE_AUTOFREE char *seen = one_tls_peer_sha1 (t->address, t->api_port, t->timeout);
    ONE_AUTOFREE char *fix = seen
      ? one_xasprintf ("if the host's certificate really changed, set :tls_thumbprint: \"%s\" "
                       "(compare with the DCUI or 'openssl x509 -fingerprint -sha1' on the host)", seen)
      : one_xasprintf ("check that the API listens on %s:%d", t->address, t->api_port);
    fail ("tls", fix);
    return;
  }
  if (r == 1) {
    ok ("tls", t->tls_thumbprint ? "certificate matches :tls_thumbprint:"
                                 : "certificate verified by :tls_ca_file:");
    return;
  }
  ONE_AUTOFREE char *seen = one_tls_peer_sha1 (t->address, t->api_port, t->timeout);
  one_error_reset ();
  if (t->tls_no_verify) {
    ONE_AUTOFREE char *fix = one_xasprintf ("pin the certificate: :tls_thumbprint: \"%s\"",
                                            seen ? seen : "<sha1 of the host certificate>");
    warn ("tls", "not verified (no_verify=1 in :libvirt_uri:)", fix);
  }
  else
    ok ("tls", "verified against the system CA store");
}

/* The datastores the host sees, through the API; warns when none is
 * named by an OpenNebula datastore id.  Returns a list of the numeric
 * names (space separated) for the SSH checks. */
static char *
check_api (const one_target *t)
{
  ONE_AUTO (one_vi) *vi = one_vi_connect (t);
  if (!vi) {
    fail ("api login", "check :username:, :password:/:password_file: and the host's address and :api_port:");
    return NULL;
  }
  ONE_AUTOFREE char *d = one_xasprintf ("logged in to %s:%d as '%s' (API %s, %s)",
                                        t->address, t->api_port, t->username,
                                        one_vi_api_version (vi),
                                        one_vi_is_vcenter (vi) ? "vCenter" : "ESX");
  ok ("api login", d);

  one_buf s = { 0 };
  one_buf_puts (&s, "<specSet><propSet><type>Datastore</type>"
                "<pathSet>summary.name</pathSet><pathSet>summary.capacity</pathSet>"
                "<pathSet>summary.freeSpace</pathSet><pathSet>summary.type</pathSet>"
                "</propSet><objectSet>");
  one_vi_moref (&s, "obj", "Folder", one_vi_root_folder (vi));
  one_buf_puts (&s, "<skip>false</skip>");
  one_vi_traversal (&s, false, true, true);
  one_buf_puts (&s, "</objectSet></specSet>");
  ONE_AUTO (one_vi_node) *all = one_vi_retrieve (vi, s.data);
  one_buf_free (&s);
  if (!all) {
    fail ("datastores", "the API user needs read access to the host's datastores");
    return NULL;
  }
  one_buf names = { 0 }, ids = { 0 };
  int n = 0;
  for (one_vi_node *o = one_vi_child (all, "objects"); o; o = one_vi_next (o)) {
    if (!one_streq (one_vi_obj_type (o), "Datastore"))
      continue;
    const char *name = one_vi_text (one_vi_prop (o, "summary.name"), NULL);
    const char *cap = one_vi_text (one_vi_prop (o, "summary.capacity"), NULL);
    const char *free_ = one_vi_text (one_vi_prop (o, "summary.freeSpace"), NULL);
    if (!name)
      continue;
    n++;
    one_buf_printf (&names, "%s%s (%lld/%lld MB free)", names.len ? ", " : "", name,
                    free_ ? atoll (free_) >> 20 : 0, cap ? atoll (cap) >> 20 : 0);
    int64_t id;
    if (one_parse_int64 (name, 0, INT32_MAX, &id) == 0)
      one_buf_printf (&ids, "%s%s", ids.len ? " " : "", name);
  }
  if (n == 0)
    warn ("datastores", "the host has no datastore", "add one, named by its OpenNebula datastore id");
  else if (ids.len == 0) {
    ONE_AUTOFREE char *dd = one_xasprintf ("%s: none named by an OpenNebula datastore id", names.data);
    warn ("datastores", dd, "rename each datastore to its OpenNebula id (0 for the system datastore, ...)");
  }
  else
    ok ("datastores", names.data);
  one_buf_free (&names);
  if (one_vi_logout (vi) < 0)
    one_error_reset ();
  return one_buf_steal (&ids);
}

static void
check_libvirt (const one_target *t)
{
  virConnectPtr c = one_virt_open (t);
  if (!c) {
    fail ("libvirt", "check :libvirt_uri: (esx://@HOST@/...) and the credentials");
    return;
  }
  unsigned long ver = 0;
  char *hn = ONE_VIRT_GUARD ("virConnectGetHostname", virConnectGetHostname (c));
  (void) ONE_VIRT_GUARD ("virConnectGetVersion", virConnectGetVersion (c, &ver));
  int n = ONE_VIRT_GUARD ("virConnectNumOfDomains", virConnectNumOfDomains (c));
  ONE_AUTOFREE char *d = one_xasprintf ("%s: host '%s', ESX %lu.%lu.%lu, %d running VMs",
                                        t->libvirt_uri, hn ? hn : "?", ver / 1000000,
                                        ver / 1000 % 1000, ver % 1000, n);
  free (hn);
  one_virt_close (c);
  ok ("libvirt", d);
}

static void
check_ssh (const one_target *t, const char *ds_ids)
{
  ONE_AUTO (one_ssh) *s = one_ssh_connect (t);
  if (!s) {
    fail ("ssh login", "see the message: add the host key to :ssh_known_hosts:, or the key of "
          ":ssh_identity: to /etc/ssh/keys-<user>/authorized_keys on the host");
    return;
  }
  ONE_AUTOFREE char *d = one_xasprintf ("%s@%s:%d, host key known", t->ssh_user, t->address,
                                        t->ssh_port);
  ok ("ssh login", d);

  const char *tools[] = { "vmkfstools", "vim-cmd", "esxcfg-vswitch", NULL };
  for (int i = 0; tools[i]; i++) {
    ONE_AUTOFREE char *cmd = one_shcmd ("PATH=/bin:/sbin:/usr/bin:/usr/sbin:$PATH; command -v %s", tools[i]);
    one_buf out = { 0 }, err = { 0 };
    int st = -1;
    if (one_ssh_run (s, cmd, NULL, 0, &out, &err, &st) < 0) {
      fail (tools[i], NULL);
    }
    else if (st != 0) {
      one_error ("'%s' not found on the host", tools[i]);
      fail (tools[i], "the drivers need it: run them as a user allowed to use it (chmod +s, as "
            "OpenNebula's VMware guide says, or root)");
    }
    else {
      one_buf_rstrip (&out);
      ok (tools[i], out.data);
    }
    one_buf_free (&out);
    one_buf_free (&err);
  }

  /* Each OpenNebula datastore: present under /vmfs/volumes and writable. */
  char *save = NULL;
  ONE_AUTOFREE char *copy = one_xstrdup (ds_ids ? ds_ids : "");
  for (char *id = strtok_r (copy, " ", &save); id; id = strtok_r (NULL, " ", &save)) {
    ONE_AUTOFREE char *dir = one_xasprintf ("/vmfs/volumes/%s", id);
    ONE_AUTOFREE char *probe = one_xasprintf ("%s/.esxmad-check.%ld", dir, (long) getpid ());
    ONE_AUTOFREE char *cmd = one_shcmd ("cd %s && : > %s && rm -f %s", dir, probe, probe);
    one_buf out = { 0 }, err = { 0 };
    int st = -1;
    ONE_AUTOFREE char *what = one_xasprintf ("datastore %s", id);
    if (one_ssh_run (s, cmd, NULL, 0, &out, &err, &st) < 0)
      fail (what, NULL);
    else if (st != 0) {
      one_buf_rstrip (&err);
      one_error ("'%s' is not writable over ssh: %s", dir, err.data ? err.data : "");
      fail (what, "give the SSH user write permission on the datastore");
    }
    else {
      ONE_AUTOFREE char *dd = one_xasprintf ("%s is writable", dir);
      ok (what, dd);
    }
    one_buf_free (&out);
    one_buf_free (&err);
  }
}

int
main (int argc, char **argv)
{
  int i = one_prog_init (&prog, argc, argv);
  const char *host = argv[i];

  ONE_AUTOFREE char *path = one_conf_default_path ();
  ONE_AUTO (one_conf) *conf = one_conf_load (path);
  if (!conf) {
    fail ("config", "fix the file as the message says (see esxmad-vmwarerc(5))");
    return ONE_EXIT_USAGE;
  }
  one_secret_register (conf->password);
  ok ("config", conf->path);

  ONE_AUTO (one_target) *t = one_conf_target (conf, host);
  if (!t) {
    fail ("host", "check the :hosts: entry for this host");
    return ONE_EXIT_USAGE;
  }
  ONE_AUTOFREE char *where = one_xasprintf ("'%s': API %s:%d, SSH %s:%d", host, t->address,
                                            t->api_port, t->address, t->ssh_port);
  ok ("host", where);

  check_tls (t);
  ONE_AUTOFREE char *ds_ids = NULL;
  if (n_fail == 0) {
    ds_ids = check_api (t);
    check_libvirt (t);
  }
  check_ssh (t, ds_ids);

  printf ("%d checks passed, %d failed, %d warnings\n", n_ok, n_fail, n_warn);
  return n_fail ? ONE_EXIT_FAIL : ONE_EXIT_OK;
}
