/* esxmad: host and VM monitoring in a constant number of round trips.
 * See monitor.h. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "b64.h"
#include "conf.h"
#include "err.h"
#include "monitor.h"
#include "vmx_template.h"

static long long
ll (const one_vi_node *n, const char *path)
{
  const char *s = one_vi_text (n, path);
  return s && *s ? strtoll (s, NULL, 10) : 0;
}

static const char *
str (const one_vi_node *n, const char *path)
{
  const char *s = one_vi_text (n, path);
  return s ? s : "";
}

/* "one-<n>" -> n; anything else -> -1. */
static int
vm_id (const char *name)
{
  if (strncmp (name, "one-", 4) != 0)
    return -1;
  const char *p = name + 4;
  size_t n = strlen (p);
  if (n == 0 || n > 9 || strspn (p, "0123456789") != n)
    return -1;
  return atoi (p);
}

static void
host_props (one_buf *b)
{
  one_buf_puts (b, "<propSet><type>HostSystem</type><pathSet>name</pathSet>"
                "<pathSet>summary.hardware</pathSet>"
                "<pathSet>summary.quickStats</pathSet></propSet>");
}

static void
child_props (one_buf *b, bool devices)
{
  one_buf_puts (b, "<propSet><type>VirtualMachine</type><pathSet>name</pathSet>"
                "<pathSet>summary.runtime.powerState</pathSet>"
                "<pathSet>summary.quickStats</pathSet>"
                "<pathSet>summary.config</pathSet>");
  if (devices)
    one_buf_puts (b, "<pathSet>config.hardware.device</pathSet>"
                  "<pathSet>config.firmware</pathSet>");
  one_buf_puts (b, "</propSet><propSet><type>Datastore</type>"
                "<pathSet>summary.name</pathSet><pathSet>summary.capacity</pathSet>"
                "<pathSet>summary.freeSpace</pathSet></propSet>");
}

/* Does the vSphere host name 'name' stand for the OpenNebula host 'host'?
 * 0 no, 2 exact, 1 same first DNS label. */
static int
host_match (const char *name, const char *host)
{
  if (strcasecmp (name, host) == 0)
    return 2;
  size_t a = strcspn (name, "."), b = strcspn (host, ".");
  return a == b && strncasecmp (name, host, a) == 0 ? 1 : 0;
}

/* In a vCenter: the moref of the HostSystem named 'host'. */
static char *
find_host (one_vi *vi, const char *host)
{
  one_buf s = { 0 };
  one_buf_puts (&s, "<specSet><propSet><type>HostSystem</type>"
                "<pathSet>name</pathSet></propSet><objectSet>");
  one_vi_moref (&s, "obj", "Folder", one_vi_root_folder (vi));
  one_buf_puts (&s, "<skip>false</skip>");
  one_vi_traversal (&s, false, true, false);
  one_buf_puts (&s, "</objectSet></specSet>");
  ONE_AUTO (one_vi_node) *all = one_vi_retrieve (vi, s.data);
  one_buf_free (&s);
  if (!all)
    return NULL;
  const one_vi_node *best = NULL;
  int best_score = 0, n_best = 0;
  for (one_vi_node *o = one_vi_child (all, "objects"); o; o = one_vi_next (o)) {
    int sc = host_match (str (one_vi_prop (o, "name"), NULL), host);
    if (sc > best_score) {
      best = o;
      best_score = sc;
      n_best = 1;
    }
    else if (sc && sc == best_score)
      n_best++;
  }
  if (!best || n_best > 1) {
    one_error ("vSphere: %s host named '%s' in the vCenter",
               best ? "more than one" : "no", host);
    return NULL;
  }
  return one_xstrdup (one_vi_obj_moref (best));
}

one_mon *
one_mon_collect (one_vi *vi, const char *host, bool devices)
{
  one_buf s = { 0 };
  one_buf_puts (&s, "<specSet>");
  host_props (&s);
  child_props (&s, devices);
  one_buf_puts (&s, "<objectSet>");
  if (one_vi_is_vcenter (vi)) {
    ONE_AUTOFREE char *h = find_host (vi, host);
    if (!h) {
      one_buf_free (&s);
      return NULL;
    }
    one_vi_moref (&s, "obj", "HostSystem", h);
    one_buf_puts (&s, "<skip>false</skip>"
                  "<selectSet xsi:type=\"TraversalSpec\"><name>hostVm</name>"
                  "<type>HostSystem</type><path>vm</path><skip>false</skip></selectSet>"
                  "<selectSet xsi:type=\"TraversalSpec\"><name>hostDs</name>"
                  "<type>HostSystem</type><path>datastore</path><skip>false</skip></selectSet>");
  }
  else {
    one_vi_moref (&s, "obj", "Folder", one_vi_root_folder (vi));
    one_buf_puts (&s, "<skip>false</skip>");
    one_vi_traversal (&s, false, true, true);
  }
  one_buf_puts (&s, "</objectSet></specSet>");
  one_vi_node *all = one_vi_retrieve (vi, s.data);
  one_buf_free (&s);
  if (!all)
    return NULL;
  one_mon *m = one_mon_read (all, host, one_vi_is_vcenter (vi));
  if (m)
    one_mon_net (vi, m);
  return m;
}

one_mon *
one_mon_read (one_vi_node *all, const char *host, bool vcenter)
{
  one_mon *m = one_xcalloc (1, sizeof *m);
  m->tree = all;
  size_t n = 0;
  for (one_vi_node *o = one_vi_child (all, "objects"); o; o = one_vi_next (o))
    n++;
  m->vms = one_xcalloc (n + 1, sizeof *m->vms);
  m->ds = one_xcalloc (n + 1, sizeof *m->ds);
  const one_vi_node *hostobj = NULL;
  int hosts = 0;
  for (one_vi_node *o = one_vi_child (all, "objects"); o; o = one_vi_next (o)) {
    const char *type = one_vi_obj_type (o);
    if (one_streq (type, "HostSystem")) {
      hosts++;
      if (!hostobj || host_match (str (one_vi_prop (o, "name"), NULL), host))
        hostobj = o;
    }
    else if (one_streq (type, "Datastore")) {
      one_mon_ds *d = &m->ds[m->n_ds++];
      d->name = str (one_vi_prop (o, "summary.name"), NULL);
      d->capacity = ll (one_vi_prop (o, "summary.capacity"), NULL);
      d->free = ll (one_vi_prop (o, "summary.freeSpace"), NULL);
    }
    else if (one_streq (type, "VirtualMachine")) {
      const one_vi_node *cfg = one_vi_prop (o, "summary.config");
      if (one_streq (one_vi_text (cfg, "template"), "true"))
        continue;               /* templates are not VMs to monitor */
      one_mon_vm *v = &m->vms[m->n_vms++];
      v->name = str (one_vi_prop (o, "name"), NULL);
      v->moref = one_vi_obj_moref (o);
      v->id = vm_id (v->name);
      const char *ps = one_vi_text (one_vi_prop (o, "summary.runtime.powerState"), NULL);
      v->state = one_streq (ps, "poweredOn") ? 'a'
        : one_streq (ps, "suspended") ? 'p'
        : one_streq (ps, "poweredOff") ? 'd' : '-';
      const one_vi_node *qs = one_vi_prop (o, "summary.quickStats");
      v->cpu_mhz = ll (qs, "overallCpuUsage");
      v->mem_mb = ll (qs, "hostMemoryUsage");
      v->num_cpu = ll (cfg, "numCpu");
      v->memory_mb = ll (cfg, "memorySizeMB");
      v->guest_id = str (cfg, "guestId");
      v->vmx_path = str (cfg, "vmPathName");
      v->devices = one_vi_prop (o, "config.hardware.device");
      v->firmware = one_vi_text (one_vi_prop (o, "config.firmware"), NULL);
    }
  }
  if (!hostobj) {
    one_error ("vSphere: no host '%s' found on the server", host);
    one_mon_free (m);
    return NULL;
  }
  if (hosts > 1 && !vcenter)
    one_warn ("vSphere: %d hosts on a standalone server; reporting '%s'",
              hosts, str (one_vi_prop (hostobj, "name"), NULL));
  m->host_name = str (one_vi_prop (hostobj, "name"), NULL);
  m->host_moref = one_vi_obj_moref (hostobj);
  const one_vi_node *hw = one_vi_prop (hostobj, "summary.hardware");
  const one_vi_node *qs = one_vi_prop (hostobj, "summary.quickStats");
  m->cpu_model = str (hw, "cpuModel");
  m->cpu_mhz = ll (hw, "cpuMhz");
  m->cores = ll (hw, "numCpuCores");
  m->memory_bytes = ll (hw, "memorySize");
  m->cpu_usage_mhz = ll (qs, "overallCpuUsage");
  m->mem_usage_mb = ll (qs, "overallMemoryUsage");
  return m;
}

void
one_mon_free (one_mon *m)
{
  if (!m)
    return;
  one_vi_node_free (m->tree);
  free (m->vms);
  free (m->ds);
  free (m);
}

const one_mon_vm *
one_mon_find_vm (const one_mon *m, const char *name)
{
  for (size_t i = 0; i < m->n_vms; i++)
    if (strcmp (m->vms[i].name, name) == 0)
      return &m->vms[i];
  return NULL;
}

static double
pct (long long mhz, long long core_mhz)
{
  return core_mhz > 0 ? (double) mhz * 100.0 / (double) core_mhz : 0.0;
}

char *
one_mon_poll_line (const one_mon *m, const one_mon_vm *vm)
{
  if (vm->state != 'a')
    return one_xasprintf ("STATE=%c USEDCPU=0 USEDMEMORY=0 NETRX=0 NETTX=0",
                          vm->state);
  long long mem = vm->mem_mb > 0 ? vm->mem_mb * 1024 : 0;
  double cpu = pct (vm->cpu_mhz > 0 ? vm->cpu_mhz : 0, m->cpu_mhz);
  return one_xasprintf ("STATE=a USEDCPU=%.2f USEDMEMORY=%lld NETRX=%lld "
                        "NETTX=%lld", cpu, mem, vm->net_rx, vm->net_tx);
}

void
one_mon_quote (one_buf *b, const char *s)
{
  one_buf_putc (b, '"');
  for (; s && *s; s++) {
    if (*s == '"' || *s == '\\')
      one_buf_putc (b, '\\');
    if (*s == '\n' || *s == '\r')
      one_buf_putc (b, ' ');
    else
      one_buf_putc (b, *s);
  }
  one_buf_putc (b, '"');
}

static void
kv (one_buf *b, const char *sep, const char *k, const char *v)
{
  one_buf_printf (b, "%s%s=", sep, k);
  one_mon_quote (b, v);
}

/* The VMX virtualDev of an API NIC type. */
static const char *
nic_model (const char *type)
{
  if (!type) return "e1000";
  if (strcmp (type, "VirtualE1000e") == 0) return "e1000e";
  if (strcmp (type, "VirtualVmxnet3") == 0) return "vmxnet3";
  if (strcmp (type, "VirtualVmxnet2") == 0) return "vmxnet2";
  if (strcmp (type, "VirtualVmxnet") == 0) return "vmxnet";
  if (strcmp (type, "VirtualPCNet32") == 0) return "vlance";
  return "e1000";
}

/* A controller of the device list: bus name, number, VMX model. */
static bool
ctrl_info (const one_vi_node *devs, long long key, const char **bus,
           int *num, const char **model)
{
  for (const one_vi_node *d = one_vi_child (devs, NULL); d; d = d->next) {
    if (ll (d, "key") != key || !d->type)
      continue;
    *num = (int) ll (d, "busNumber");
    *model = NULL;
    if (strstr (d->type, "IDE"))
      *bus = "ide";
    else if (strstr (d->type, "AHCI") || strstr (d->type, "SATA"))
      *bus = "sata";
    else if (strstr (d->type, "NVME"))
      *bus = "nvme";
    else {
      *bus = "scsi";
      *model = strcmp (d->type, "VirtualBusLogicController") == 0 ? "buslogic"
        : strcmp (d->type, "VirtualLsiLogicSASController") == 0 ? "lsisas1068"
        : strcmp (d->type, "ParaVirtualSCSIController") == 0 ? "pvscsi"
        : "lsilogic";
    }
    return true;
  }
  return false;
}

/* libvirt's device names for (bus, controller, unit), as the VMX reader
 * names them. */
static char *
disk_target (const char *bus, int ctrl, int unit)
{
  int idx;
  const char *pre = "sd";
  if (strcmp (bus, "ide") == 0) {
    pre = "hd";
    idx = ctrl * 2 + unit;
  }
  else if (strcmp (bus, "sata") == 0)
    idx = ctrl * 30 + unit;
  else if (strcmp (bus, "nvme") == 0)
    return one_xasprintf ("nvme%dn%d", ctrl, unit + 1);
  else
    idx = ctrl * 15 + (unit < 7 ? unit : unit - 1);
  char name[16];
  size_t n = 0;
  char tmp[8];
  int i = idx;
  do {                                  /* a..z, aa..az, ... */
    tmp[n++] = (char) ('a' + i % 26);
    i = i / 26 - 1;
  } while (i >= 0 && n < sizeof tmp);
  size_t k = 0;
  for (; *pre; pre++)
    name[k++] = *pre;
  while (n)
    name[k++] = tmp[--n];
  name[k] = '\0';
  return one_xstrdup (name);
}

char *
one_mon_vm_template (const one_mon_vm *vm)
{
  one_vmx_facts *f = one_xcalloc (1, sizeof *f);
  f->name = one_xstrdup (vm->name);
  f->memory_mib = vm->memory_mb;
  f->vcpus = vm->num_cpu;
  /* OpenNebula's OS/GUESTOS is handed to ReconfigVM as guestId: the API's
   * identifier ("ubuntu64Guest"), not the .vmx spelling. */
  f->guest_os = one_xstrdup (vm->guest_id);
  f->arch = one_xstrdup (strstr (vm->guest_id, "64") ? "x86_64" : "i686");
  f->firmware = one_xstrdup (one_streq (vm->firmware, "efi") ? "efi" : "bios");
  size_t n = 0;
  for (const one_vi_node *d = one_vi_child (vm->devices, NULL); d; d = d->next)
    n++;
  f->disks = one_xcalloc (n + 1, sizeof *f->disks);
  f->nics = one_xcalloc (n + 1, sizeof *f->nics);
  for (const one_vi_node *d = one_vi_child (vm->devices, NULL); d; d = d->next) {
    bool disk = one_streq (d->type, "VirtualDisk");
    bool cd = one_streq (d->type, "VirtualCdrom");
    if (disk || cd) {
      const char *bus = "scsi", *model = NULL;
      int ctrl = 0;
      ctrl_info (vm->devices, ll (d, "controllerKey"), &bus, &ctrl, &model);
      int unit = (int) ll (d, "unitNumber");
      const char *file = one_vi_text (d, "backing/fileName");
      one_vmx_disk *x = &f->disks[f->n_disks++];
      x->bus = one_xstrdup (bus);
      x->controller = ctrl;
      x->unit = unit;
      x->target = disk_target (bus, ctrl, unit);
      x->device = one_xstrdup (disk ? "disk" : "cdrom");
      x->block = d->child && one_vi_child (d, "backing")
        && one_vi_child (d, "backing")->type
        && strstr (one_vi_child (d, "backing")->type, "Device") != NULL;
      x->file_name = file && *file ? one_xstrdup (file) : NULL;
      x->path = file && *file ? one_xstrdup (file) : NULL;
      x->controller_model = model ? one_xstrdup (model) : NULL;
    }
    else if (one_vi_dev_is_nic (d)) {
      one_vmx_nic *c = &f->nics[f->n_nics];
      c->index = (int) f->n_nics++;
      const char *mac = one_vi_text (d, "macAddress");
      if (mac && *mac) {
        c->mac = one_xstrdup (mac);
        for (char *p = c->mac; *p; p++)
          if (*p >= 'A' && *p <= 'Z')
            *p = (char) (*p - 'A' + 'a');
      }
      c->model = one_xstrdup (nic_model (d->type));
      const char *net = one_vi_text (d, "backing/deviceName");
      const char *pg = one_vi_text (d, "backing/port/portgroupKey");
      if (net && *net) {
        c->network = one_xstrdup (net);
        c->type = one_xstrdup ("bridge");
      }
      else if (pg && *pg) {
        c->dvs_portgroup_id = one_xstrdup (pg);
        c->type = one_xstrdup ("vds");
      }
      else
        c->type = one_xstrdup ("null");
    }
  }
  char *t = one_vmx_template (f);
  one_vmx_facts_free (f);
  return t;
}

void
one_mon_print (FILE *fp, const one_mon *m)
{
  one_buf b = { 0 };
  long long total_cpu = m->cores * 100;
  double used_cpu = pct (m->cpu_usage_mhz, m->cpu_mhz);
  long long total_mem = m->memory_bytes / 1024;
  long long used_mem = m->mem_usage_mb * 1024;
  one_buf_puts (&b, "HYPERVISOR=vmware\n");
  kv (&b, "", "MODELNAME", m->cpu_model);
  one_buf_printf (&b, "\nCPUSPEED=%lld\nTOTALCPU=%lld\nUSEDCPU=%.2f\n"
                  "FREECPU=%.2f\nTOTALMEMORY=%lld\nUSEDMEMORY=%lld\n"
                  "FREEMEMORY=%lld\nNETRX=%lld\nNETTX=%lld\n",
                  m->cpu_mhz, total_cpu, used_cpu,
                  (double) total_cpu - used_cpu, total_mem, used_mem,
                  total_mem - used_mem, m->net_rx, m->net_tx);
  for (size_t i = 0; i < m->n_ds; i++) {
    long long total = m->ds[i].capacity >> 20, free = m->ds[i].free >> 20;
    one_buf_puts (&b, "DS=[");
    kv (&b, "", "ID", m->ds[i].name);
    one_buf_printf (&b, ",USED_MB=%lld,TOTAL_MB=%lld,FREE_MB=%lld]\n",
                    total - free, total, free);
  }
  one_buf_puts (&b, "VM_POLL=YES\n");
  for (size_t i = 0; i < m->n_vms; i++) {
    const one_mon_vm *v = &m->vms[i];
    ONE_AUTOFREE char *poll = one_mon_poll_line (m, v);
    one_buf_printf (&b, "VM=[ID=%d,", v->id);
    kv (&b, "", "DEPLOY_ID", v->name);
    if (v->id < 0) {
      kv (&b, ",", "VM_NAME", v->name);
      ONE_AUTOFREE char *t = one_mon_vm_template (v);
      ONE_AUTOFREE char *t64 = one_b64_encode (t, strlen (t));
      kv (&b, ",", "IMPORT_TEMPLATE", t64);
    }
    kv (&b, ",", "POLL", poll);
    one_buf_puts (&b, "]\n");
  }
  fwrite (b.data, 1, b.len, fp);
  one_buf_free (&b);
}

one_mon *
one_mon_host (const char *host, bool devices, int *status)
{
  *status = ONE_EXIT_USAGE;
  ONE_AUTO (one_conf) *c = one_conf_load_default ();
  if (!c)
    return NULL;
  ONE_AUTO (one_target) *t = one_conf_target (c, host);
  if (!t)
    return NULL;
  one_secret_register (t->password);
  *status = ONE_EXIT_FAIL;
  ONE_AUTO (one_vi) *vi = one_vi_connect (t);
  if (!vi)
    return NULL;
  return one_mon_collect (vi, host, devices);
}

/* ---- network counters ------------------------------------------------ */

#define NET_SAMPLES 15          /* 5 minutes of 20 s samples */

/* xsd:dateTime ("2026-11-23T18:05:12.5Z", "...+01:00") -> seconds since
 * the epoch; -1 when unreadable. */
static double
xsd_time (const char *s)
{
  int y, mo, d, h, mi, n = 0;
  double sec;
  if (!s || sscanf (s, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6
      || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59
      || sec < 0 || sec >= 61)
    return -1;
  struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                   .tm_hour = h, .tm_min = mi, .tm_sec = (int) sec };
  time_t t = timegm (&tm);
  if (t == (time_t) -1)
    return -1;
  double off = 0;
  const char *z = s + n;
  int oh, om;
  if ((*z == '+' || *z == '-') && sscanf (z + 1, "%2d:%2d", &oh, &om) == 2)
    off = (*z == '-' ? -1 : 1) * (oh * 3600.0 + om * 60.0);
  return (double) t + (sec - (int) sec) - off;
}

/* A total as a counter: wraps at 2^63 as a 64-bit counter would. */
static long long
counter (double d)
{
  if (!(d > 0) || !isfinite (d))
    return 0;
  return (long long) fmod (d, 9223372036854775807.0);
}

struct net_ent {
  char moref[128];
  double rx, tx, last;
  bool keep;
};

struct net_tab {
  struct net_ent *e;
  size_t n, cap;
};

static struct net_ent *
net_find (struct net_tab *t, const char *moref, bool add)
{
  for (size_t i = 0; i < t->n; i++)
    if (strcmp (t->e[i].moref, moref) == 0)
      return &t->e[i];
  if (!add || strlen (moref) >= sizeof t->e[0].moref || strchr (moref, ' '))
    return NULL;
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 64;
    t->e = one_xrealloc (t->e, t->cap * sizeof *t->e);
  }
  struct net_ent *e = &t->e[t->n++];
  memset (e, 0, sizeof *e);
  snprintf (e->moref, sizeof e->moref, "%s", moref);
  return e;
}

/* Add the bytes the samples of one PerfEntityMetric stand for. */
static void
net_add (struct net_ent *e, const one_vi_node *em, int rx, int tx)
{
  size_t ns = 0;
  for (const one_vi_node *si = one_vi_child (em, "sampleInfo"); si; si = one_vi_next (si))
    ns++;
  if (ns == 0)
    return;
  double *ts = one_xcalloc (ns, sizeof *ts), *dt = one_xcalloc (ns, sizeof *dt);
  double newest = e->last;
  size_t i = 0;
  for (const one_vi_node *si = one_vi_child (em, "sampleInfo"); si; si = one_vi_next (si), i++) {
    ts[i] = xsd_time (one_vi_text (si, "timestamp"));
    if (ts[i] < 0)
      continue;                 /* unreadable: never counted */
    double iv = ll (si, "interval");
    if (iv <= 0 || iv > 86400)
      iv = 20;
    /* a sample counts once: only the part after the last one counted */
    dt[i] = ts[i] <= e->last ? 0 : e->last > 0 && ts[i] - e->last < iv ? ts[i] - e->last : iv;
    if (ts[i] > newest)
      newest = ts[i];
  }
  for (const one_vi_node *v = one_vi_child (em, "value"); v; v = one_vi_next (v)) {
    const char *cid = one_vi_text (v, "id/counterId");
    const char *inst = one_vi_text (v, "id/instance");
    if (!cid || (inst && *inst))
      continue;                 /* per-NIC series: the total is enough */
    long key = strtol (cid, NULL, 10);
    double *sum = key == rx ? &e->rx : key == tx ? &e->tx : NULL;
    if (!sum)
      continue;
    i = 0;
    for (const one_vi_node *x = one_vi_child (v, "value"); x && i < ns; x = one_vi_next (x), i++) {
      long long kbps = strtoll (x->text ? x->text : "", NULL, 10);
      if (kbps > 0 && dt[i] > 0)
        *sum += (double) kbps * 1024.0 * dt[i];
    }
  }
  e->last = newest;
  free (ts);
  free (dt);
}

int
one_mon_net_update (one_mon *m, const char *path, const one_vi_node *resp,
                    int rx, int tx)
{
  int fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    one_error ("network counters '%s': %s", path, strerror (errno));
    return -1;
  }
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid ()
      || (st.st_mode & 077)) {
    one_error ("network counters '%s': not a private file of this user", path);
    close (fd);
    return -1;
  }
  if (flock (fd, LOCK_EX) < 0) {
    one_error ("network counters '%s': flock: %s", path, strerror (errno));
    close (fd);
    return -1;
  }
  struct net_tab t = { 0 };
  FILE *f = fdopen (dup (fd), "r");
  if (f) {
    char line[512];
    while (fgets (line, sizeof line, f)) {
      char moref[128];
      double a, b, c;
      if (sscanf (line, "%127s %lf %lf %lf", moref, &a, &b, &c) != 4
          || !(a >= 0 && b >= 0 && c >= 0) || !isfinite (a) || !isfinite (b)
          || !isfinite (c))
        continue;               /* tolerate a damaged line */
      struct net_ent *e = net_find (&t, moref, true);
      if (e) {
        e->rx = a;
        e->tx = b;
        e->last = c;
      }
    }
    fclose (f);
  }
  /* what QueryPerf answered */
  for (const one_vi_node *r = one_vi_child (resp, "returnval"); r; r = one_vi_next (r)) {
    const char *moref = one_vi_text (r, "entity");
    struct net_ent *e = moref && *moref ? net_find (&t, moref, true) : NULL;
    if (e)
      net_add (e, r, rx, tx);
  }
  /* keep the host, and VMs powered on or suspended; hand totals out */
  if (m->host_moref) {
    struct net_ent *e = net_find (&t, m->host_moref, false);
    if (e) {
      e->keep = true;
      m->net_rx = counter (e->rx);
      m->net_tx = counter (e->tx);
    }
  }
  for (size_t i = 0; i < m->n_vms; i++) {
    one_mon_vm *v = &m->vms[i];
    if (v->state != 'a' && v->state != 'p')
      continue;
    struct net_ent *e = v->moref ? net_find (&t, v->moref, false) : NULL;
    if (!e)
      continue;
    e->keep = true;
    if (v->state == 'a') {
      v->net_rx = counter (e->rx);
      v->net_tx = counter (e->tx);
    }
  }
  one_buf b = { 0 };
  one_buf_puts (&b, "");
  for (size_t i = 0; i < t.n; i++)
    if (t.e[i].keep)
      one_buf_printf (&b, "%s %.0f %.0f %.3f\n", t.e[i].moref, t.e[i].rx,
                      t.e[i].tx, t.e[i].last);
  free (t.e);
  int rc = 0;
  if (ftruncate (fd, 0) < 0 || pwrite (fd, b.data, b.len, 0) != (ssize_t) b.len) {
    one_error ("network counters '%s': write: %s", path, strerror (errno));
    rc = -1;
  }
  one_buf_free (&b);
  close (fd);                   /* and unlock */
  return rc;
}

/* The keys of net.received.average and net.transmitted.average. */
static int
net_counters (one_vi *vi, const char *pm, int *rx, int *tx)
{
  ONE_AUTOFREE char *cf = one_vi_cache_file (vi, "perf");
  ONE_AUTOFREE char *data = NULL;
  size_t len = 0;
  if (cf && one_read_file (cf, 4096, &data, &len) == 0
      && sscanf (data, "net.received.average=%d net.transmitted.average=%d",
                 rx, tx) == 2 && *rx > 0 && *tx > 0)
    return 0;
  one_error_reset ();
  one_buf s = { 0 };
  one_buf_puts (&s, "<specSet><propSet><type>PerformanceManager</type>"
                "<pathSet>perfCounter</pathSet></propSet><objectSet>");
  one_vi_moref (&s, "obj", "PerformanceManager", pm);
  one_buf_puts (&s, "</objectSet></specSet>");
  ONE_AUTO (one_vi_node) *all = one_vi_retrieve (vi, s.data);
  one_buf_free (&s);
  if (!all)
    return -1;
  *rx = *tx = 0;
  const one_vi_node *list = one_vi_prop (one_vi_child (all, "objects"), "perfCounter");
  for (const one_vi_node *c = one_vi_child (list, NULL); c; c = one_vi_next (c)) {
    if (!one_streq (one_vi_text (c, "groupInfo/key"), "net")
        || !one_streq (one_vi_text (c, "rollupType"), "average"))
      continue;
    const char *name = one_vi_text (c, "nameInfo/key");
    int key = (int) ll (c, "key");
    if (one_streq (name, "received"))
      *rx = key;
    else if (one_streq (name, "transmitted"))
      *tx = key;
  }
  if (*rx <= 0 || *tx <= 0) {
    one_error ("vSphere: no net.received.average / net.transmitted.average "
               "performance counter");
    return -1;
  }
  if (cf) {
    ONE_AUTOFREE char *line = one_xasprintf ("net.received.average=%d "
                                             "net.transmitted.average=%d\n",
                                             *rx, *tx);
    if (one_write_file_atomic (cf, line, strlen (line), 0600) < 0)
      one_error_reset ();       /* read again next time */
  }
  return 0;
}

void
one_mon_net (one_vi *vi, one_mon *m)
{
  ONE_AUTOFREE char *path = one_vi_cache_file (vi, "net");
  const char *pm = path ? one_vi_perf_manager (vi) : NULL;
  if (!pm) {
    one_debug ("vSphere: no %s: NETRX/NETTX stay 0",
               path ? "PerformanceManager" : "session cache to keep totals in");
    return;
  }
  int rx, tx;
  if (net_counters (vi, pm, &rx, &tx) < 0) {
    one_warn ("%s (NETRX/NETTX stay 0)", one_errmsg ());
    one_error_reset ();
    return;
  }
  one_buf q = { 0 };
  size_t n = 0;
  for (size_t i = 0; i <= m->n_vms; i++) {
    const char *moref = i < m->n_vms ? m->vms[i].moref : m->host_moref;
    const char *type = i < m->n_vms ? "VirtualMachine" : "HostSystem";
    if (!moref || !*moref || (i < m->n_vms && m->vms[i].state != 'a'))
      continue;
    one_buf_puts (&q, "<querySpec>");
    one_vi_moref (&q, "entity", type, moref);
    one_buf_printf (&q, "<maxSample>%d</maxSample>", NET_SAMPLES);
    for (int k = 0; k < 2; k++)
      one_buf_printf (&q, "<metricId><counterId>%d</counterId><instance></instance>"
                      "</metricId>", k ? tx : rx);
    one_buf_puts (&q, "<intervalId>20</intervalId></querySpec>");
    n++;
  }
  one_vi_node *r = NULL;
  if (n)
    r = one_vi_call (vi, "QueryPerf", "PerformanceManager", pm, q.data);
  one_buf_free (&q);
  if (n && !r) {
    one_warn ("%s (NETRX/NETTX not updated)", one_errmsg ());
    one_error_reset ();
  }
  /* with no answer, the file still forgets VMs that are gone or off */
  if (one_mon_net_update (m, path, r, rx, tx) < 0) {
    one_warn ("%s (NETRX/NETTX stay 0)", one_errmsg ());
    one_error_reset ();
  }
  one_vi_node_free (r);
}
