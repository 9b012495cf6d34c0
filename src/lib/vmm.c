/* esxmad: the common start of the VMM actions. */
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
    virConnectClose (v->conn);
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

virDomainPtr
one_vmm_define (one_vmm *v, const one_deployment *d)
{
  virDomainPtr dom = one_virt_define (v->conn, d->xml);
  if (dom == NULL) {
    one_error_prefix ("host '%s': deployment '%s'", v->host, d->path);
    return NULL;
  }
  if (one_vmm_apply_metadata (v, dom, d) < 0) {
    ONE_AUTOFREE char *keep = one_xstrdup (one_errmsg ());
    if (one_virt_undefine (dom) < 0)
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
