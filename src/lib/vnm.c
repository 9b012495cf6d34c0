/* esxmad: network driver vnm/vmware (see vnm.h). */
#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "one.h"
#include "util.h"
#include "vnm.h"
#include "xml.h"

bool
one_vnm_vswitch_name_ok (const char *s)
{
  size_t n = 0;
  if (!s || !isalnum ((unsigned char) s[0]))
    return false;
  for (; s[n]; n++)
    if (!isalnum ((unsigned char) s[n]) && !strchr ("_.-", s[n]))
      return false;
  return n <= 32;
}

static bool
digits (const char *s, size_t max)
{
  size_t n = 0;
  if (!s)
    return false;
  for (; s[n]; n++)
    if (!isdigit ((unsigned char) s[n]))
      return false;
  return n > 0 && n <= max;
}

void
one_vnm_vm_free (one_vnm_vm *vm)
{
  if (!vm)
    return;
  for (size_t i = 0; i < vm->n_pgs; i++) {
    free (vm->pgs[i].name);
    free (vm->pgs[i].vswitch);
    free (vm->pgs[i].network_id);
  }
  free (vm->pgs);
  for (size_t i = 0; i < vm->n_nics; i++) {
    free (vm->nics[i].mac);
    free (vm->nics[i].pg);
  }
  free (vm->nics);
  free (vm->id);
  free (vm->host);
  free (vm);
}

/* Text of a child element, NULL when absent or empty. */
static const char *
nic_get (const one_xml *nic, const char *name)
{
  const char *v = one_xml_get (nic, name);
  return v && *v ? v : NULL;
}

static int
add_nic (one_vnm_vm *vm, const one_xml *nic, size_t idx)
{
  const char *nid = nic_get (nic, "NETWORK_ID");
  const char *br = nic_get (nic, "BRIDGE");
  const char *vlan = nic_get (nic, "VLAN");
  const char *vlan_id = nic_get (nic, "VLAN_ID");
  const char *nic_id = nic_get (nic, "NIC_ID");
  ONE_AUTOFREE char *which = one_xasprintf ("VM %s NIC %s", vm->id,
                                            nic_id ? nic_id : "?");
  (void) idx;
  if (!nid) {
    one_error ("%s: no NETWORK_ID (dynamic port groups need a virtual "
               "network)", which);
    return -1;
  }
  if (!digits (nid, 9)) {
    one_error ("%s: NETWORK_ID '%s' is not a number", which, nid);
    return -1;
  }
  if (!br) {
    one_error ("%s: no BRIDGE (the vSwitch of network %s)", which, nid);
    return -1;
  }
  if (!one_vnm_vswitch_name_ok (br)) {
    one_error ("%s: BRIDGE '%s' is not a vSwitch name (allowed: letters, "
               "digits, '_', '.', '-', at most 32, starting with a letter or "
               "digit)", which, br);
    return -1;
  }
  int v = 0;
  if (vlan && strcasecmp (vlan, "YES") == 0) {
    int64_t n;
    if (vlan_id) {
      if (!digits (vlan_id, 4)
          || one_parse_int64 (vlan_id, 0, 4094, &n) < 0) {
        one_error ("%s: VLAN_ID '%s' is not in 0..4094", which, vlan_id);
        return -1;
      }
    } else {
      n = ONE_VNM_START_VLAN + strtoll (nid, NULL, 10);
      if (n > 4094) {
        one_error ("%s: network %s has no VLAN_ID and the computed VLAN "
                   "%lld is above 4094; set VLAN_ID", which, nid,
                   (long long) n);
        return -1;
      }
    }
    v = (int) n;
  } else if (vlan && strcasecmp (vlan, "NO") != 0) {
    one_error ("%s: VLAN '%s' should be YES or NO", which, vlan);
    return -1;
  }
  ONE_AUTOFREE char *name = one_xasprintf (ONE_VNM_PG_PREFIX "%s", nid);
  const char *mac = nic_get (nic, "MAC");
  if (mac) {
    bool good = strlen (mac) == 17;
    for (int k = 0; good && k < 17; k++)
      good = k % 3 == 2 ? mac[k] == ':' : isxdigit ((unsigned char) mac[k]);
    if (!good) {
      one_error ("%s: MAC '%s' is not a MAC address", which, mac);
      return -1;
    }
    vm->nics = one_xrealloc (vm->nics, (vm->n_nics + 1) * sizeof *vm->nics);
    one_vnm_nic *n = &vm->nics[vm->n_nics++];
    n->mac = one_xstrdup (mac);
    for (char *c = n->mac; *c; c++)
      *c = (char) tolower ((unsigned char) *c);
    n->pg = one_xstrdup (name);
  }
  for (size_t i = 0; i < vm->n_pgs; i++) {
    one_vnm_pg *p = &vm->pgs[i];
    if (strcmp (p->name, name) != 0)
      continue;
    if (strcmp (p->vswitch, br) != 0 || p->vlan != v) {
      one_error ("%s: network %s is on vSwitch '%s' VLAN %d here, but on "
                 "'%s' VLAN %d in another NIC", which, nid, br, v, p->vswitch,
                 p->vlan);
      return -1;
    }
    return 0;
  }
  vm->pgs = one_xrealloc (vm->pgs, (vm->n_pgs + 1) * sizeof *vm->pgs);
  one_vnm_pg *p = &vm->pgs[vm->n_pgs++];
  p->name = one_steal_pointer (&name);
  p->vswitch = one_xstrdup (br);
  p->network_id = one_xstrdup (nid);
  p->vlan = v;
  return 0;
}

one_vnm_vm *
one_vnm_vm_read (const char *b64)
{
  ONE_AUTO (one_xml_doc) *doc = one_vm_xml_parse (b64);
  if (!doc)
    return NULL;
  one_xml *root = one_xml_root (doc);
  ONE_AUTO (one_vnm_vm) *vm = one_xcalloc (1, sizeof *vm);
  const char *id = one_xml_get (root, "ID");
  if (!digits (id, 12)) {
    one_error ("VM xml: ID '%s' is not a number", id ? id : "");
    return NULL;
  }
  vm->id = one_xstrdup (id);
  one_xml **hist = NULL;
  int nh = one_xml_find_all (root, "HISTORY_RECORDS/HISTORY", &hist);
  if (nh > 0) {
    const char *h = one_xml_get (hist[nh - 1], "HOSTNAME");
    vm->host = h && *h ? one_xstrdup (h) : NULL;
  }
  free (hist);
  if (!vm->host) {
    one_error ("VM %s: no HISTORY_RECORDS/HISTORY/HOSTNAME: the VM is not "
               "placed on a host", vm->id);
    return NULL;
  }
  one_xml **nics = NULL;
  int nn = one_xml_find_all (root, "TEMPLATE/NIC", &nics);
  if (nn < 0)
    return NULL;
  for (int i = 0; i < nn; i++)
    if (add_nic (vm, nics[i], i) < 0) {
      free (nics);
      return NULL;
    }
  free (nics);
  return one_steal_pointer (&vm);
}

/* ---- esxcfg-vswitch -l ------------------------------------------------- */

void
one_vnm_host_free (one_vnm_host *h)
{
  if (!h)
    return;
  for (size_t i = 0; i < h->n_vswitches; i++)
    free (h->vswitches[i]);
  free (h->vswitches);
  for (size_t i = 0; i < h->n_pgs; i++) {
    free (h->pgs[i].name);
    free (h->pgs[i].vswitch);
  }
  free (h->pgs);
  free (h);
}

/* Split on blanks into at most 'max' tokens (the line is modified). */
static int
tokens (char *line, char **tok, int max)
{
  int n = 0;
  for (char *s = strtok (line, " \t"); s; s = strtok (NULL, " \t")) {
    if (n == max)
      return max + 1;
    tok[n++] = s;
  }
  return n;
}

/* A vSwitch row: NAME NUM USED CONFIGURED MTU [UPLINKS]; the name may
 * hold spaces, so it is everything before the four numbers. */
static char *
vswitch_row (const char *line)
{
  ONE_AUTOFREE char *copy = one_xstrdup (line);
  char *tok[64];
  int n = tokens (copy, tok, 63);
  if (n < 5 || n > 63)
    return NULL;
  /* the last 4 or 5 tokens: numbers, then an optional uplink list */
  int end = n;
  if (!digits (tok[n - 1], 12))
    end = n - 1;
  if (end < 5)
    return NULL;
  for (int i = end - 4; i < end; i++)
    if (!digits (tok[i], 12))
      return NULL;
  /* the name: the original text up to the first number column */
  const char *start = line + strspn (line, " \t");
  size_t len = (size_t) (tok[end - 4] - copy) - (size_t) (start - line);
  char *name = one_xstrndup (start, len);
  size_t l = strlen (name);
  while (l > 0 && (name[l - 1] == ' ' || name[l - 1] == '\t'))
    name[--l] = '\0';
  return name;
}

one_vnm_host *
one_vnm_host_parse (const char *text)
{
  ONE_AUTO (one_vnm_host) *h = one_xcalloc (1, sizeof *h);
  ONE_AUTOFREE char *copy = one_xstrdup (text ? text : "");
  char *save = NULL;
  const char *cur = NULL;      /* current vSwitch (owned by h) */
  enum { NONE, SWITCH, PGS } state = NONE;
  for (char *line = strtok_r (copy, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    size_t l = strlen (line);
    while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' '))
      line[--l] = '\0';
    if (l == 0)
      continue;
    if (strncmp (line, "Switch Name", 11) == 0) {
      state = SWITCH;
      continue;
    }
    if (strstr (line, "PortGroup Name") && strstr (line, "VLAN ID")) {
      state = cur ? PGS : NONE;
      continue;
    }
    if (strstr (line, "DVS Name") == line) {   /* distributed switches: not ours */
      state = NONE;
      cur = NULL;
      continue;
    }
    if (state == SWITCH) {
      char *name = vswitch_row (line);
      if (name) {
        h->vswitches = one_xrealloc (h->vswitches,
                                     (h->n_vswitches + 1) * sizeof (char *));
        h->vswitches[h->n_vswitches++] = name;
        cur = name;
      } else
        cur = NULL;
      state = NONE;
      continue;
    }
    if (state == PGS) {
      ONE_AUTOFREE char *row = one_xstrdup (line);
      char *tok[8];
      int n = tokens (row, tok, 7);
      /* NAME VLAN USED [UPLINKS]; uplinks are never a bare number */
      if ((n == 3 || (n == 4 && !digits (tok[3], 12)))
          && digits (tok[1], 4) && digits (tok[2], 9)) {
        h->pgs = one_xrealloc (h->pgs, (h->n_pgs + 1) * sizeof *h->pgs);
        one_vnm_host_pg *p = &h->pgs[h->n_pgs++];
        p->name = one_xstrdup (tok[0]);
        p->vswitch = one_xstrdup (cur);
        p->vlan = atoi (tok[1]);
        p->used = atoi (tok[2]);
      }
    }
  }
  return one_steal_pointer (&h);
}

bool
one_vnm_host_has_vswitch (const one_vnm_host *h, const char *name)
{
  for (size_t i = 0; i < h->n_vswitches; i++)
    if (strcmp (h->vswitches[i], name) == 0)
      return true;
  return false;
}

const one_vnm_host_pg *
one_vnm_host_find_pg (const one_vnm_host *h, const char *name)
{
  for (size_t i = 0; i < h->n_pgs; i++)
    if (strcmp (h->pgs[i].name, name) == 0)
      return &h->pgs[i];
  return NULL;
}


/* ---- MAC -> port group records for attach_nic ------------------------- */

static char *
record_path (const char *cache_dir, const char *vid)
{
  return one_xasprintf ("%s/vnm/%s.nics", cache_dir, vid);
}

int
one_vnm_record (const char *cache_dir, const one_vnm_vm *vm)
{
  ONE_AUTOFREE char *dir = one_xasprintf ("%s/vnm", cache_dir);
  if (mkdir (cache_dir, 0700) < 0 && errno != EEXIST) {
    one_error ("mkdir '%s': %s", cache_dir, strerror (errno));
    return -1;
  }
  if (mkdir (dir, 0700) < 0 && errno != EEXIST) {
    one_error ("mkdir '%s': %s", dir, strerror (errno));
    return -1;
  }
  one_buf b = { 0 };
  one_buf_puts (&b, "");
  for (size_t i = 0; i < vm->n_nics; i++)
    one_buf_printf (&b, "%s %s\n", vm->nics[i].mac, vm->nics[i].pg);
  ONE_AUTOFREE char *path = record_path (cache_dir, vm->id);
  int r = one_write_file_atomic (path, b.data, b.len, 0600);
  one_buf_free (&b);
  return r;
}

char *
one_vnm_lookup_pg (const char *cache_dir, const char *vid, const char *mac)
{
  if (!digits (vid, 12)) {
    one_error ("vm id '%s' is not a number", vid);
    return NULL;
  }
  ONE_AUTOFREE char *path = record_path (cache_dir, vid);
  ONE_AUTOFREE char *data = NULL;
  size_t len;
  if (one_read_file (path, 1 << 20, &data, &len) < 0) {
    one_error_prefix ("port group of NIC '%s' of VM %s (recorded by vnm pre)",
                      mac, vid);
    return NULL;
  }
  char *save = NULL;
  for (char *l = strtok_r (data, "\n", &save); l; l = strtok_r (NULL, "\n", &save)) {
    char *sp = strchr (l, ' ');
    if (sp && (size_t) (sp - l) == strlen (mac) && strncasecmp (l, mac, sp - l) == 0)
      return one_xstrdup (sp + 1);
  }
  one_error ("port group of NIC '%s' of VM %s: not in '%s' (vnm pre did not "
             "see this NIC)", mac, vid, path);
  return NULL;
}

char *
one_vnm_attach_portgroup (const char *cache_dir, const char *vid,
                          const char *mac, const char *bridge,
                          const char *net_drv)
{
  if (!net_drv || strcmp (net_drv, "vmware") != 0)
    return one_xstrdup (bridge);
  char *pg = one_vnm_lookup_pg (cache_dir, vid, mac);
  if (pg)
    one_debug ("NIC '%s' of VM %s: port group '%s' (BRIDGE '%s')", mac, vid,
               pg, bridge);
  return pg;
}
