/* oned harness: OpenNebula 4.4's Ruby driver layer.
 *  - one_vmm_exec.rb (via one_vmm_sh, `-t 15 -r 0 vmware -s sh`): the
 *    action steps, vnm pre/post/clean, TM commands, quoting;
 *  - one_tm.rb: transfer files, one line at a time;
 *  - one_datastore.rb: `<action> <b64> <id>`;
 *  - one_im_exec.rb -l + run_probes: every probe of im/vmware.d. */
#include "oned.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* one_vmm_sh's local list (spec §2.1); ONED_VMM_LOCAL overrides it. */
static const char *vmm_local_44 =
  "deploy,shutdown,reboot,cancel,save,restore,migrate,poll,pre,post,clean,"
  "snapshotcreate,snapshotrevert,snapshotdelete,attach_nic,detach_nic";

static bool
is_local (const char *action)
{
  const char *l = getenv ("ONED_VMM_LOCAL");
  if (!l || !*l) l = vmm_local_44;
  char *c = xstrdup (l), *save = NULL;
  bool found = false;
  for (char *t = strtok_r (c, ",", &save); t; t = strtok_r (NULL, ",", &save))
    if (strcmp (t, action) == 0) found = true;
  free (c);
  return found;
}

/* The ssh command that reaches 'host' (ONED_SSH_<HOST>, else
 * "ssh <host>"), for remote actions. */
static char *
ssh_for (const char *host)
{
  char name[300] = "ONED_SSH_";
  size_t k = strlen (name);
  for (const char *c = host; *c && k < sizeof name - 1; c++)
    name[k++] = (char) ((*c >= 'a' && *c <= 'z') ? *c - 32
                        : ((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')) ? *c : '_');
  name[k] = 0;
  const char *s = getenv (name);
  return s && *s ? xstrdup (s) : xasprintf ("ssh %s", host);
}

/* ---- VMM ---- */
typedef struct vmm_ctx {
  int vid;
  xnode *data;              /* <VMM_DRIVER_ACTION_DATA> */
  char *vm_b64;             /* @data[:vm] */
  const char *host, *dest_host, *net_drv, *dest_net_drv, *deploy_id;
  char *failed_info, *main_info;
  const char *main_action;
} vmm_ctx;

static const char *
d (vmm_ctx *c, const char *path)
{
  return xml_text (c->data, path);
}

static char *
script_name (const char *action)
{
  if (strcmp (action, "snapshotcreate") == 0) return xstrdup ("snapshot_create");
  if (strcmp (action, "snapshotrevert") == 0) return xstrdup ("snapshot_revert");
  if (strcmp (action, "snapshotdelete") == 0) return xstrdup ("snapshot_delete");
  return xstrdup (action);
}

/* OpenNebulaDriver#do_action: "<script> <params> <id> <host>". */
static void
vmm_do (vmm_ctx *c, const char *action, const char *params, const char *host,
        bool raw, result *r)
{
  char *sn = script_name (action);
  if (is_local (action)) {
    char *cmd = xasprintf ("%s/vmm/vmware/%s %s %d %s", remotes_dir (), sn, params, c->vid, host);
    run_action (cmd, c->vid, raw ? INFO_RAW : INFO_STRIP, false, r);
    free (cmd);
  } else {
    /* remote: `ssh host sh -s` running $SCRIPTS_REMOTE_DIR/vmm/vmware/... */
    const char *rdir = getenv ("ONED_SCRIPTS_REMOTE_DIR");
    if (!rdir || !*rdir) rdir = "/var/tmp/one";
    char *ssh = ssh_for (host);
    char *line = xasprintf ("%s/vmm/vmware/%s %s %d %s", rdir, sn, params, c->vid, host);
    /* the remote shell gets the line on stdin, as SshStream writes it */
    char *cmd = xasprintf ("printf '%%s\\n' \"$ONED_REMOTE_LINE\" | %s sh -s", ssh);
    setenv ("ONED_REMOTE_LINE", line, 1);
    tracef ("    (remote on %s) %s", host, line);
    run_action (cmd, c->vid, raw ? INFO_RAW : INFO_STRIP, true, r);
    unsetenv ("ONED_REMOTE_LINE");
    if (r->code == 127 || r->code == 126)
      fprintf (stderr, "oned: remote action %s: %s not found or not executable on %s "
               "(one_vmm_exec -r 0 would answer exit 42 and copy the remotes)\n",
               action, line, host);
    free (cmd);
    free (line);
    free (ssh);
  }
  free (sn);
}

/* get_parameters: each one in single quotes, no escaping. */
static char *
quoted (const char **params)
{
  buf b = { 0 };
  for (int i = 0; params[i]; i++) buf_printf (&b, "%s'%s'", i ? " " : "", params[i]);
  return buf_take (&b);
}

static void
log_step (vmm_ctx *c, const char *driver, const char *action, bool ok)
{
  if (ok) proto ("LOG I %d Successfully execute %s operation: %s.", c->vid, driver, action);
  else proto ("LOG I %d Failed to execute %s operation: %s.", c->vid, driver, action);
}

static void
set_info (vmm_ctx *c, const char *action, result *r)
{
  if (strcmp (action, c->main_action) == 0) {
    free (c->main_info);
    c->main_info = strip (r->info);
  }
  if (!r->success) {
    free (c->failed_info);
    c->failed_info = xstrdup (r->info);
  }
}

static bool
step_vmm (vmm_ctx *c, const char *action, const char **params, bool dest)
{
  result r;
  char *p = quoted (params);
  vmm_do (c, action, p, dest ? c->dest_host : c->host, false, &r);
  free (p);
  set_info (c, action, &r);
  log_step (c, "virtualization driver", action, r.success);
  bool ok = r.success;
  result_free (&r);
  return ok;
}

/* VirtualNetworkDriver#do_action: remotes/vnm/<net_drv>/<action> <vm_b64> [params] */
static bool
step_vnm (vmm_ctx *c, const char *action, const char **params, bool dest)
{
  const char *drv = dest ? c->dest_net_drv : c->net_drv;
  result r;
  char *p = params ? quoted (params) : xstrdup ("");
  char *path = xasprintf ("%s/vnm/%s/%s", remotes_dir (), drv, action);
  struct stat st;
  if (strcmp (drv, "vmware") != 0 && stat (path, &st) < 0) {
    /* OpenNebula's own drivers (dummy, ...) just succeed */
    tracef ("    (vnm/%s/%s: OpenNebula's own driver, exit 0)", drv, action);
    memset (&r, 0, sizeof r);
    r.success = true;
    r.info = xstrdup ("-");
  } else {
    char *cmd = xasprintf ("%s %s %s", path, c->vm_b64, p);
    run_action (cmd, c->vid, INFO_STRIP, false, &r);
    free (cmd);
  }
  free (path);
  free (p);
  set_info (c, action, &r);
  log_step (c, "network driver", action, r.success);
  bool ok = r.success;
  result_free (&r);
  return ok;
}

static bool
step_tm (vmm_ctx *c, const char *action, const char *line)
{
  result r;
  tm_do (c->vid, line, &r);
  set_info (c, action, &r);
  log_step (c, "transfer manager driver", action, r.success);
  bool ok = r.success;
  result_free (&r);
  return ok;
}

static void
reply (vmm_ctx *c, const char *name, bool ok, bool raw_info)
{
  const char *info = ok ? c->main_info : c->failed_info;
  if (!info || !*info) info = ok ? "" : "-";
  (void) raw_info;
  if (*info) proto ("%s %s %d %s", name, ok ? "SUCCESS" : "FAILURE", c->vid, info);
  else proto ("%s %s %d", name, ok ? "SUCCESS" : "FAILURE", c->vid);
}

static const char *
attach_target (vmm_ctx *c, const char *what, char *idx, size_t n)
{
  char path[64];
  snprintf (path, sizeof path, "VM/TEMPLATE/%s", what);
  xnode *t = xml_path (c->data, "VM/TEMPLATE");
  xnode *dk = xml_child_where (t, what, "ATTACH", "YES");
  if (!dk) die ("no %s with ATTACH=YES in the VM", what);
  const char *target = xml_text (dk, "TARGET");
  if (idx && *target) snprintf (idx, n, "%d", target[strlen (target) - 1] - 'a');
  return target;
}

int
vmm_action (const char *action, const char *b64data, int vid)
{
  size_t len;
  char *xml = b64_decode (b64data, &len);
  if (!xml) die ("VMM_DRIVER_ACTION_DATA is not base64");
  vmm_ctx c = { .vid = vid };
  c.data = xml_parse (xml, len, "VMM_DRIVER_ACTION_DATA");
  if (!c.data) die ("VMM_DRIVER_ACTION_DATA is not XML");
  /* @data[:vm] = Base64(VM element) */
  const char *vs = strstr (xml, "<VM>"), *ve = strstr (xml, "</VM>");
  if (!vs || !ve) die ("no <VM> in the action data");
  c.vm_b64 = b64_encode (vs, (size_t) (ve + 5 - vs));
  c.host = d (&c, "HOST");
  c.dest_host = d (&c, "MIGR_HOST");
  c.net_drv = d (&c, "NET_DRV");
  c.dest_net_drv = d (&c, "MIGR_NET_DRV");
  c.deploy_id = d (&c, "DEPLOY_ID");
  char *host = xstrdup (c.host), *dest = xstrdup (c.dest_host), *did = xstrdup (c.deploy_id);
  char *ckpt = xstrdup (d (&c, "CHECKPOINT_FILE")), *dtp = xstrdup (d (&c, "DISK_TARGET_PATH"));
  char *ldf = xstrdup (d (&c, "LOCAL_DEPLOYMENT_FILE"));
  char *tmc = xstrdup (d (&c, "TM_COMMAND")), *tmr = xstrdup (d (&c, "TM_COMMAND_ROLLBACK"));
  char *nd = xstrdup (c.net_drv), *dnd = xstrdup (c.dest_net_drv);
  c.host = host; c.dest_host = dest; c.deploy_id = did; c.net_drv = nd; c.dest_net_drv = dnd;
  bool ok = true;
  const char *A = action;
  c.main_action = "";

  if (strcmp (A, "DEPLOY") == 0) {
    c.main_action = "deploy";
    const char *p[] = { ldf, host, NULL };
    ok = step_vnm (&c, "pre", NULL, false) && step_vmm (&c, "deploy", p, false);
    if (ok) {
      char *dinfo = xstrdup (c.main_info);
      const char *pp[] = { dinfo, NULL };
      if (!step_vnm (&c, "post", pp, false)) {
        ok = false;
        const char *cp[] = { dinfo, host, NULL };
        step_vmm (&c, "cancel", cp, false);
      }
      free (dinfo);
    }
    if (ok && (!c.main_info || !*c.main_info || strpbrk (c.main_info, " \t")))
      violation ("DEPLOY SUCCESS needs the deploy id (one token) on stdout, got '%s'",
                 c.main_info ? c.main_info : "");
    reply (&c, "DEPLOY", ok, false);
  } else if (strcmp (A, "SHUTDOWN") == 0 || strcmp (A, "CANCEL") == 0) {
    char *a = strdup (A);
    for (char *q = a; *q; q++) *q = (char) (*q + 32);
    c.main_action = a;
    const char *p[] = { did, host, NULL };
    ok = step_vmm (&c, a, p, false);
    if (ok) step_vnm (&c, "clean", NULL, false);
    reply (&c, A, ok, false);
    free (a);
  } else if (strcmp (A, "SAVE") == 0) {
    c.main_action = "save";
    const char *p[] = { did, ckpt, host, NULL };
    ok = step_vmm (&c, "save", p, false) && step_vnm (&c, "clean", NULL, false);
    reply (&c, A, ok, false);
  } else if (strcmp (A, "RESTORE") == 0) {
    c.main_action = "restore";
    const char *p[] = { ckpt, host, did, NULL };
    ok = step_vnm (&c, "pre", NULL, false) && step_vmm (&c, "restore", p, false);
    if (ok) {
      const char *pp[] = { did, NULL };
      if (!step_vnm (&c, "post", pp, false)) {
        ok = false;
        const char *cp[] = { did, host, NULL };
        step_vmm (&c, "cancel", cp, false);
      }
    }
    reply (&c, A, ok, false);
  } else if (strcmp (A, "MIGRATE") == 0) {
    c.main_action = "migrate";
    char *pre = xasprintf ("PRE%s %s", tmc, c.vm_b64), *post = xasprintf ("POST%s %s", tmc, c.vm_b64);
    const char *p[] = { did, dest, host, NULL };
    ok = step_tm (&c, "tm_premigrate", pre) && step_vnm (&c, "pre", NULL, true)
      && step_vmm (&c, "migrate", p, false);
    if (ok) {
      const char *pp[] = { did, NULL };
      step_vnm (&c, "clean", NULL, false);
      step_vnm (&c, "post", pp, true);
      step_tm (&c, "tm_postmigrate", post);
    }
    free (pre);
    free (post);
    reply (&c, A, ok, false);
  } else if (strcmp (A, "POLL") == 0 || strncmp (A, "SNAPSHOT", 8) == 0
             || strcmp (A, "REBOOT") == 0 || strcmp (A, "RESET") == 0) {
    /* do_action, not steps: parameters unquoted, stdout raw */
    char *params;
    const char *a;
    xnode *t = xml_path (c.data, "VM/TEMPLATE");
    if (strcmp (A, "POLL") == 0) { a = "poll"; params = xasprintf ("%s %s", did, host); }
    else if (strcmp (A, "REBOOT") == 0) { a = "reboot"; params = xasprintf ("%s %s", did, host); }
    else if (strcmp (A, "RESET") == 0) { a = "reset"; params = xasprintf ("%s %s", did, host); }
    else {
      xnode *s = xml_child_where (t, "SNAPSHOT", "ACTIVE", "YES");
      if (!s) die ("no SNAPSHOT with ACTIVE=YES in the VM");
      if (strcmp (A, "SNAPSHOTCREATE") == 0) {
        a = "snapshotcreate";
        params = xasprintf ("%s %d", did, atoi (xml_text (s, "SNAPSHOT_ID")));
      } else {
        a = strcmp (A, "SNAPSHOTREVERT") == 0 ? "snapshotrevert" : "snapshotdelete";
        params = xasprintf ("%s %s", did, xml_text (s, "HYPERVISOR_ID"));
      }
    }
    result r;
    vmm_do (&c, a, params, host, true, &r);
    free (params);
    ok = r.success;
    if (ok && strcmp (A, "POLL") == 0) check_monitor ("POLL", r.info);
    if (ok && strcmp (A, "SNAPSHOTCREATE") == 0 && (strpbrk (r.info, " \t") || strcmp (r.info, "-") == 0))
      violation ("SNAPSHOTCREATE SUCCESS info must be the hypervisor snapshot id (one token), got '%s'", r.info);
    proto ("%s %s %d %s", A, ok ? "SUCCESS" : "FAILURE", vid, r.info);
    result_free (&r);
  } else if (strcmp (A, "ATTACHDISK") == 0) {
    c.main_action = "attach_disk";
    char idx[16] = "";
    const char *target = attach_target (&c, "DISK", idx, sizeof idx);
    /* bug #1355: vmware gets the literal word drv_message */
    const char *p[] = { did, dtp, target, idx, "drv_message", NULL };
    ok = step_tm (&c, "tm_attach", tmc);
    if (ok && !step_vmm (&c, "attach_disk", p, false)) {
      ok = false;
      step_tm (&c, "tm_detach", tmr);
    }
    reply (&c, A, ok, false);
  } else if (strcmp (A, "DETACHDISK") == 0) {
    c.main_action = "detach_disk";
    char idx[16] = "";
    const char *target = attach_target (&c, "DISK", idx, sizeof idx);
    const char *p[] = { did, dtp, target, idx, NULL };
    ok = step_vmm (&c, "detach_disk", p, false) && step_tm (&c, "tm_detach", tmc);
    reply (&c, A, ok, false);
  } else if (strcmp (A, "ATTACHNIC") == 0) {
    c.main_action = "attach_nic";
    xnode *t = xml_path (c.data, "VM/TEMPLATE");
    xnode *n = xml_child_where (t, "NIC", "ATTACH", "YES");
    if (!n) die ("no NIC with ATTACH=YES in the VM");
    char *mac = xstrdup (xml_text (n, "MAC")), *br = xstrdup (xml_text (n, "BRIDGE")),
      *model = xstrdup (xml_text (n, "MODEL"));
    const char *p[] = { did, mac, br, *model ? model : "-", *nd ? nd : "-", NULL };
    ok = step_vnm (&c, "pre", NULL, false) && step_vmm (&c, "attach_nic", p, false);
    if (ok) {
      const char *pp[] = { did, NULL };
      if (!step_vnm (&c, "post", pp, false)) {
        ok = false;
        const char *dp[] = { did, mac, NULL };
        step_vmm (&c, "detach_nic", dp, false);
      }
    }
    reply (&c, A, ok, false);
    free (mac); free (br); free (model);
  } else if (strcmp (A, "DETACHNIC") == 0) {
    c.main_action = "detach_nic";
    xnode *t = xml_path (c.data, "VM/TEMPLATE");
    xnode *n = xml_child_where (t, "NIC", "ATTACH", "YES");
    if (!n) die ("no NIC with ATTACH=YES in the VM");
    char *mac = xstrdup (xml_text (n, "MAC"));
    const char *p[] = { did, mac, NULL };
    ok = step_vmm (&c, "detach_nic", p, false) && step_vnm (&c, "clean", NULL, false);
    reply (&c, A, ok, false);
    free (mac);
  } else if (strcmp (A, "CLEANUP") == 0) {
    c.main_action = "cleanup";
    /* every step no_fail */
    if (*did) {
      const char *p[] = { did, host, NULL };
      step_vmm (&c, "cancel", p, false);
      step_vnm (&c, "clean", NULL, false);
    }
    if (*dest) {
      const char *p[] = { did, dest, NULL };
      step_vmm (&c, "cancel", p, true);
      step_vnm (&c, "clean", NULL, true);
    }
    char *save = NULL;
    for (char *l = strtok_r (tmc, "\n", &save); l; l = strtok_r (NULL, "\n", &save)) {
      char *s = strip (l);
      if (*s) step_tm (&c, "tm_delete", s);
      free (s);
    }
    ok = true;
    proto ("CLEANUP SUCCESS %d", vid);
  } else {
    die ("unknown VMM action '%s'", A);
  }
  free (host); free (dest); free (did); free (ckpt); free (dtp); free (ldf);
  free (tmc); free (tmr); free (nd); free (dnd);
  free (c.failed_info); free (c.main_info); free (c.vm_b64);
  xml_free (c.data);
  free (xml);
  return ok ? 0 : 1;
}

/* ---- TM ---- */
/* TransferManagerDriver#do_transfer_action: "OP tm args..." →
 * remotes/tm/<tm>/<op lower case> args (joined with spaces, via sh). */
int
tm_do (int vid, const char *line, result *r)
{
  char *l = xstrdup (line), *save = NULL;
  char *op = strtok_r (l, " \t", &save), *tm = strtok_r (NULL, " \t", &save);
  if (!op || !tm) die ("bad TM line '%s'", line);
  buf cmd = { 0 };
  buf_printf (&cmd, "%s/tm/%s/", remotes_dir (), tm);
  for (char *c = op; *c; c++) buf_printf (&cmd, "%c", (*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
  for (char *a = strtok_r (NULL, " \t\n", &save); a; a = strtok_r (NULL, " \t\n", &save))
    buf_printf (&cmd, " %s", a);
  run_action (cmd.d, vid, INFO_STRIP, false, r);
  free (buf_take (&cmd));
  free (l);
  return r->success ? 0 : 1;
}

int
tm_transfer (int vid, const char *file)
{
  char *data = read_file (file, NULL);
  if (!data) die ("cannot read transfer file '%s'", file);
  char *save = NULL;
  int rc = 0;
  for (char *l = strtok_r (data, "\n", &save); l; l = strtok_r (NULL, "\n", &save)) {
    char *s = strip (l);
    if (!*s || *s == '#') { free (s); continue; }
    result r;
    tracef ("  %s", s);
    tm_do (vid, s, &r);
    free (s);
    if (!r.success) {
      proto ("TRANSFER FAILURE %d %s", vid, r.info);
      result_free (&r);
      rc = 1;
      break;
    }
    result_free (&r);
  }
  if (rc == 0) proto ("TRANSFER SUCCESS %d -", vid);
  free (data);
  return rc;
}

/* ---- datastore ---- */
int
ds_action (const char *action, int id, const char *b64data)
{
  char lower[32];
  snprintf (lower, sizeof lower, "%s", action);
  for (char *c = lower; *c; c++) if (*c >= 'A' && *c <= 'Z') *c = (char) (*c + 32);
  char upperA[32];
  snprintf (upperA, sizeof upperA, "%s", action);
  for (char *c = upperA; *c; c++) if (*c >= 'a' && *c <= 'z') *c = (char) (*c - 32);
  /* the DS_MAD of the datastore: DATASTORE/DS_MAD */
  size_t len;
  char *xml = b64_decode (b64data, &len);
  xnode *x = xml ? xml_parse (xml, len, "DS_DRIVER_ACTION_DATA") : NULL;
  if (!x) die ("bad DS_DRIVER_ACTION_DATA");
  char *dsmad = xstrdup (xml_text (x, "DATASTORE/DS_MAD"));
  if (!*dsmad) { free (dsmad); dsmad = xstrdup ("vmfs"); }
  xml_free (x);
  free (xml);
  char *cmd = xasprintf ("%s/datastore/%s/%s %s %d", remotes_dir (), dsmad, lower, b64data, id);
  free (dsmad);
  result r;
  run_action (cmd, id, strcmp (upperA, "MONITOR") == 0 ? INFO_RAW | INFO_MULTILINE : INFO_RAW,
              false, &r);
  free (cmd);
  if (r.success && strcmp (upperA, "MONITOR") == 0) {
    /* one_datastore base64-encodes the monitor output */
    char *e = b64_encode (r.out, strlen (r.out));
    proto ("MONITOR SUCCESS %d %s", id, e);
    free (e);
    char *save = NULL;
    int seen = 0;
    for (char *l = strtok_r (r.out, "\n", &save); l; l = strtok_r (NULL, "\n", &save)) {
      printf ("# %s\n", l);
      if (strncmp (l, "USED_MB=", 8) == 0 || strncmp (l, "TOTAL_MB=", 9) == 0
          || strncmp (l, "FREE_MB=", 8) == 0) seen++;
    }
    if (seen != 3) violation ("datastore monitor must print USED_MB=, TOTAL_MB= and FREE_MB=");
  } else {
    if (r.success && (strcmp (upperA, "CP") == 0 || strcmp (upperA, "MKFS") == 0
                      || strcmp (upperA, "CLONE") == 0)
        && (strcmp (r.info, "-") == 0 || strpbrk (r.info, " \t")))
      violation ("%s SUCCESS info must be the image SOURCE (one token), got '%s'", upperA, r.info);
    if (r.success && strcmp (upperA, "STAT") == 0) {
      char *end;
      long mb = strtol (r.info, &end, 10);
      if (*end || mb <= 0) violation ("STAT SUCCESS info must be a size in MB > 0, got '%s'", r.info);
    }
    proto ("%s %s %d %s", upperA, r.success ? "SUCCESS" : "FAILURE", id, r.info);
  }
  int rc = r.success ? 0 : 1;
  result_free (&r);
  return rc;
}

/* ---- IM ---- */
static int
cmpstr (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
im_monitor (int host_id, const char *hostname, const char *ds_location)
{
  char *dir = xasprintf ("%s/im/vmware.d", remotes_dir ());
  DIR *dh = opendir (dir);
  if (!dh) die ("no probe folder '%s'", dir);
  char *names[256];
  int n = 0;
  struct dirent *e;
  while ((e = readdir (dh)) && n < 256) {
    if (e->d_name[0] == '.') continue;
    char *p = xasprintf ("%s/%s", dir, e->d_name);
    struct stat st;
    if (stat (p, &st) == 0 && S_ISREG (st.st_mode) && access (p, X_OK) == 0)
      names[n++] = xstrdup (e->d_name);
    free (p);
  }
  closedir (dh);
  qsort (names, (size_t) n, sizeof *names, cmpstr);
  if (n == 0) die ("no executable probe in '%s'", dir);
  buf all = { 0 };
  bool ok = true;
  char *info = NULL;
  for (int i = 0; i < n && ok; i++) {
    char *cmd = xasprintf ("cd %s && ./%s vmware %s 4124 20 %d %s", dir, names[i], ds_location,
                           host_id, hostname);
    result r;
    run_action (cmd, host_id, INFO_STRIP | INFO_MULTILINE | INFO_NO_BLOCK, false, &r);
    free (cmd);
    if (!r.success) {
      ok = false;
      info = xasprintf ("Error executing %s", names[i]);
    } else {
      buf_puts (&all, r.out);
      buf_puts (&all, "\n");
    }
    result_free (&r);
  }
  for (int i = 0; i < n; i++) free (names[i]);
  free (dir);
  if (!ok) {
    char *b = b64_encode (info, strlen (info));
    proto ("MONITOR FAILURE %d %s", host_id, b);
    free (b);
    free (info);
    free (buf_take (&all));
    return 1;
  }
  /* run_probes: echo $data — words joined by single spaces */
  buf line = { 0 };
  char *save = NULL;
  for (char *w = strtok_r (all.d, " \t\n", &save); w; w = strtok_r (NULL, " \t\n", &save)) {
    if (strpbrk (w, "*?"))
      tracef ("    note: word '%s' is a shell pattern in run_probes' `echo $data`", w);
    buf_printf (&line, "%s%s", line.len ? " " : "", w);
  }
  free (buf_take (&all));
  char *text = buf_take (&line);
  char *b = b64_encode (text, strlen (text));
  proto ("MONITOR SUCCESS %d %s", host_id, b);
  free (b);
  int nv, nds;
  int bad = check_im (text, &nv, &nds);
  printf ("# %d VMs, %d datastores\n", nv, nds);
  free (text);
  return bad ? 1 : 0;
}
