/* esxmad: what a VMX says about its VM, read with libvirt's rules
 * (src/vmx/vmx.c) as summed up in ../shared/corpus/README.md. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "util.h"
#include "vmx.h"

static char *
lower (const char *s)
{
  char *r = one_xstrdup (s);
  for (char *p = r; p && *p; p++)
    *p = (char) tolower ((unsigned char) *p);
  return r;
}

/* VMware's "42 2c 01 52 63 ab cd 03-96 50 43 01 ae 77 ae fd" -> UUID. */
static int
parse_uuid (const char *name, const char *key, const char *s, char **out)
{
  char hex[33];
  size_t n = 0;
  for (const char *p = s; *p; p++) {
    if (*p == ' ' || *p == '-')
      continue;
    if (!isxdigit ((unsigned char) *p) || n == 32)
      goto bad;
    hex[n++] = (char) tolower ((unsigned char) *p);
  }
  if (n != 32)
    goto bad;
  hex[32] = '\0';
  *out = one_xasprintf ("%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
                        hex + 16, hex + 20);
  return 0;
 bad:
  one_error ("vmx '%s': entry '%s' is not a UUID: '%s'", name, key, s);
  return -1;
}

/* libvirt's disk names: 0 -> a, 25 -> z, 26 -> aa. */
static char *
disk_name (const char *prefix, int idx)
{
  char buf[16];
  int i = sizeof buf - 1;
  buf[i] = '\0';
  for (idx++; idx > 0 && i > 0; idx = (idx - 1) / 26)
    buf[--i] = (char) ('a' + (idx - 1) % 26);
  return one_xasprintf ("%s%s", prefix, buf + i);
}

static void
percent_unescape (char *s)
{
  char *o = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '%' && isxdigit ((unsigned char) p[1])
        && isxdigit ((unsigned char) p[2])) {
      char h[3] = { p[1], p[2], 0 };
      int c = (int) strtol (h, NULL, 16);
      if (c != 0) {
        *o++ = (char) c;
        p += 2;
        continue;
      }
    }
    *o++ = *p;
  }
  *o = '\0';
}

static const char *
getf (const one_vmx *v, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
static const char *
getf (const one_vmx *v, const char *fmt, ...)
{
  char key[300];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (key, sizeof key, fmt, ap);
  va_end (ap);
  return one_vmx_get (v, key);
}

static int
getf_bool (const one_vmx *v, bool def, bool *out, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));
static int
getf_bool (const one_vmx *v, bool def, bool *out, const char *fmt, ...)
{
  char key[300];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (key, sizeof key, fmt, ap);
  va_end (ap);
  return one_vmx_get_bool (v, key, def, out);
}

static one_vmx_disk *
add_disk (one_vmx_facts *f)
{
  f->disks = one_xrealloc (f->disks, (f->n_disks + 1) * sizeof *f->disks);
  one_vmx_disk *d = &f->disks[f->n_disks++];
  memset (d, 0, sizeof *d);
  return d;
}

static int
map_name (const one_vmx_ctx *ctx, const char *fn, bool allow_missing,
          char **out)
{
  *out = NULL;
  if (!ctx || !ctx->parse_file_name) {
    *out = one_xstrdup (fn);
    return 0;
  }
  return ctx->parse_file_name (fn, ctx->opaque, allow_missing, out);
}

/* One disk slot; 'prefix' is "scsi0:1", "ide1:0", "floppy0", ... */
static int
read_disk (const one_vmx *v, const one_vmx_ctx *ctx, one_vmx_facts *f,
           const char *vname, const char *bus, const char *prefix,
           int controller, int unit, char *target, const char *ctrl_model)
{
  ONE_AUTOFREE char *tgt = target;
  bool is_floppy = strcmp (bus, "fdc") == 0;
  bool present, client;
  if (getf_bool (v, is_floppy, &present, "%s.present", prefix) < 0
      || getf_bool (v, false, &client, "%s.clientDevice", prefix) < 0)
    return -1;
  if (!present || client)
    return 0;
  const char *fn = getf (v, "%s.fileName", prefix);
  const char *dt = getf (v, "%s.deviceType", prefix);
  const char *mode = getf (v, "%s.mode", prefix);
  bool wt;
  if (getf_bool (v, false, &wt, "%s.writeThrough", prefix) < 0)
    return -1;

  const char *device = "disk";
  bool block = false, cdrom_file = false, raw_path = false;
  if (is_floppy) {
    if (!fn || !*fn)            /* no image and no device: no floppy */
      return 0;
    const char *ft = getf (v, "%s.fileType", prefix);
    device = "floppy";
    if (ft && strcasecmp (ft, "device") == 0) {
      block = true;
      raw_path = true;
    } else if (ft && strcasecmp (ft, "file") != 0) {
      one_error ("vmx '%s': entry '%s.fileType' should be 'file' or 'device' "
                 "but is '%s'", vname, prefix, ft);
      return -1;
    }
  } else if (strcmp (bus, "nvme") == 0) {
    device = "disk";
  } else if (!dt || strcasecmp (dt, "scsi-hardDisk") == 0
             || strcasecmp (dt, "ata-hardDisk") == 0
             || strcasecmp (dt, "disk") == 0
             || strcasecmp (dt, "plainDisk") == 0
             || strcasecmp (dt, "rawDisk") == 0) {
    device = "disk";
  } else if (strcasecmp (dt, "cdrom-image") == 0) {
    device = "cdrom";
    cdrom_file = true;
  } else if (strcasecmp (dt, "atapi-cdrom") == 0) {
    device = "cdrom";
    block = raw_path = true;
  } else if (strcasecmp (dt, "cdrom-raw") == 0
             || strcasecmp (dt, "scsi-passthru") == 0) {
    device = "lun";
    block = raw_path = true;
  } else {
    one_warn ("vmx '%s': entry '%s.deviceType' has the unknown value '%s': "
              "device skipped", vname, prefix, dt);
    return 0;
  }

  ONE_AUTOFREE char *path = NULL;
  if (cdrom_file) {
    if (fn && *fn && strcmp (fn, "emptyBackingString") != 0
        && map_name (ctx, fn, true, &path) < 0) {
      one_error_prefix ("vmx '%s': entry '%s.fileName'", vname, prefix);
      return -1;
    }
  } else if (raw_path) {
    if (fn && *fn && strcasecmp (fn, "auto detect") != 0)
      path = one_xstrdup (fn);
  } else if (fn) {
    if (map_name (ctx, fn, false, &path) < 0) {
      one_error_prefix ("vmx '%s': entry '%s.fileName'", vname, prefix);
      return -1;
    }
  }
  one_vmx_disk *d = add_disk (f);
  d->bus = one_xstrdup (bus);
  d->controller = controller;
  d->unit = unit;
  d->target = one_steal_pointer (&tgt);
  d->device = one_xstrdup (device);
  d->device_type = one_xstrdup (dt);
  d->block = block;
  d->file_name = one_xstrdup (fn);
  d->path = one_steal_pointer (&path);
  d->controller_model = one_xstrdup (ctrl_model);
  d->transient = mode && strcasecmp (mode, "independent-nonpersistent") == 0;
  d->writethrough = wt;
  return 0;
}

static int
read_disks (const one_vmx *v, const one_vmx_ctx *ctx, one_vmx_facts *f,
            const char *vname, int64_t hw)
{
  char prefix[64];
  /* SCSI: units 0-15 without 7 (0-63 from virtualHW 13). */
  int scsi_units = hw >= 13 ? 64 : 16;
  for (int c = 0; c < 4; c++) {
    bool present;
    if (getf_bool (v, false, &present, "scsi%d.present", c) < 0)
      return -1;
    if (!present)
      continue;
    const char *vd = getf (v, "scsi%d.virtualDev", c);
    if (vd && strcasecmp (vd, "buslogic") != 0
        && strcasecmp (vd, "lsilogic") != 0
        && strcasecmp (vd, "lsisas1068") != 0
        && strcasecmp (vd, "pvscsi") != 0) {
      one_error ("vmx '%s': entry 'scsi%d.virtualDev' should be 'buslogic', "
                 "'lsilogic', 'lsisas1068' or 'pvscsi' but is '%s'", vname, c,
                 vd);
      return -1;
    }
    ONE_AUTOFREE char *model = vd ? lower (vd) : NULL;
    for (int u = 0; u < scsi_units; u++) {
      if (u == 7)
        continue;
      snprintf (prefix, sizeof prefix, "scsi%d:%d", c, u);
      if (read_disk (v, ctx, f, vname, "scsi", prefix, c, u,
                     disk_name ("sd", c * 15 + (u < 7 ? u : u - 1)),
                     model) < 0)
        return -1;
    }
  }
  for (int c = 0; c < 4; c++) {
    bool present;
    if (getf_bool (v, false, &present, "sata%d.present", c) < 0)
      return -1;
    if (!present)
      continue;
    for (int u = 0; u < 30; u++) {
      snprintf (prefix, sizeof prefix, "sata%d:%d", c, u);
      if (read_disk (v, ctx, f, vname, "sata", prefix, c, u,
                     disk_name ("sd", c * 30 + u), NULL) < 0)
        return -1;
    }
  }
  for (int b = 0; b < 2; b++)
    for (int u = 0; u < 2; u++) {
      snprintf (prefix, sizeof prefix, "ide%d:%d", b, u);
      if (read_disk (v, ctx, f, vname, "ide", prefix, b, u,
                     disk_name ("hd", b * 2 + u), NULL) < 0)
        return -1;
    }
  for (int u = 0; u < 2; u++) {
    snprintf (prefix, sizeof prefix, "floppy%d", u);
    if (read_disk (v, ctx, f, vname, "fdc", prefix, 0, u,
                   disk_name ("fd", u), NULL) < 0)
      return -1;
  }
  for (int c = 0; c < 4; c++) {
    bool present;
    if (getf_bool (v, false, &present, "nvme%d.present", c) < 0)
      return -1;
    if (!present)
      continue;
    for (int u = 0; u < 64; u++) {
      snprintf (prefix, sizeof prefix, "nvme%d:%d", c, u);
      if (read_disk (v, ctx, f, vname, "nvme", prefix, c, u,
                     one_xasprintf ("nvme%dn%d", c, u + 1), NULL) < 0)
        return -1;
    }
  }
  return 0;
}

static bool
mac_valid (const char *m)
{
  if (strlen (m) != 17)
    return false;
  for (int i = 0; i < 17; i++)
    if (i % 3 == 2 ? m[i] != ':' : !isxdigit ((unsigned char) m[i]))
      return false;
  return true;
}

static int
read_nic (const one_vmx *v, one_vmx_facts *f, const char *vname, int n)
{
  bool present;
  if (getf_bool (v, false, &present, "ethernet%d.present", n) < 0)
    return -1;
  if (!present)
    return 0;
  const char *ct = getf (v, "ethernet%d.connectionType", n);
  const char *at = getf (v, "ethernet%d.addressType", n);
  const char *vd = getf (v, "ethernet%d.virtualDev", n);
  const char *net = getf (v, "ethernet%d.networkName", n);
  const char *sw = getf (v, "ethernet%d.dvs.switchId", n);
  ONE_AUTOFREE char *mac = NULL, *model = NULL, *type = NULL, *dvs = NULL;

  if (!at || strcasecmp (at, "generated") == 0 || strcasecmp (at, "vpx") == 0)
    mac = one_xstrdup (getf (v, "ethernet%d.generatedAddress", n));
  else if (strcasecmp (at, "static") == 0)
    mac = one_xstrdup (getf (v, "ethernet%d.address", n));
  else {
    one_error ("vmx '%s': entry 'ethernet%d.addressType' should be "
               "'generated', 'static' or 'vpx' but is '%s'", vname, n, at);
    return -1;
  }
  if (mac) {
    char *l = lower (mac);
    free (mac);
    mac = l;
    if (!mac_valid (mac)) {
      one_error ("vmx '%s': MAC address of ethernet%d is not valid: '%s'",
                 vname, n, mac);
      return -1;
    }
  }
  if (vd) {
    model = lower (vd);
    if (strcmp (model, "vmxnet") == 0) {
      const char *fs = getf (v, "ethernet%d.features", n);
      if (fs && strcmp (fs, "15") == 0) {
        free (model);
        model = one_xstrdup ("vmxnet2");
      }
    } else if (strcmp (model, "vlance") != 0 && strcmp (model, "vmxnet3") != 0
               && strcmp (model, "e1000") != 0 && strcmp (model, "e1000e") != 0)
      one_warn ("vmx '%s': ethernet%d has the unknown model '%s'", vname, n,
                vd);
  }
  ONE_AUTOFREE char *conn = lower (ct ? ct : "bridged");
  if (strcmp (conn, "bridged") == 0 || strcmp (conn, "custom") == 0)
    type = one_xstrdup (net ? "bridge" : sw ? "vds" : "null");
  else if (strcmp (conn, "nat") == 0)
    type = one_xstrdup ("user");
  else if (strcmp (conn, "hostonly") == 0)
    type = one_xstrdup ("network");
  else {
    one_error ("vmx '%s': entry 'ethernet%d.connectionType' should be "
               "'bridged', 'custom', 'nat' or 'hostonly' but is '%s'", vname,
               n, ct);
    return -1;
  }
  if (sw && parse_uuid (vname, "dvs.switchId", sw, &dvs) < 0)
    return -1;

  f->nics = one_xrealloc (f->nics, (f->n_nics + 1) * sizeof *f->nics);
  one_vmx_nic *c = &f->nics[f->n_nics++];
  memset (c, 0, sizeof *c);
  c->index = n;
  c->mac = one_steal_pointer (&mac);
  c->address_type = lower (at ? at : "generated");
  c->model = one_steal_pointer (&model);
  c->type = one_steal_pointer (&type);
  c->network = one_xstrdup (net);
  c->connection_type = one_steal_pointer (&conn);
  c->connection_type_set = ct != NULL;
  c->vnet = one_xstrdup (getf (v, "ethernet%d.vnet", n));
  c->dvs_switch_id = one_steal_pointer (&dvs);
  c->dvs_portgroup_id = one_xstrdup (getf (v, "ethernet%d.dvs.portgroupId", n));
  c->dvs_port_id = one_xstrdup (getf (v, "ethernet%d.dvs.portId", n));
  c->dvs_connection_id =
    one_xstrdup (getf (v, "ethernet%d.dvs.connectionId", n));
  return 0;
}

static int
read_nics (const one_vmx *v, one_vmx_facts *f, const char *vname)
{
  /* ethernet0 .. the highest index seen in any key. */
  int max = -1;
  for (size_t i = 0; i < one_vmx_count (v); i++) {
    const char *k = one_vmx_key (v, i);
    if (strncasecmp (k, "ethernet", 8) != 0 || !isdigit ((unsigned char) k[8]))
      continue;
    char *end;
    long n = strtol (k + 8, &end, 10);
    if (*end == '.' && n > max && n < 10000)
      max = (int) n;
  }
  for (int n = 0; n <= max; n++)
    if (read_nic (v, f, vname, n) < 0)
      return -1;
  return 0;
}

one_vmx_facts *
one_vmx_facts_read (const one_vmx *v, const one_vmx_ctx *ctx)
{
  ONE_AUTO (one_vmx_facts) *f = one_xcalloc (1, sizeof *f);
  const char *vname = one_vmx_name (v);

  int64_t cv, hw;
  if (one_vmx_get_int (v, "config.version", 8, &cv) < 0
      || one_vmx_get_int (v, "virtualHW.version", 4, &hw) < 0)
    return NULL;
  if (cv != 8) {
    one_error ("vmx '%s': entry 'config.version' should be 8 but is %lld",
               vname, (long long) cv);
    return NULL;
  }
  if (hw < 4) {
    one_error ("vmx '%s': entry 'virtualHW.version' should be 4 or more but is "
               "%lld", vname, (long long) hw);
    return NULL;
  }

  const char *s;
  if ((s = one_vmx_get (v, "displayName"))) {
    f->name = one_xstrdup (s);
    percent_unescape (f->name);
  } else {
    /* as virt-v2v: the file name without folder and .vmx */
    const char *base = strrchr (vname, '/') ? strrchr (vname, '/') + 1 : vname;
    size_t bl = strlen (base);
    if (bl > 4 && strcasecmp (base + bl - 4, ".vmx") == 0)
      bl -= 4;
    f->name = one_xstrndup (base, bl);
  }
  if ((s = one_vmx_get (v, "uuid.bios"))
      && parse_uuid (vname, "uuid.bios", s, &f->bios_uuid) < 0)
    return NULL;
  if ((s = one_vmx_get (v, "vc.uuid"))) {
    if (parse_uuid (vname, "vc.uuid", s, &f->uuid) < 0)
      return NULL;
  } else
    f->uuid = one_xstrdup (f->bios_uuid);
  f->annotation = one_xstrdup (one_vmx_get (v, "annotation"));

  if (one_vmx_get_int (v, "memsize", 32, &f->memory_mib) < 0)
    return NULL;
  if (f->memory_mib <= 0 || f->memory_mib % 4 != 0) {
    one_error ("vmx '%s': entry 'memsize' should be a positive multiple of 4 but "
               "is %lld", vname, (long long) f->memory_mib);
    return NULL;
  }
  if (one_vmx_get_int (v, "numvcpus", 1, &f->vcpus) < 0)
    return NULL;
  if (f->vcpus <= 0 || f->vcpus > 4096) {
    one_error ("vmx '%s': entry 'numvcpus' should be a positive number but is "
               "%lld", vname, (long long) f->vcpus);
    return NULL;
  }
  if (one_vmx_get_int (v, "cpuid.coresPerSocket", 0, &f->cores_per_socket) < 0)
    return NULL;
  if (f->cores_per_socket < 0
      || (f->cores_per_socket > 0 && f->vcpus % f->cores_per_socket != 0)) {
    one_warn ("vmx '%s': 'cpuid.coresPerSocket' (%lld) does not divide 'numvcpus' "
              "(%lld): ignored", vname, (long long) f->cores_per_socket,
              (long long) f->vcpus);
    f->cores_per_socket = 0;
  }

  s = one_vmx_get (v, "firmware");
  if (!s || strcasecmp (s, "bios") == 0)
    f->firmware = one_xstrdup ("bios");
  else if (strcasecmp (s, "efi") == 0)
    f->firmware = one_xstrdup ("efi");
  else {
    one_error ("vmx '%s': entry 'firmware' should be 'bios' or 'efi' but is '%s'",
               vname, s);
    return NULL;
  }
  if (one_vmx_get_bool (v, "uefi.secureBoot.enabled", false, &f->secure_boot)
      < 0)
    return NULL;

  f->guest_os = one_xstrdup (one_vmx_get (v, "guestOS"));
  f->arch = one_xstrdup (f->guest_os && one_str_endswith (f->guest_os, "-64")
                         ? "x86_64" : "i686");

  const char *g0 = one_vmx_get (v, "vm.genid");
  const char *g1 = one_vmx_get (v, "vm.genidX");
  if (g0 && g1) {
    int64_t a, b;
    if (one_vmx_get_int (v, "vm.genid", 0, &a) < 0
        || one_vmx_get_int (v, "vm.genidX", 0, &b) < 0)
      return NULL;
    char hex[40];
    snprintf (hex, sizeof hex, "%016llx%016llx", (unsigned long long) a,
              (unsigned long long) b);
    if (parse_uuid (vname, "vm.genid", hex, &f->genid) < 0)
      return NULL;
  }

  if (read_disks (v, ctx, f, vname, hw) < 0 || read_nics (v, f, vname) < 0)
    return NULL;
  return one_steal_pointer (&f);
}

void
one_vmx_facts_free (one_vmx_facts *f)
{
  if (!f)
    return;
  free (f->name);
  free (f->uuid);
  free (f->bios_uuid);
  free (f->annotation);
  free (f->firmware);
  free (f->guest_os);
  free (f->arch);
  free (f->genid);
  for (size_t i = 0; i < f->n_disks; i++) {
    one_vmx_disk *d = &f->disks[i];
    free (d->bus);
    free (d->target);
    free (d->device);
    free (d->device_type);
    free (d->file_name);
    free (d->path);
    free (d->controller_model);
  }
  free (f->disks);
  for (size_t i = 0; i < f->n_nics; i++) {
    one_vmx_nic *c = &f->nics[i];
    free (c->mac);
    free (c->address_type);
    free (c->model);
    free (c->type);
    free (c->network);
    free (c->connection_type);
    free (c->vnet);
    free (c->dvs_switch_id);
    free (c->dvs_portgroup_id);
    free (c->dvs_port_id);
    free (c->dvs_connection_id);
  }
  free (f->nics);
  free (f);
}

int
one_vmx_esx_file_name (const char *fn, void *opaque, bool allow_missing,
                       char **out)
{
  (void) allow_missing;
  const char *vmx_path = opaque;
  *out = NULL;
  if (one_str_startswith (fn, "/vmfs/volumes/")) {
    const char *ds = fn + strlen ("/vmfs/volumes/");
    const char *sl = strchr (ds, '/');
    if (!sl || sl == ds || !sl[1]) {
      one_error ("vmx: file name '%s' is not /vmfs/volumes/<datastore>/<path>",
                 fn);
      return -1;
    }
    *out = one_xasprintf ("[%.*s] %s", (int) (sl - ds), ds, sl + 1);
    return 0;
  }
  if (fn[0] == '/' || !vmx_path) {
    *out = one_xstrdup (fn);
    return 0;
  }
  /* Relative to the folder of the .vmx. */
  const char *slash = strrchr (vmx_path, '/');
  ONE_AUTOFREE char *dir = slash ? one_xstrndup (vmx_path, slash - vmx_path)
                                 : one_xstrdup (".");
  ONE_AUTOFREE char *full = one_xasprintf ("%s/%s", dir, fn);
  if (one_str_startswith (full, "/vmfs/volumes/"))
    return one_vmx_esx_file_name (full, NULL, allow_missing, out);
  *out = one_steal_pointer (&full);
  return 0;
}
