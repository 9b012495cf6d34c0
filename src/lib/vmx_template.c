/* esxmad: OpenNebula template from VMX facts (see vmx_template.h). */
#include <string.h>

#include "util.h"
#include "vmx_template.h"

char *
one_template_quote (const char *s)
{
  one_buf b = { 0 };
  one_buf_putc (&b, '"');
  for (const unsigned char *p = (const unsigned char *) (s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\')
      one_buf_putc (&b, '\\');
    one_buf_putc (&b, (char) (*p < 0x20 || *p == 0x7f ? ' ' : *p));
  }
  one_buf_putc (&b, '"');
  return one_buf_steal (&b);
}

static void
attr (one_buf *b, bool *first, const char *name, const char *value)
{
  if (!value)
    return;
  char *q = one_template_quote (value);
  one_buf_printf (b, "%s%s = %s", *first ? " " : ",\n  ", name, q);
  *first = false;
  free (q);
}

static void
top (one_buf *b, const char *name, const char *value)
{
  if (!value)
    return;
  char *q = one_template_quote (value);
  one_buf_printf (b, "%s = %s\n", name, q);
  free (q);
}

static const char *
dev_prefix (const char *bus)
{
  if (!bus)
    return "sd";
  if (strcmp (bus, "ide") == 0)
    return "hd";
  if (strcmp (bus, "nvme") == 0)
    return "nvme";
  return "sd";
}

/* libvirt's name of a SCSI controller model, NULL for an unknown one. */
static const char *
libvirt_scsi_model (const char *m)
{
  if (strcmp (m, "pvscsi") == 0 || strcmp (m, "vmpvscsi") == 0)
    return "vmpvscsi";
  if (strcmp (m, "buslogic") == 0 || strcmp (m, "lsilogic") == 0
      || strcmp (m, "lsisas1068") == 0)
    return m;
  return NULL;
}

char *
one_vmx_template (const one_vmx_facts *f)
{
  one_buf b = { 0 };
  one_buf_puts (&b, "");
  char num[32];
  top (&b, "NAME", f->name);
  snprintf (num, sizeof num, "%lld", (long long) f->vcpus);
  top (&b, "CPU", num);
  top (&b, "VCPU", num);
  snprintf (num, sizeof num, "%lld", (long long) f->memory_mib);
  top (&b, "MEMORY", num);

  bool first = true;
  one_buf_puts (&b, "OS = [");
  attr (&b, &first, "ARCH", f->arch ? f->arch : "i686");
  bool efi = f->firmware && strcmp (f->firmware, "efi") == 0;
  attr (&b, &first, "FIRMWARE", efi ? "UEFI" : "BIOS");
  if (efi)
    attr (&b, &first, "FIRMWARE_SECURE", f->secure_boot ? "YES" : "NO");
  attr (&b, &first, "GUESTOS", f->guest_os);
  one_buf_puts (&b, " ]\n");

  for (size_t i = 0; i < f->n_disks; i++) {
    const one_vmx_disk *d = &f->disks[i];
    /* libvirt names SCSI and SATA both sdX: keep the first, let
     * OpenNebula choose for the other */
    bool clash = !d->target;
    for (size_t j = 0; j < i && !clash; j++)
      if (one_streq (f->disks[j].target, d->target))
        clash = true;
    const char *device = d->device ? d->device : "disk";
    bool cdrom = strcmp (device, "cdrom") == 0;
    if (d->block || !d->path || (!cdrom && strcmp (device, "disk") != 0)) {
      one_buf_printf (&b, "# not imported: %s %s %s (%s)\n",
                      d->bus ? d->bus : "?", d->target ? d->target : "?",
                      device,
                      d->block ? "host device" : d->path ? "unsupported"
                      : "no file");
      continue;
    }
    first = true;
    one_buf_puts (&b, "DISK = [");
    attr (&b, &first, "SOURCE", d->path);
    attr (&b, &first, "DEV_PREFIX", dev_prefix (d->bus));
    if (!clash)
      attr (&b, &first, "TARGET", d->target);
    if (cdrom) {
      attr (&b, &first, "TYPE", "CDROM");
      attr (&b, &first, "READONLY", "YES");
    }
    one_buf_puts (&b, " ]\n");
  }

  for (size_t i = 0; i < f->n_nics; i++) {
    const one_vmx_nic *c = &f->nics[i];
    const char *net = c->network ? c->network : c->dvs_portgroup_id;
    first = true;
    if (!net) {
      one_buf_printf (&b, "# not imported: ethernet%d (%s, no network)\n",
                      c->index, c->type ? c->type : "?");
      continue;
    }
    one_buf_puts (&b, "NIC = [");
    attr (&b, &first, "MAC", c->mac);
    attr (&b, &first, "MODEL", c->model);
    attr (&b, &first, "NETWORK", net);
    one_buf_puts (&b, " ]\n");
  }

  /* SCSI controller models, as libvirt needs them for hot-plug (spec §6). */
  one_buf raw = { 0 };
  int seen = 0;
  for (size_t i = 0; i < f->n_disks; i++) {
    const one_vmx_disk *d = &f->disks[i];
    if (!one_streq (d->bus, "scsi") || !d->controller_model
        || !libvirt_scsi_model (d->controller_model)
        || d->controller < 0 || d->controller > 15
        || (seen & (1 << d->controller)))
      continue;
    seen |= 1 << d->controller;
    one_buf_printf (&raw, "<controller type='scsi' index='%d' model='%s'/>",
                    d->controller, libvirt_scsi_model (d->controller_model));
  }
  if (raw.len) {
    ONE_AUTOFREE char *data = one_xasprintf ("<devices>%s</devices>",
                                             raw.data);
    first = true;
    one_buf_puts (&b, "RAW = [");
    attr (&b, &first, "TYPE", "vmware");
    attr (&b, &first, "DATA", data);
    one_buf_puts (&b, " ]\n");
  }
  one_buf_free (&raw);
  return one_buf_steal (&b);
}
