/* esxmad: network driver vnm/vmware, the actions over SSH (see vnm.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "shq.h"
#include "util.h"
#include "vnm.h"

#include "ssh.h"

/* ---- actions over SSH -------------------------------------------------- */

static one_vnm_host *
host_list (one_ssh *s)
{
  one_buf out = { 0 };
  if (one_ssh_run_ok (s, "esxcfg-vswitch -l", "esxcfg-vswitch -l", NULL, 0,
                      &out) < 0) {
    one_buf_free (&out);
    return NULL;
  }
  one_vnm_host *h = one_vnm_host_parse (out.data);
  one_buf_free (&out);
  if (h->n_vswitches == 0) {
    one_error ("esxcfg-vswitch -l on '%s': no vSwitch in the output",
               one_ssh_name (s));
    one_vnm_host_free (h);
    return NULL;
  }
  return h;
}

static int
run (one_ssh *s, const char *what, const char *cmd)
{
  if (!cmd)
    return -1;
  one_debug ("%s: %s", one_ssh_name (s), cmd);
  return one_ssh_run_ok (s, what, cmd, NULL, 0, NULL);
}

static int
set_vlan (one_ssh *s, const one_vnm_pg *p, const char *vswitch)
{
  ONE_AUTOFREE char *what = one_xasprintf ("set VLAN %d on port group '%s'",
                                           p->vlan, p->name);
  ONE_AUTOFREE char *vl = one_xasprintf ("--vlan=%d", p->vlan);
  ONE_AUTOFREE char *pg = one_xasprintf ("--pg=%s", p->name);
  ONE_AUTOFREE char *cmd = one_shcmd ("esxcfg-vswitch %s %s %s", pg, vl,
                                      vswitch);
  return run (s, what, cmd);
}

int
one_vnm_ensure (one_ssh *s, const one_vnm_vm *vm, int *created)
{
  int made = 0;
  if (created)
    *created = 0;
  if (vm->n_pgs == 0)
    return 0;
  ONE_AUTO (one_vnm_host) *h = host_list (s);
  if (!h)
    return -1;
  for (size_t i = 0; i < vm->n_pgs; i++) {
    const one_vnm_pg *p = &vm->pgs[i];
    if (!one_vnm_host_has_vswitch (h, p->vswitch)) {
      one_error ("host '%s': vSwitch '%s' (BRIDGE of network %s) does not "
                 "exist; esxmad does not create vSwitches", vm->host,
                 p->vswitch, p->network_id);
      return -1;
    }
    const one_vnm_host_pg *hp = one_vnm_host_find_pg (h, p->name);
    if (hp && strcmp (hp->vswitch ? hp->vswitch : "", p->vswitch) != 0) {
      one_error ("host '%s': port group '%s' exists on vSwitch '%s', not on "
                 "'%s' (BRIDGE of network %s)", vm->host, p->name,
                 hp->vswitch ? hp->vswitch : "?", p->vswitch, p->network_id);
      return -1;
    }
    if (!hp) {
      ONE_AUTOFREE char *what = one_xasprintf ("add port group '%s' to '%s'",
                                               p->name, p->vswitch);
      ONE_AUTOFREE char *add = one_xasprintf ("--add-pg=%s", p->name);
      ONE_AUTOFREE char *cmd = one_shcmd ("esxcfg-vswitch %s %s", add,
                                          p->vswitch);
      if (run (s, what, cmd) < 0) {
        /* Another deploy may have made it meanwhile: check, exactly. */
        ONE_AUTOFREE char *saved = one_xstrdup (one_errmsg ());
        ONE_AUTOFREE char *chk = one_xasprintf ("--check-pg=%s", p->name);
        ONE_AUTOFREE char *ccmd = one_shcmd ("esxcfg-vswitch %s", chk);
        one_buf out = { 0 };
        bool there = ccmd && one_ssh_run_ok (s, "esxcfg-vswitch --check-pg",
                                             ccmd, NULL, 0, &out) == 0
          && out.data && strcmp (out.data, "1\n") == 0;
        one_buf_free (&out);
        if (!there) {
          one_error ("%s", saved);
          return -1;
        }
        one_log ("port group '%s' was created meanwhile", p->name);
      } else {
        made++;
        one_log ("host '%s': port group '%s' added to vSwitch '%s'",
                 vm->host, p->name, p->vswitch);
      }
      if (p->vlan != 0 && set_vlan (s, p, p->vswitch) < 0)
        return -1;
    } else if (hp->vlan != p->vlan) {
      one_log ("host '%s': port group '%s' VLAN %d -> %d", vm->host, p->name,
               hp->vlan, p->vlan);
      if (set_vlan (s, p, p->vswitch) < 0)
        return -1;
    }
  }
  /* Check the result in a fresh listing. */
  one_vnm_host_free (one_steal_pointer (&h));
  h = host_list (s);
  if (!h)
    return -1;
  for (size_t i = 0; i < vm->n_pgs; i++) {
    const one_vnm_pg *p = &vm->pgs[i];
    const one_vnm_host_pg *hp = one_vnm_host_find_pg (h, p->name);
    if (!hp || !one_streq (hp->vswitch, p->vswitch) || hp->vlan != p->vlan) {
      one_error ("host '%s': port group '%s' is not on vSwitch '%s' with "
                 "VLAN %d after esxcfg-vswitch", vm->host, p->name,
                 p->vswitch, p->vlan);
      return -1;
    }
  }
  if (created)
    *created = made;
  return 0;
}

int
one_vnm_clean (one_ssh *s, const one_vnm_vm *vm, int *removed)
{
  int gone = 0;
  if (removed)
    *removed = 0;
  if (vm->n_pgs == 0)
    return 0;
  ONE_AUTO (one_vnm_host) *h = host_list (s);
  if (!h)
    return -1;
  for (size_t i = 0; i < vm->n_pgs; i++) {
    const one_vnm_pg *p = &vm->pgs[i];
    const one_vnm_host_pg *hp = one_vnm_host_find_pg (h, p->name);
    if (!hp) {
      one_debug ("port group '%s' is not on host '%s'", p->name, vm->host);
      continue;
    }
    if (hp->used > 0) {
      one_log ("host '%s': port group '%s' kept: %d port(s) in use",
               vm->host, p->name, hp->used);
      continue;
    }
    if (!hp->vswitch || !one_vnm_vswitch_name_ok (hp->vswitch)) {
      one_error ("host '%s': port group '%s' is on vSwitch '%s', a name "
                 "esxmad refuses", vm->host, p->name,
                 hp->vswitch ? hp->vswitch : "?");
      return -1;
    }
    ONE_AUTOFREE char *what = one_xasprintf ("remove port group '%s' from '%s'",
                                             p->name, hp->vswitch);
    ONE_AUTOFREE char *del = one_xasprintf ("--del-pg=%s", p->name);
    ONE_AUTOFREE char *cmd = one_shcmd ("esxcfg-vswitch %s %s", del,
                                        hp->vswitch);
    if (run (s, what, cmd) < 0)
      return -1;
    gone++;
    one_log ("host '%s': port group '%s' removed from vSwitch '%s' (unused)",
             vm->host, p->name, hp->vswitch);
  }
  if (removed)
    *removed = gone;
  return 0;
}

/* Read the VM XML; when it has port groups, load the configuration and
 * open SSH to its host (*conf and *ssh stay NULL otherwise). */
static one_vnm_vm *
vnm_open (const char *b64, const char *host, one_conf **conf, one_ssh **ssh,
          bool *usage)
{
  *usage = false;
  *ssh = NULL;
  *conf = NULL;
  ONE_AUTO (one_vnm_vm) *vm = one_vnm_vm_read (b64);
  if (!vm)
    return NULL;
  if (host) {
    bool good = *host && *host != '-' && strlen (host) < 256;
    for (const char *p = host; good && *p; p++)
      good = isalnum ((unsigned char) *p) || strchr ("._-:", *p);
    if (!good) {
      one_error ("host name '%s' refused (letters, digits, '.', '_', '-', ':')",
                 host);
      *usage = true;
      return NULL;
    }
    free (vm->host);
    vm->host = one_xstrdup (host);
  }
  if (vm->n_pgs == 0)
    return one_steal_pointer (&vm);
  ONE_AUTO (one_conf) *c = one_conf_load_default ();
  if (!c) {
    *usage = true;
    return NULL;
  }
  if (c->password && *c->password)
    one_secret_register (c->password);
  ONE_AUTO (one_target) *t = one_conf_target (c, vm->host);
  if (!t) {
    *usage = true;
    return NULL;
  }
  *ssh = one_ssh_connect (t);
  if (!*ssh)
    return NULL;
  *conf = one_steal_pointer (&c);
  return one_steal_pointer (&vm);
}

int
one_vnm_action_pre (const char *b64, const char *host, bool *usage)
{
  ONE_AUTO (one_ssh) *ssh = NULL;
  ONE_AUTO (one_conf) *c = NULL;
  ONE_AUTO (one_vnm_vm) *vm = vnm_open (b64, host, &c, &ssh, usage);
  if (!vm)
    return -1;
  if (!ssh) {
    one_debug ("VM %s has no NIC: nothing to do", vm->id);
    return 0;
  }
  int created;
  if (one_vnm_ensure (ssh, vm, &created) < 0
      || one_vnm_record (c->cache_dir, vm) < 0)
    return -1;
  one_debug ("VM %s on '%s': %zu port group(s) ready, %d created", vm->id,
             vm->host, vm->n_pgs, created);
  return 0;
}

int
one_vnm_action_clean (const char *b64, const char *host, bool *usage)
{
  ONE_AUTO (one_ssh) *ssh = NULL;
  ONE_AUTO (one_conf) *c = NULL;
  ONE_AUTO (one_vnm_vm) *vm = vnm_open (b64, host, &c, &ssh, usage);
  if (!vm)
    return -1;
  if (!ssh)
    return 0;
  int removed;
  if (one_vnm_clean (ssh, vm, &removed) < 0)
    return -1;
  one_debug ("VM %s on '%s': %d port group(s) removed", vm->id, vm->host,
             removed);
  return 0;
}
