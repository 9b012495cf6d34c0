/* esxmad: editing a registered VM's .vmx on ESX, over SSH: read it, merge
 * "key = value" lines into it (vmx.h: a key is replaced whatever its case,
 * never duplicated), write it back under a temporary name renamed into
 * place (ssh.h), and make ESX reload it (vim-cmd vmsvc/reload <vmid>). */
#include <ctype.h>
#include <string.h>

#include "esxmad.h"

/* The vmid of the VM named exactly 'name' in `vim-cmd vmsvc/getallvms`
 * output ("Vmid Name File Guest OS Version Annotation" lines; the name is
 * followed by spaces and the "[datastore] path" of its file). */
static char *
vmid_of (const char *list, const char *name)
{
  size_t nl = strlen (name);
  for (const char *p = list; p && *p;) {
    const char *eol = strchr (p, '\n');
    const char *q = p;
    while (isdigit ((unsigned char) *q))
      q++;
    if (q > p && (*q == ' ' || *q == '\t')) {
      const char *r = q + strspn (q, " \t");
      if (strncmp (r, name, nl) == 0 && (r[nl] == ' ' || r[nl] == '\t')) {
        const char *f = r + nl + strspn (r + nl, " \t");
        if (*f == '[')
          return one_xstrndup (p, q - p);
      }
    }
    p = eol ? eol + 1 : NULL;
  }
  return NULL;
}

char *
one_vmm_vmid_from_list (const char *list, const char *name)
{
  return vmid_of (list, name);
}

int
one_vmm_vmx_merge (one_vmm *v, const one_domain *d, const char *lines)
{
  ONE_AUTOFREE char *dspath = one_domain_vmx_dspath (d);
  if (dspath == NULL)
    return -1;
  ONE_AUTOFREE char *path = one_dspath_to_path (dspath);
  if (path == NULL) {
    one_error ("vm '%s': .vmx '%s' is not a datastore path", d->name, dspath);
    return -1;
  }
  ONE_AUTO (one_ssh) *s = one_ssh_connect (v->target);
  if (s == NULL)
    return -1;
  ONE_AUTOFREE char *cat = one_shcmd ("cat %s", path);
  one_buf text = { 0 };
  if (one_ssh_run_ok (s, "read .vmx", cat, NULL, 0, &text) < 0) {
    one_buf_free (&text);
    return -1;
  }
  ONE_AUTO (one_vmx) *vmx = one_vmx_parse (path, text.data ? text.data : "",
                                           text.len, 0);
  one_buf_free (&text);
  if (vmx == NULL)
    return -1;
  if (one_vmx_merge (vmx, lines) < 0) {
    one_error_prefix ("vm '%s' DATA_VMX", d->name);
    return -1;
  }
  ONE_AUTOFREE char *out = one_vmx_format (vmx);
  if (one_ssh_upload_mem (s, out, strlen (out), path, 0755) < 0)
    return -1;
  one_buf list = { 0 };
  if (one_ssh_run_ok (s, "vim-cmd vmsvc/getallvms", "vim-cmd vmsvc/getallvms",
                      NULL, 0, &list) < 0) {
    one_buf_free (&list);
    return -1;
  }
  ONE_AUTOFREE char *vmid = vmid_of (list.data ? list.data : "", d->name);
  one_buf_free (&list);
  if (vmid == NULL) {
    one_error ("vm '%s' not in vim-cmd vmsvc/getallvms on '%s'", d->name, v->host);
    return -1;
  }
  ONE_AUTOFREE char *reload = one_shcmd ("vim-cmd vmsvc/reload %s", vmid);
  if (one_ssh_run_ok (s, "vim-cmd vmsvc/reload", reload, NULL, 0, NULL) < 0)
    return -1;
  one_debug ("vm '%s': merged DATA_VMX into '%s' and reloaded vmid %s",
             d->name, path, vmid);
  return 0;
}
