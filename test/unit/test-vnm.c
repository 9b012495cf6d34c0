/* vnm: VM XML reading (names, VLANs, refusals) and parsing of
 * `esxcfg-vswitch -l` (exact names, ambiguous rows left out). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "esxmad.h"

static char *
vm_b64 (const char *nics, const char *hist)
{
  ONE_AUTOFREE char *xml = one_xasprintf (
    "<VM><ID>42</ID><NAME>x</NAME><TEMPLATE>%s</TEMPLATE>"
    "<HISTORY_RECORDS>%s</HISTORY_RECORDS></VM>", nics, hist);
  return one_b64_encode (xml, strlen (xml));
}

#define HIST "<HISTORY><HOSTNAME>old</HOSTNAME></HISTORY>" \
  "<HISTORY><HOSTNAME>esx1</HOSTNAME></HISTORY>"

static one_vnm_vm *
R (const char *nics, const char *hist)
{
  ONE_AUTOFREE char *b = vm_b64 (nics, hist);
  one_error_reset ();
  return one_vnm_vm_read (b);
}

static void
test_vm (void)
{
  ONE_AUTO (one_vnm_vm) *vm = R (
    "<NIC><NIC_ID>0</NIC_ID><NETWORK_ID>7</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE>"
    "<VLAN>YES</VLAN><VLAN_ID>100</VLAN_ID></NIC>"
    "<NIC><NIC_ID>1</NIC_ID><NETWORK_ID>9</NETWORK_ID><BRIDGE>vSwitch1</BRIDGE>"
    "<VLAN>YES</VLAN></NIC>"
    "<NIC><NIC_ID>2</NIC_ID><NETWORK_ID>7</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE>"
    "<VLAN>YES</VLAN><VLAN_ID>100</VLAN_ID></NIC>"
    "<NIC><NIC_ID>3</NIC_ID><NETWORK_ID>3</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE>"
    "<VLAN>NO</VLAN></NIC>", HIST);
  CHECK (vm != NULL);
  if (!vm)
    return;
  CHECK_STREQ (vm->id, "42");
  CHECK_STREQ (vm->host, "esx1");             /* the last record */
  CHECK (vm->n_pgs == 3);                     /* network 7 once */
  CHECK_STREQ (vm->pgs[0].name, "one-pg-7");
  CHECK (vm->pgs[0].vlan == 100);
  CHECK_STREQ (vm->pgs[1].name, "one-pg-9");
  CHECK_STREQ (vm->pgs[1].vswitch, "vSwitch1");
  CHECK (vm->pgs[1].vlan == 11);              /* 2 + NETWORK_ID */
  CHECK (vm->pgs[2].vlan == 0);

  ONE_AUTO (one_vnm_vm) *none = R ("", HIST);
  CHECK (none && none->n_pgs == 0);

  const char *bad[] = {
    "<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>vSwitch0; rm -rf /</BRIDGE></NIC>",
    "<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>$(reboot)</BRIDGE></NIC>",
    "<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>-l</BRIDGE></NIC>",
    "<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>v Switch</BRIDGE></NIC>",
    "<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</BRIDGE></NIC>",
    "<NIC><NETWORK_ID>1 2</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE></NIC>",
    "<NIC><NETWORK_ID>1;id</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE></NIC>",
    "<NIC><NETWORK_ID>-1</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE></NIC>",
    "<NIC><BRIDGE>vSwitch0</BRIDGE></NIC>",
    "<NIC><NETWORK_ID>1</NETWORK_ID></NIC>",
    "<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE><VLAN>YES</VLAN>"
    "<VLAN_ID>4095</VLAN_ID></NIC>",
    "<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE><VLAN>YES</VLAN>"
    "<VLAN_ID>1a</VLAN_ID></NIC>",
    "<NIC><NETWORK_ID>4093</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE><VLAN>YES</VLAN></NIC>",
    "<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE><VLAN>maybe</VLAN></NIC>",
    "<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE></NIC>"
    "<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>vSwitch1</BRIDGE></NIC>",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    one_vnm_vm *v = R (bad[i], HIST);
    CHECK (v == NULL);
    CHECK (one_errmsg () && strstr (one_errmsg (), "VM 42"));
    if (v || !one_errmsg ())
      fprintf (stderr, "accepted: %s\n", bad[i]);
    one_vnm_vm_free (v);
  }
  one_vnm_vm *v = R ("<NIC><NETWORK_ID>1</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE></NIC>", "");
  CHECK (v == NULL && strstr (one_errmsg (), "not placed"));
  one_vnm_vm_free (v);
  v = one_vnm_vm_read ("bm90IHhtbA==");
  CHECK (v == NULL && one_errmsg ());
  CHECK (one_vnm_vswitch_name_ok ("vSwitch0"));
  CHECK (one_vnm_vswitch_name_ok ("a.b_c-d"));
  CHECK (!one_vnm_vswitch_name_ok (""));
  CHECK (!one_vnm_vswitch_name_ok ("-x"));
  CHECK (!one_vnm_vswitch_name_ok ("a'b"));
}

static void
test_list (void)
{
  const char *out =
    "Switch Name      Num Ports   Used Ports  Configured Ports  MTU     Uplinks\n"
    "vSwitch0         1536        5           128               1500    vmnic0\n"
    "\n"
    "  PortGroup Name        VLAN ID  Used Ports  Uplinks\n"
    "  VM Network            0        2           vmnic0\n"
    "  one-pg-7              100      0           vmnic0\n"
    "  one-pg-70             0        3           vmnic0\n"
    "  one-pg-8 0 1          0        0           vmnic0\n"
    "  Management Network    0        1           vmnic0\n"
    "\n"
    "Switch Name      Num Ports   Used Ports  Configured Ports  MTU     Uplinks\n"
    "My Switch 2      1536        1           128               1500\n"
    "\n"
    "  PortGroup Name        VLAN ID  Used Ports  Uplinks\n"
    "  one-pg-9              11       1\n"
    "\n"
    "DVS Name         Num Ports   Used Ports  Configured Ports  MTU     Uplinks\n"
    "dvSwitch         256         2           256               1500    vmnic1\n"
    "\n"
    "  DVPort ID           In Use      Client\n"
    "  one-pg-5            1           vmnic1\n";
  ONE_AUTO (one_vnm_host) *h = one_vnm_host_parse (out);
  CHECK (h->n_vswitches == 2);
  CHECK (one_vnm_host_has_vswitch (h, "vSwitch0"));
  CHECK (one_vnm_host_has_vswitch (h, "My Switch 2"));
  CHECK (!one_vnm_host_has_vswitch (h, "vSwitch"));
  const one_vnm_host_pg *p = one_vnm_host_find_pg (h, "one-pg-7");
  CHECK (p && p->vlan == 100 && p->used == 0 && one_streq (p->vswitch, "vSwitch0"));
  p = one_vnm_host_find_pg (h, "one-pg-70");
  CHECK (p && p->used == 3);
  CHECK (one_vnm_host_find_pg (h, "one-pg-8") == NULL);   /* ambiguous row */
  CHECK (one_vnm_host_find_pg (h, "one-pg") == NULL);
  p = one_vnm_host_find_pg (h, "one-pg-9");
  CHECK (p && p->vlan == 11 && p->used == 1 && one_streq (p->vswitch, "My Switch 2"));
  CHECK (one_vnm_host_find_pg (h, "one-pg-5") == NULL);   /* DVS rows */
  ONE_AUTO (one_vnm_host) *e = one_vnm_host_parse ("");
  CHECK (e->n_vswitches == 0 && e->n_pgs == 0);
  ONE_AUTO (one_vnm_host) *g = one_vnm_host_parse ("garbage\n\x01\x02\nSwitch Name\n\n");
  CHECK (g->n_vswitches == 0);
}

static void
test_record (void)
{
  char dir[] = "/tmp/test-vnm-XXXXXX";
  CHECK (mkdtemp (dir) != NULL);
  ONE_AUTOFREE char *cache = one_xasprintf ("%s/cache", dir);
  ONE_AUTO (one_vnm_vm) *vm = R (
    "<NIC><MAC>02:00:00:00:00:AA</MAC><NETWORK_ID>7</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE></NIC>"
    "<NIC><MAC>02:00:00:00:00:bb</MAC><NETWORK_ID>8</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE></NIC>",
    HIST);
  CHECK (vm && vm->n_nics == 2);
  CHECK (one_vnm_record (cache, vm) == 0);
  ONE_AUTOFREE char *a = one_vnm_lookup_pg (cache, "42", "02:00:00:00:00:aa");
  CHECK_STREQ (a, "one-pg-7");
  ONE_AUTOFREE char *b = one_vnm_lookup_pg (cache, "42", "02:00:00:00:00:BB");
  CHECK_STREQ (b, "one-pg-8");
  one_error_reset ();
  char *c = one_vnm_lookup_pg (cache, "42", "02:00:00:00:00:cc");
  CHECK (c == NULL && strstr (one_errmsg (), "not in"));
  c = one_vnm_lookup_pg (cache, "43", "02:00:00:00:00:aa");
  CHECK (c == NULL && strstr (one_errmsg (), "recorded by vnm pre"));
  c = one_vnm_lookup_pg (cache, "../42", "02:00:00:00:00:aa");
  CHECK (c == NULL);
  ONE_AUTOFREE char *d1 = one_vnm_attach_portgroup (cache, "42", "02:00:00:00:00:aa",
                                                   "vSwitch0", "vmware");
  CHECK_STREQ (d1, "one-pg-7");
  ONE_AUTOFREE char *d2 = one_vnm_attach_portgroup (cache, "42", "02:00:00:00:00:aa",
                                                   "VM Network", "dummy");
  CHECK_STREQ (d2, "VM Network");
  ONE_AUTOFREE char *d3 = one_vnm_attach_portgroup (cache, "42", "02:00:00:00:00:aa",
                                                   "VM Network", "-");
  CHECK_STREQ (d3, "VM Network");
  one_vnm_vm *bad = R ("<NIC><MAC>zz</MAC><NETWORK_ID>7</NETWORK_ID><BRIDGE>vSwitch0</BRIDGE></NIC>", HIST);
  CHECK (bad == NULL);
  ONE_AUTOFREE char *cmd = one_xasprintf ("rm -rf '%s'", dir);
  CHECK (system (cmd) == 0);
}

int
main (void)
{
  test_vm ();
  test_record ();
  test_list ();
  return check_done ();
}
