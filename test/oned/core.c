/* oned harness: the files and messages oned 4.4 itself writes, built from
 * the <VM> XML (VirtualMachine::to_xml):
 *  - the deployment file (src/vmm/LibVirtDriverVMware.cc @4.4, defaults of
 *    vmm_exec_vmware.conf @4.4: OS = [ ARCH = i686 ]), spec §6;
 *  - context.sh (VirtualMachine::generate_context);
 *  - transfer files (src/tm/TransferManager.cc: prolog, epilog, delete),
 *    spec §7;
 *  - VMM_DRIVER_ACTION_DATA (VirtualMachineManager::format_message). */
#include "oned.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *
one_location (void)
{
  const char *l = getenv ("ONE_LOCATION");
  if (!l || !*l) die ("ONE_LOCATION is not set (the harness plays a self-contained oned)");
  return l;
}

const char *
remotes_dir (void)
{
  static char *d;
  if (!d) d = xasprintf ("%s/var/remotes", one_location ());
  return d;
}

const char *
vms_dir (void)
{
  static char *d;
  if (!d) d = xasprintf ("%s/var/vms", one_location ());
  return d;
}

xnode *
load_vm (const char *path, char **raw)
{
  size_t len;
  char *d = read_file (path, &len);
  if (!d) die ("cannot read '%s'", path);
  xnode *vm = xml_parse (d, len, path);
  if (!vm || strcmp (vm->name, "VM") != 0) die ("'%s' is not a <VM> document", path);
  if (raw) {
    char *s = d;
    if (strncmp (s, "<?xml", 5) == 0) {
      char *e = strstr (s, "?>");
      if (e) s = e + 2;
    }
    *raw = strip (s);
  }
  free (d);
  return vm;
}

int
vm_id (const xnode *vm)
{
  return atoi (xml_text (vm, "ID"));
}

xnode *
vm_history (const xnode *vm)
{
  xnode *h = xml_last_child (xml_child (vm, "HISTORY_RECORDS"), "HISTORY");
  if (!h) die ("VM %d has no history", vm_id (vm));
  return h;
}

xnode *
vm_prev_history (const xnode *vm)
{
  xnode *prev = NULL, *recs = xml_child (vm, "HISTORY_RECORDS");
  for (xnode *h = xml_child (recs, "HISTORY"); h; h = xml_next_same (h)) {
    if (!xml_next_same (h)) return prev;
    prev = h;
  }
  return NULL;
}

/* <DS_LOCATION>/<DS_ID>/<vid> of the current history record */
static char *
remote_system_dir (const xnode *vm)
{
  xnode *h = vm_history (vm);
  return xasprintf ("%s/%s/%d", xml_text (h, "DS_LOCATION"), xml_text (h, "DS_ID"),
                    vm_id (vm));
}

static const char *
upper (const char *s)
{
  static char b[256];
  snprintf (b, sizeof b, "%s", s);
  for (char *c = b; *c; c++) *c = (char) toupper ((unsigned char) *c);
  return b;
}

int
write_deployment (const xnode *vm, const char *path)
{
  const xnode *t = xml_child (vm, "TEMPLATE");
  xnode *h = vm_history (vm);
  int vid = vm_id (vm);
  const char *ds = xml_text (h, "DS_ID");
  buf f = { 0 }, meta = { 0 };

  buf_puts (&f, "<domain type='vmware'>\n");
  buf_printf (&f, "\t<name>one-%d</name>\n", vid);
  const char *vcpu = xml_text (t, "VCPU");
  if (*vcpu) buf_printf (&f, "\t<vcpu>%s</vcpu>\n", vcpu);
  const char *mem = xml_text (t, "MEMORY");
  if (!*mem) { fprintf (stderr, "oned: No MEMORY defined and no default provided.\n"); return -1; }
  buf_printf (&f, "\t<memory>%d</memory>\n", atoi (mem) * 1024);

  xnode *os = xml_child (t, "OS");
  const char *arch = xml_text (os, "ARCH"), *guestos = xml_text (os, "GUESTOS"),
    *boot = xml_text (os, "BOOT");
  if (!*arch) arch = "i686";                    /* vmm_exec_vmware.conf @4.4 */
  if (*guestos) buf_printf (&meta, "<guestos>%s</guestos>\n", guestos);
  buf_puts (&f, "\t<os>\n");
  buf_printf (&f, "\t\t<type arch='%s'>hvm</type>\n", arch);
  if (*boot) {
    char *b = xstrdup (boot), *save = NULL;
    for (char *d = strtok_r (b, ",", &save); d; d = strtok_r (NULL, ",", &save))
      buf_printf (&f, "\t\t<boot dev='%s'/>\n", d);
    free (b);
  }
  buf_puts (&f, "\t</os>\n");
  const char *pci = xml_text (t, "FEATURES/PCIBRIDGE");
  if (*pci) buf_printf (&meta, "<pcibridge>%s</pcibridge>", pci);

  buf_puts (&f, "\t<devices>\n");
  for (xnode *d = xml_child (t, "DISK"); d; d = xml_next_same (d)) {
    const char *type = upper (xml_text (d, "TYPE"));
    const char *target = xml_text (d, "TARGET");
    const char *driver = xml_text (d, "DRIVER");
    int disk_id = atoi (xml_text (d, "DISK_ID"));
    bool ro = strcasecmp (xml_text (d, "READONLY"), "yes") == 0;
    if (!*target) { fprintf (stderr, "oned: Wrong target value in DISK.\n"); return -1; }
    if (strcmp (type, "BLOCK") == 0)
      buf_printf (&f, "\t\t<disk type='block' device='disk'>\n\t\t\t<source file='[%s] %d/disk.%d'/>\n", ds, vid, disk_id);
    else if (strcmp (type, "CDROM") == 0)
      buf_printf (&f, "\t\t<disk type='file' device='cdrom'>\n\t\t\t<source file='[%s] %d/disk.%d.iso'/>\n", ds, vid, disk_id);
    else
      buf_printf (&f, "\t\t<disk type='file' device='disk'>\n\t\t\t<source file='[%s] %d/disk.%d/disk.vmdk'/>\n", ds, vid, disk_id);
    buf_printf (&f, "\t\t\t<target dev='%s'/>\n", target);
    if (*driver) buf_printf (&f, "\t\t\t<driver name='%s'/>\n", driver);
    if (ro) buf_puts (&f, "\t\t\t<readonly/>\n");
    buf_puts (&f, "\t\t</disk>\n");
  }
  xnode *ctx = xml_child (t, "CONTEXT");
  if (ctx) {
    const char *target = xml_text (ctx, "TARGET");
    if (*target)
      buf_printf (&f, "\t\t<disk type='file' device='cdrom'>\n\t\t\t<source file='[%s] %d/disk.%d.iso'/>\n"
                  "\t\t\t<target dev='%s'/>\n\t\t\t<readonly/>\n\t\t</disk>\n",
                  ds, vid, atoi (xml_text (ctx, "DISK_ID")), target);
  }
  bool vmware_vnm = strcmp (xml_text (h, "VNMMAD"), "vmware") == 0;
  for (xnode *n = xml_child (t, "NIC"); n; n = xml_next_same (n)) {
    buf_puts (&f, "\t\t<interface type='bridge'>\n");
    if (vmware_vnm)
      buf_printf (&f, "\t\t\t<source bridge='one-pg-%s'/>\n", xml_text (n, "NETWORK_ID"));
    else
      buf_printf (&f, "\t\t\t<source bridge='%s'/>\n", xml_text (n, "BRIDGE"));
    const char *v;
    if (*(v = xml_text (n, "MAC"))) buf_printf (&f, "\t\t\t<mac address='%s'/>\n", v);
    if (*(v = xml_text (n, "TARGET"))) buf_printf (&f, "\t\t\t<target dev='%s'/>\n", v);
    if (*(v = xml_text (n, "SCRIPT"))) buf_printf (&f, "\t\t\t<script path='%s'/>\n", v);
    if (*(v = xml_text (n, "MODEL"))) buf_printf (&f, "\t\t\t<model type='%s'/>\n", v);
    buf_puts (&f, "\t\t</interface>\n");
  }
  xnode *g = xml_child (t, "GRAPHICS");
  if (g) {
    const char *type = xml_text (g, "TYPE");
    if (strcmp (type, "vnc") == 0 || strcmp (type, "VNC") == 0) {
      buf_puts (&f, "\t\t<graphics type='vnc'");
      static const char *ga[][2] = { { "LISTEN", "listen" }, { "PORT", "port" },
                                     { "PASSWD", "passwd" }, { "KEYMAP", "keymap" } };
      for (int i = 0; i < 4; i++) {
        const char *v = xml_text (g, ga[i][0]);
        if (*v) buf_printf (&f, " %s='%s'", ga[i][1], v);
      }
      buf_puts (&f, "/>\n");
    }
  }
  buf_puts (&f, "\t</devices>\n");
  for (xnode *r = xml_child (t, "RAW"); r; r = xml_next_same (r)) {
    if (strcmp (upper (xml_text (r, "TYPE")), "VMWARE") != 0) continue;
    buf_printf (&f, "\t%s\n", xml_text (r, "DATA"));
    const char *dv = xml_text (r, "DATA_VMX");
    if (*dv) buf_printf (&meta, "<datavmx>%s</datavmx>", dv);
  }
  if (meta.len) buf_printf (&f, "\t<metadata>%s</metadata>\n", meta.d);
  buf_puts (&f, "</domain>\n");
  free (buf_take (&meta));
  int rc = write_file (path, f.d, f.len);
  free (buf_take (&f));
  return rc;
}

int
write_context (const xnode *vm, const char *path)
{
  xnode *ctx = xml_child (xml_child (vm, "TEMPLATE"), "CONTEXT");
  if (!ctx) return 1;
  /* std::map order: sorted names */
  const char *names[256];
  int n = 0;
  for (xnode *c = ctx->child; c && n < 256; c = c->next) names[n++] = c->name;
  for (int i = 1; i < n; i++)
    for (int k = i; k > 0 && strcmp (names[k - 1], names[k]) > 0; k--) {
      const char *x = names[k]; names[k] = names[k - 1]; names[k - 1] = x;
    }
  buf f = { 0 };
  buf_puts (&f, "# Context variables generated by OpenNebula\n");
  for (int i = 0; i < n; i++) {
    buf_printf (&f, "%s='", names[i]);
    for (const char *v = xml_text (ctx, names[i]); *v; v++) {
      if (*v == '\'') buf_puts (&f, "'\\''");
      else buf_add (&f, v, 1);
    }
    buf_puts (&f, "'\n");
  }
  int rc = write_file (path, f.d, f.len);
  free (buf_take (&f));
  return rc;
}

static const char *
fe_hostname (void)
{
  static char h[256];
  const char *e = getenv ("ONED_HOSTNAME");
  if (e && *e) return e;
  if (!*h && gethostname (h, sizeof h - 1) < 0) snprintf (h, sizeof h, "localhost");
  return h;
}

/* One prolog line for a disk (TransferManager::prolog_transfer_command). */
static void
prolog_disk (const xnode *vm, const xnode *d, buf *x)
{
  xnode *h = vm_history (vm);
  char *rsd = remote_system_dir (vm);
  const char *type = upper (xml_text (d, "TYPE"));
  const char *host = xml_text (h, "HOSTNAME"), *tm = xml_text (h, "TMMAD"),
    *sysds = xml_text (h, "DS_ID");
  int vid = vm_id (vm), id = atoi (xml_text (d, "DISK_ID"));
  if (strcmp (type, "SWAP") == 0)
    buf_printf (x, "MKSWAP %s %s %s:%s/disk.%d %d %s\n", tm, xml_text (d, "SIZE"), host, rsd, id, vid, sysds);
  else if (strcmp (type, "FS") == 0)
    buf_printf (x, "MKIMAGE %s %s %s %s:%s/disk.%d %d %s\n", tm, xml_text (d, "SIZE"),
                xml_text (d, "FORMAT"), host, rsd, id, vid, sysds);
  else {
    const char *src = xml_text (d, "SOURCE");
    buf_printf (x, "%s %s ", strcasecmp (xml_text (d, "CLONE"), "YES") == 0 ? "CLONE" : "LN",
                xml_text (d, "TM_MAD"));
    if (strchr (src, ':')) buf_printf (x, "%s ", src);
    else buf_printf (x, "%s:%s ", fe_hostname (), src);
    buf_printf (x, "%s:%s/disk.%d %d %s\n", host, rsd, id, vid, xml_text (d, "DATASTORE_ID"));
  }
  free (rsd);
}

static void
epilog_disk (const xnode *vm, const xnode *d, buf *x)
{
  xnode *h = vm_history (vm);
  char *rsd = remote_system_dir (vm);
  int vid = vm_id (vm), id = atoi (xml_text (d, "DISK_ID"));
  if (strcasecmp (xml_text (d, "SAVE"), "YES") == 0)
    buf_printf (x, "MVDS %s %s:%s/disk.%d %s %d %s\n", xml_text (d, "TM_MAD"),
                xml_text (h, "HOSTNAME"), rsd, id, xml_text (d, "SOURCE"), vid,
                xml_text (d, "DATASTORE_ID"));
  else
    buf_printf (x, "DELETE %s %s:%s/disk.%d %d %s\n", xml_text (h, "TMMAD"),
                xml_text (h, "HOSTNAME"), rsd, id, vid, xml_text (h, "DS_ID"));
  free (rsd);
}

char *
transfer_lines (const xnode *vm, const char *op)
{
  const xnode *t = xml_child (vm, "TEMPLATE");
  xnode *h = vm_history (vm);
  char *rsd = remote_system_dir (vm);
  int vid = vm_id (vm);
  buf x = { 0 };
  if (strcmp (op, "prolog") == 0) {
    for (xnode *d = xml_child (t, "DISK"); d; d = xml_next_same (d))
      prolog_disk (vm, d, &x);
    xnode *ctx = xml_child (t, "CONTEXT");
    if (ctx)
      buf_printf (&x, "CONTEXT %s %s/%d/context.sh %s:%s/disk.%s %d %s\n", xml_text (h, "TMMAD"),
                  vms_dir (), vid, xml_text (h, "HOSTNAME"), rsd, xml_text (ctx, "DISK_ID"),
                  vid, xml_text (h, "DS_ID"));
  } else if (strcmp (op, "epilog") == 0 || strcmp (op, "delete") == 0) {
    for (xnode *d = xml_child (t, "DISK"); d; d = xml_next_same (d))
      if (strcmp (op, "epilog") == 0 || strcasecmp (xml_text (d, "SAVE"), "YES") != 0)
        epilog_disk (vm, d, &x);
    buf_printf (&x, "DELETE %s %s:%s %d %s\n", xml_text (h, "TMMAD"), xml_text (h, "HOSTNAME"),
                rsd, vid, xml_text (h, "DS_ID"));
  } else {
    die ("unknown transfer operation '%s' (prolog, epilog, delete)", op);
  }
  free (rsd);
  return buf_take (&x);
}

/* Single TM lines oned puts in VMM_DRIVER_ACTION_DATA/TM_COMMAND:
 * attach (prolog of DISK[ATTACH=YES]), detach (its epilog line),
 * migrate ("MIGRATE tm prev_host host rsd vid ds", prefixed PRE/POST by
 * one_vmm_exec). */
char *
tm_line (const xnode *vm, const char *kind)
{
  const xnode *t = xml_child (vm, "TEMPLATE");
  buf x = { 0 };
  if (strcmp (kind, "attach") == 0 || strcmp (kind, "detach") == 0) {
    xnode *d = xml_child_where (t, "DISK", "ATTACH", "YES");
    if (!d) die ("no DISK with ATTACH=YES");
    if (strcmp (kind, "attach") == 0) prolog_disk (vm, d, &x);
    else epilog_disk (vm, d, &x);
  } else if (strcmp (kind, "migrate") == 0) {
    xnode *h = vm_history (vm), *p = vm_prev_history (vm);
    if (!p) die ("migrate: VM %d has no previous history", vm_id (vm));
    char *rsd = remote_system_dir (vm);
    buf_printf (&x, "MIGRATE %s %s %s %s %d %s\n", xml_text (h, "TMMAD"), xml_text (p, "HOSTNAME"),
                xml_text (h, "HOSTNAME"), rsd, vm_id (vm), xml_text (h, "DS_ID"));
    free (rsd);
  } else {
    die ("unknown TM line kind '%s' (attach, detach, migrate)", kind);
  }
  char *s = buf_take (&x);
  size_t n = strlen (s);
  if (n && s[n - 1] == '\n') s[n - 1] = 0;
  return s;
}

static const char *
kv_get (char **kv, int nkv, const char *key)
{
  size_t kl = strlen (key);
  for (int i = 0; i < nkv; i++)
    if (strncmp (kv[i], key, kl) == 0 && kv[i][kl] == '=') return kv[i] + kl + 1;
  return NULL;
}

static void
elem (buf *b, const char *name, const char *v, bool cdata)
{
  if (!v || !*v) buf_printf (b, "<%s/>", name);
  else if (cdata) buf_printf (b, "<%s><![CDATA[%s]]></%s>", name, v, name);
  else buf_printf (b, "<%s>%s</%s>", name, v, name);
}

/* VirtualMachineManager::format_message.  HOST is the current host, or the
 * previous one for MIGRATE (then MIGR_HOST is the current one): pass
 * HOST=/MIGR_HOST= etc. in kv to override. */
char *
vmm_action_data (const xnode *vm, const char *vm_raw, char **kv, int nkv)
{
  xnode *h = vm_history (vm);
  const char *host = kv_get (kv, nkv, "HOST") ?: xml_text (h, "HOSTNAME");
  const char *net = kv_get (kv, nkv, "NET_DRV") ?: xml_text (h, "VNMMAD");
  const char *mh = kv_get (kv, nkv, "MIGR_HOST"), *mnet = kv_get (kv, nkv, "MIGR_NET_DRV");
  const char *did = kv_get (kv, nkv, "DEPLOY_ID") ?: xml_text (vm, "DEPLOY_ID");
  const char *ldf = kv_get (kv, nkv, "LOCAL_DEPLOYMENT_FILE");
  const char *rdf = kv_get (kv, nkv, "REMOTE_DEPLOYMENT_FILE");
  buf b = { 0 };
  buf_puts (&b, "<VMM_DRIVER_ACTION_DATA>");
  buf_printf (&b, "<HOST>%s</HOST><NET_DRV>%s</NET_DRV>", host, net);
  if (mh && *mh) buf_printf (&b, "<MIGR_HOST>%s</MIGR_HOST><MIGR_NET_DRV>%s</MIGR_NET_DRV>", mh, mnet ?: net);
  else buf_puts (&b, "<MIGR_HOST/><MIGR_NET_DRV/>");
  elem (&b, "DEPLOY_ID", did, false);
  if (ldf && *ldf) {
    elem (&b, "LOCAL_DEPLOYMENT_FILE", ldf, false);
    elem (&b, "REMOTE_DEPLOYMENT_FILE", rdf, false);
  } else {
    buf_puts (&b, "<LOCAL_DEPLOYMENT_FILE/><REMOTE_DEPLOYMENT_FILE/>");
  }
  elem (&b, "CHECKPOINT_FILE", kv_get (kv, nkv, "CHECKPOINT_FILE"), false);
  elem (&b, "TM_COMMAND", kv_get (kv, nkv, "TM_COMMAND"), true);
  elem (&b, "TM_COMMAND_ROLLBACK", kv_get (kv, nkv, "TM_COMMAND_ROLLBACK"), true);
  elem (&b, "DISK_TARGET_PATH", kv_get (kv, nkv, "DISK_TARGET_PATH"), false);
  buf_puts (&b, vm_raw);
  buf_puts (&b, "</VMM_DRIVER_ACTION_DATA>");
  return buf_take (&b);
}
