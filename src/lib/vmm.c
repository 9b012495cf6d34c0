/* esxmad: the common start of the VMM actions. */
#include <ctype.h>
#include <string.h>

#include "esxmad.h"

one_vmm *
one_vmm_open_noconn (const char *host, bool *usage)
{
  *usage = false;
  ONE_AUTO (one_vmm) *v = one_xcalloc (1, sizeof *v);
  v->host = one_xstrdup (host);
  v->conf = one_conf_load_default ();
  if (v->conf == NULL) {
    *usage = true;
    return NULL;
  }
  v->target = one_conf_target (v->conf, host);
  if (v->target == NULL) {
    *usage = true;
    return NULL;
  }
  one_secret_register (v->target->password);
  return one_steal_pointer (&v);
}

one_vmm *
one_vmm_open (const char *host, bool *usage)
{
  ONE_AUTO (one_vmm) *v = one_vmm_open_noconn (host, usage);
  if (v == NULL)
    return NULL;
  v->conn = one_virt_open (v->target);
  if (v->conn == NULL) {
    one_error_prefix ("host '%s'", host);
    return NULL;
  }
  return one_steal_pointer (&v);
}

void
one_vmm_free (one_vmm *v)
{
  if (v == NULL)
    return;
  if (v->conn)
    one_virt_close (v->conn);
  one_target_free (v->target);
  one_conf_free (v->conf);
  free (v->host);
  free (v);
}

virDomainPtr
one_vmm_domain (one_vmm *v, const char *deploy_id)
{
  virDomainPtr d = one_virt_lookup (v->conn, deploy_id, NULL);
  if (d == NULL)
    one_error_prefix ("host '%s'", v->host);
  return d;
}

/* Is 'host' one of the HostSystems of the vCenter of 'c' (by name, or
 * its short name)?  1 yes, 0 no, -1 with one_error.  Asked through the
 * vSphere API (cached session) because libvirt 9.0 leaks its vCenter
 * session when a vpx:// path names no host. */
static int
vcenter_has_host (const one_conf *c, const char *host)
{
  ONE_AUTO (one_target) *vct = one_conf_target (c, c->vcenter);
  if (vct == NULL)
    return -1;
  ONE_AUTO (one_vi) *vi = one_vi_connect (vct);
  if (vi == NULL)
    return -1;
  one_buf s = { 0 };
  one_buf_puts (&s, "<specSet><propSet><type>HostSystem</type>"
                "<pathSet>name</pathSet></propSet><objectSet>");
  one_vi_moref (&s, "obj", "Folder", one_vi_root_folder (vi));
  one_buf_puts (&s, "<skip>false</skip>");
  one_vi_traversal (&s, false, true, false);
  one_buf_puts (&s, "</objectSet></specSet>");
  ONE_AUTO (one_vi_node) *all = one_vi_retrieve (vi, s.data);
  one_buf_free (&s);
  if (all == NULL)
    return -1;
  size_t n = strlen (host);
  for (one_vi_node *o = one_vi_child (all, "objects"); o; o = one_vi_next (o)) {
    const char *name = one_vi_text (one_vi_prop (o, "name"), NULL);
    if (one_streq (one_vi_obj_type (o), "HostSystem") && name
        && strncmp (name, host, n) == 0 && (name[n] == '\0' || name[n] == '.'))
      return 1;
  }
  return 0;
}

int
one_vmm_undefine (one_vmm *v, virDomainPtr dom)
{
  const one_conf *c = v->conf;
  if (!(c->vcenter && *c->vcenter && c->datacenter && *c->datacenter))
    return one_virt_undefine (dom);
  const char *name = virDomainGetName (dom);
  int has = vcenter_has_host (c, v->host);
  if (has < 0) {
    one_error_prefix ("undefine vm '%s' through vcenter '%s'", name,
                      c->vcenter);
    return -1;
  }
  if (has == 0) {
    one_warn ("vcenter '%s' does not manage host '%s': undefining vm '%s' "
              "on the host", c->vcenter, v->host, name);
    return one_virt_undefine (dom);
  }
  one_debug ("undefining vm '%s' through vcenter '%s'", name, c->vcenter);
  ONE_AUTO (virConnect) *vc = one_virt_open_vpx (c, v->host);
  if (vc == NULL) {
    one_error_prefix ("undefine vm '%s' through vcenter '%s'", name,
                      c->vcenter);
    return -1;
  }
  ONE_AUTO (virDomain) *vdom = one_virt_lookup (vc, name, NULL);
  if (vdom == NULL) {
    one_error_prefix ("vcenter '%s', host '%s'", c->vcenter, v->host);
    return -1;
  }
  return one_virt_undefine (vdom);
}

int
one_vmm_check_vid (const char *vid)
{
  int64_t n;
  if (one_parse_int64 (vid, 0, INT32_MAX, &n) < 0) {
    one_error ("vm id '%s': not a number", vid);
    return -1;
  }
  return 0;
}

/* libvirt 9.0 copies some values verbatim into the .vmx ("key = "value""
 * lines): a '"' or a newline (&#10; in the XML) in a NIC's bridge adds
 * keys of the caller's choosing.  Refuse them before anything is defined. */
static int
vmx_safe (const char *what, const char *value)
{
  if (value == NULL)
    return 0;
  for (const unsigned char *p = (const unsigned char *) value; *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == '"') {
      one_error ("%s '%s': control character or '\"' not allowed (it would "
                 "reach the .vmx unescaped)", what, value);
      return -1;
    }
  return 0;
}

/* A disk source must be "[<datastore>] <path>" naming a file inside that
 * datastore: libvirt puts the .vmx next to the first disk, and the .vmx
 * edit of DATA_VMX reads and writes there. */
static int
check_domain (const one_domain *d)
{
  if (vmx_safe ("vm name", d->name) < 0)
    return -1;
  if (d->name && strchr (d->name, '/')) {
    one_error ("vm name '%s': '/' not allowed", d->name);
    return -1;
  }
  for (size_t i = 0; i < d->n_nics; i++)
    if (vmx_safe ("nic bridge", d->nics[i].bridge) < 0
        || vmx_safe ("nic model", d->nics[i].model) < 0
        || vmx_safe ("nic mac", d->nics[i].mac) < 0)
      return -1;
  for (size_t i = 0; i < d->n_disks; i++) {
    const char *src = d->disks[i].source;
    if (src == NULL || vmx_safe ("disk source", src) < 0)
      return src ? -1 : 0;
    ONE_AUTOFREE char *path = one_dspath_to_path (src);
    const char *rest = strchr (src, ']');
    if (path == NULL || rest == NULL || rest[1] != ' ' || rest[2] == '/'
        || one_vmfs_path_check (path, NULL) < 0) {
      one_error ("disk source '%s': expected '[<datastore>] <path>' inside "
                 "the datastore (no '.', '..' or empty component)", src);
      return -1;
    }
  }
  return 0;
}

virDomainPtr
one_vmm_define (one_vmm *v, const one_domain *d)
{
  if (check_domain (d) < 0) {
    one_error_prefix ("%s", d->path);
    return NULL;
  }
  ONE_AUTOFREE char *xml = one_domain_libvirt_xml (d);
  virDomainPtr dom = one_virt_define (v->conn, xml);
  if (dom == NULL) {
    one_error_prefix ("host '%s': deployment '%s'", v->host, d->path);
    return NULL;
  }
  if (one_vmm_apply_metadata (v, dom, d) < 0) {
    ONE_AUTOFREE char *keep = one_xstrdup (one_errmsg ());
    if (one_vmm_undefine (v, dom) < 0)
      one_warn ("%s", one_errmsg ());
    one_error ("%s", keep);
    virDomainFree (dom);
    return NULL;
  }
  return dom;
}

int
one_vmm_ensure_running (virDomainPtr dom)
{
  int st = one_virt_state (dom);
  if (st < 0)
    return -1;
  switch (st) {
  case VIR_DOMAIN_RUNNING:
  case VIR_DOMAIN_BLOCKED:
    return 0;
  case VIR_DOMAIN_PAUSED:
  case VIR_DOMAIN_PMSUSPENDED:
    return one_virt_resume (dom);
  default:
    return one_virt_start (dom);
  }
}

one_vi *
one_vmm_vi (one_vmm *v, const char *deploy_id, char **vm)
{
  ONE_AUTO (one_vi) *vi = one_vi_connect (v->target);
  if (vi == NULL) {
    one_error_prefix ("host '%s'", v->host);
    return NULL;
  }
  *vm = one_vi_find_vm (vi, deploy_id, NULL);
  if (*vm == NULL)
    return NULL;
  return one_steal_pointer (&vi);
}

int
one_vmm_scsi_address (const char *target, int *bus, int *unit)
{
  if (target == NULL || strncmp (target, "sd", 2) != 0 || target[2] == '\0'
      || strlen (target) > 5)
    goto bad;
  int idx = 0, i = 0;
  for (const char *p = target + 2; *p; p++, i++) {
    if (*p < 'a' || *p > 'z')
      goto bad;
    idx = (idx + (i < 1 ? 0 : 1)) * 26 + (*p - 'a');   /* as libvirt */
  }
  *bus = idx / 15;
  *unit = idx % 15;
  if (*unit >= 7)
    (*unit)++;
  if (*bus > 3) {
    one_error ("disk target '%s': beyond the 4 SCSI controllers of a VM", target);
    return -1;
  }
  return 0;
bad:
  one_error ("disk target '%s': not a SCSI disk (sd<letter>); hot-plug needs DEV_PREFIX=sd",
             target ? target : "");
  return -1;
}

int
one_vmm_check_mac (const char *m)
{
  bool ok = strlen (m) == 17;
  for (int i = 0; ok && i < 17; i++)
    ok = i % 3 == 2 ? m[i] == ':' : isxdigit ((unsigned char) m[i]) != 0;
  if (!ok)
    one_error ("mac address '%s': expected xx:xx:xx:xx:xx:xx", m);
  return ok ? 0 : -1;
}

char *
one_vmm_disk_dspath (const char *p)
{
  /* Plain components only (one_vmfs_path_check: no '.', '..', empty
   * component or control character), at least <ds>/<vm>/disk.<n>: the
   * result must name a file inside that datastore.  Trailing '/' ignored. */
  static const char want[] = "expected /vmfs/volumes/<datastore>/<vm>/disk.<n>";
  ONE_AUTOFREE char *path = one_xstrdup (p ? p : "");
  size_t n = strlen (path);
  while (n > 1 && path[n - 1] == '/')
    path[--n] = '\0';
  ONE_AUTOFREE char *ds = NULL;
  if (one_vmfs_path_check (path, &ds) < 0) {
    ONE_AUTOFREE char *why = one_xstrdup (one_errmsg ());
    one_error ("disk %s (%s)", why, want);
    return NULL;
  }
  const char *rest = path + strlen ("/vmfs/volumes/") + strlen (ds) + 1;
  const char *base = strrchr (path, '/') + 1;
  if (strchr (rest, '/') == NULL || strpbrk (ds, "[]")
      || !one_str_startswith (base, "disk.") || base[5] == '\0'
      || strspn (base + 5, "0123456789") != strlen (base + 5)) {
    one_error ("disk path '%s': %s", p, want);
    return NULL;
  }
  return one_xasprintf ("[%s] %s/disk.vmdk", ds, rest);
}

int
one_vmm_api_open (one_vmm_api *a, const char *host, const char *deploy_id,
                  bool devices)
{
  bool usage;
  a->v = one_vmm_open_noconn (host, &usage);
  if (a->v == NULL)
    return usage ? ONE_EXIT_USAGE : ONE_EXIT_FAIL;
  a->vi = one_vmm_vi (a->v, deploy_id, &a->vm);
  if (a->vi == NULL)
    return ONE_EXIT_FAIL;
  if (devices && (a->devs = one_vi_vm_devices (a->vi, a->vm)) == NULL)
    return ONE_EXIT_FAIL;
  return 0;
}

void
one_vmm_api_close (one_vmm_api *a)
{
  if (a->devs)
    one_vi_node_free (a->devs);
  if (a->vi)
    one_vi_free (a->vi);
  free (a->vm);
  if (a->v)
    one_vmm_free (a->v);
  memset (a, 0, sizeof *a);
}
