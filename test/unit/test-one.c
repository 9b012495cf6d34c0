/* OpenNebula-side readers: deployment files as oned 4.4 writes them,
 * VMM_DRIVER_ACTION_DATA / DS_DRIVER_ACTION_DATA (base64 XML), transfer
 * manager arguments.  Data in test/data/xml. */
#include "esxmad.h"
#include "check.h"

static const char *datadir;

static char *
data_path (const char *name)
{
  return one_xasprintf ("%s/%s", datadir, name);
}

static char *
b64_of_file (const char *name)
{
  ONE_AUTOFREE char *p = data_path (name);
  ONE_AUTOFREE char *data = NULL;
  size_t len;
  if (one_read_file (p, 1 << 24, &data, &len) < 0)
    return NULL;
  return one_b64_encode (data, len);
}

static void
test_deployment (void)
{
  ONE_AUTOFREE char *p = data_path ("deployment-full.xml");
  ONE_AUTO (one_domain) *d = one_domain_load (p);
  CHECK (d != NULL);
  if (!d) {
    fprintf (stderr, "%s\n", one_errmsg ());
    return;
  }
  CHECK_STREQ (d->name, "one-42");
  CHECK (d->vcpu == 2);
  CHECK (d->memory_kib == 524288);
  CHECK_STREQ (d->arch, "x86_64");
  CHECK (d->n_boot == 2);
  if (d->n_boot == 2) {
    CHECK_STREQ (d->boot[0], "hd");
    CHECK_STREQ (d->boot[1], "cdrom");
  }
  CHECK (d->n_disks == 3);
  if (d->n_disks == 3) {
    CHECK_STREQ (d->disks[0].type, "file");
    CHECK_STREQ (d->disks[0].device, "disk");
    CHECK_STREQ (d->disks[0].source, "[0] 42/disk.0/disk.vmdk");
    CHECK_STREQ (d->disks[0].target, "sda");
    CHECK_STREQ (d->disks[0].driver, "file");
    CHECK (!d->disks[0].readonly);
    CHECK_STREQ (d->disks[1].type, "block");
    CHECK_STREQ (d->disks[1].source, "[0] 42/disk.1");
    CHECK (d->disks[1].readonly);
    CHECK (d->disks[1].driver == NULL);
    CHECK_STREQ (d->disks[2].device, "cdrom");
    CHECK_STREQ (d->disks[2].source, "[0] 42/disk.2.iso");
    CHECK_STREQ (d->disks[2].target, "hdc");
  }
  CHECK (d->n_nics == 2);
  if (d->n_nics == 2) {
    CHECK_STREQ (d->nics[0].bridge, "one-pg-3");
    CHECK_STREQ (d->nics[0].mac, "02:00:c0:a8:00:05");
    CHECK_STREQ (d->nics[0].model, "e1000");
    CHECK (d->nics[0].target == NULL && d->nics[0].script == NULL);
    CHECK_STREQ (d->nics[1].bridge, "VM Network");
    CHECK_STREQ (d->nics[1].target, "one-42-1");
    CHECK_STREQ (d->nics[1].script, "/bin/true");
    CHECK (d->nics[1].model == NULL);
  }
  CHECK (d->graphics != NULL);
  if (d->graphics) {
    CHECK_STREQ (d->graphics->type, "vnc");
    CHECK_STREQ (d->graphics->listen, "0.0.0.0");
    CHECK_STREQ (d->graphics->port, "5942");
    CHECK_STREQ (d->graphics->passwd, "vncS3cret");
    CHECK_STREQ (d->graphics->keymap, "es");
  }
  CHECK (d->n_other_devices == 1);
  if (d->n_other_devices == 1) {
    CHECK_STREQ (one_xml_name (d->other_devices[0]), "controller");
    CHECK_STREQ (one_xml_attr (d->other_devices[0], "model"), "lsilogic");
  }
  CHECK_STREQ (d->guestos, "otherLinux64Guest");
  CHECK (d->pcibridge == 1);
  CHECK_STREQ (d->datavmx,
               "ethernet0.virtualDev = \"vmxnet3\"\\nsched.mem.min = \"512\"");
  ONE_AUTOFREE char *lines = one_domain_datavmx_lines (d);
  CHECK_STREQ (lines, "ethernet0.virtualDev = \"vmxnet3\"\nsched.mem.min = \"512\"");
  ONE_AUTOFREE char *ds = one_domain_datastore (d);
  CHECK_STREQ (ds, "0");
  CHECK_STREQ (one_xml_doc_get (d->doc, "/domain/@type"), "vmware");

  /* What libvirt gets: the same text without <metadata>, still valid,
   * with every device kept. */
  ONE_AUTOFREE char *lx = one_domain_libvirt_xml (d);
  CHECK (lx && !strstr (lx, "metadata") && !strstr (lx, "datavmx")
         && !strstr (lx, "guestos"));
  CHECK (strstr (lx, "<devices><controller type='scsi' index='0' "
                 "model='lsilogic'/></devices>\n</domain>") != NULL);
  CHECK (strstr (lx, "\t<name>one-42</name>\n") != NULL);
  ONE_AUTO (one_domain) *d2 = one_domain_parse (lx, strlen (lx), "libvirt xml");
  CHECK (d2 && d2->n_disks == 3 && d2->n_nics == 2 && !d2->guestos
         && !d2->datavmx && d2->pcibridge == 0);

  /* The minimal file of a VM without vcpu, boot, NIC, graphics. */
  ONE_AUTOFREE char *pm = data_path ("deployment-minimal.xml");
  ONE_AUTO (one_domain) *m = one_domain_load (pm);
  CHECK (m != NULL);
  if (m) {
    CHECK (m->vcpu == 0 && m->memory_kib == 262144 && m->n_boot == 0);
    CHECK (m->n_disks == 1 && m->n_nics == 0 && !m->graphics);
    CHECK (!m->guestos && !m->datavmx && m->pcibridge == 0);
    ONE_AUTOFREE char *mds = one_domain_datastore (m);
    CHECK_STREQ (mds, "100");
    ONE_AUTOFREE char *mx = one_domain_libvirt_xml (m);
    ONE_AUTOFREE char *orig = NULL;
    size_t n;
    CHECK (one_read_file (pm, 1 << 20, &orig, &n) == 0);
    CHECK_STREQ (mx, orig);
    ONE_AUTOFREE char *lines2 = one_domain_datavmx_lines (m);
    CHECK_STREQ (lines2, "");
  }
}

static void
test_deployment_broken (void)
{
  static const struct { const char *file, *want; } cases[] = {
    { "bad-deployment-amp.xml", "line 32: not well-formed (invalid token) (oned does not escape '&'" },
    { "bad-deployment-lt.xml", "line 41: not well-formed" },
    { "bad-deployment-truncated.xml", "check the VM template" },
    { "bad-deployment-mismatch.xml", "line 9: mismatched tag" },
    { "bad-deployment-nomemory.xml", "no /domain/memory element" },
    { "bad-deployment-vcpu.xml", "line 3: /domain/vcpu: expected a whole number from 1 to 4096, found 'two'" },
    { "bad-deployment-root.xml", "line 1: root element is <dommain>, expected <domain>" },
    { "bad-deployment-notarget.xml", "line 8: disk without <target dev=...>" },
    { "bad-doctype-laughs.xml", "line 2: DOCTYPE 'lolz' is not allowed" },
    { "bad-doctype-external.xml", "DOCTYPE 'domain' is not allowed" },
    { "bad-doctype-plain.xml", "line 1: DOCTYPE 'domain' is not allowed" },
    { "bad-two-roots.xml", "line 2: junk after document element" },
    { "bad-empty.xml", "no element found" },
    { "bad-encoding.xml", "line 1: not well-formed" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ONE_AUTOFREE char *p = data_path (cases[i].file);
    ONE_AUTOFREE char *prefix = one_xasprintf ("deployment file '%s'", p);
    one_error_reset ();
    one_domain *d = one_domain_load (p);
    const char *m = one_errmsg ();
    bool ok = !d && m && strstr (m, cases[i].want) && strstr (m, prefix);
    if (!ok)
      fprintf (stderr, "%s: expected '%s', got '%s'\n", cases[i].file,
               cases[i].want, m ? m : "(none)");
    else
      printf ("ok %s: %s\n", cases[i].file, m);
    CHECK (ok);
    one_domain_free (d);
  }
  one_error_reset ();
  CHECK (one_domain_load ("/nonexistent/deployment.0") == NULL);
  CHECK (one_errmsg () && strstr (one_errmsg (), "/nonexistent/deployment.0"));
}

static void
test_action_data (void)
{
  ONE_AUTOFREE char *b = b64_of_file ("vmm-action-attach-disk.xml");
  CHECK (b != NULL);
  ONE_AUTO (one_xml_doc) *v = one_vmm_action_parse (b);
  CHECK (v != NULL);
  if (v) {
    CHECK_STREQ (one_vmm_action_get (v, "HOST"), "esx1");
    CHECK_STREQ (one_vmm_action_get (v, "DEPLOY_ID"), "one-42");
    CHECK_STREQ (one_vmm_action_get (v, "MIGR_HOST"), "");
    CHECK_STREQ (one_vmm_action_get (v, "DISK_TARGET_PATH"), "/vmfs/volumes/0/42/disk.3");
    CHECK_STREQ (one_vmm_action_get (v, "TM_COMMAND"),
                 "CLONE vmfs one-fe:/vmfs/volumes/1/6a1e3a7c2b3e8f0d5e9a8b7c6d5e4f3a "
                 "esx1:/vmfs/volumes/0/42/disk.3 42 1");
    CHECK_STREQ (one_vmm_action_get (v, "VM/NAME"), "web & db");
    CHECK_STREQ (one_vmm_action_get (v, "VM/TEMPLATE/DISK[DISK_ID=1]/TYPE"), "CDROM");
    CHECK_STREQ (one_vmm_action_get (v, "VM/TEMPLATE/DISK[ATTACH='YES']/TARGET"), "sdb");
    CHECK_STREQ (one_vmm_action_get (v, "VM/HISTORY_RECORDS/HISTORY/HOSTNAME"), "esx1");
    CHECK_STREQ (one_vmm_action_get (v, "VM/HISTORY_RECORDS/HISTORY/DS_ID"), "0");
    CHECK (one_vmm_action_get (v, "VM/TEMPLATE/DISK[DISK_ID=9]/TYPE") == NULL);
    one_xml **nics = NULL;
    int n = one_xml_find_all (one_xml_root (v), "VM/TEMPLATE/NIC", &nics);
    CHECK (n == 2);
    if (n == 2) {
      CHECK_STREQ (one_xml_get (nics[0], "BRIDGE"), "vSwitch0");
      CHECK_STREQ (one_xml_get (nics[0], "VLAN_ID"), "10");
      CHECK_STREQ (one_xml_get (nics[1], "MODEL"), "e1000");
      CHECK (one_xml_get (nics[1], "VLAN_ID") == NULL);
    }
    free (nics);
  }
  /* The <VM> alone, as vnm gets it. */
  ONE_AUTOFREE char *vmxml = NULL;
  if (v) {
    one_xml *vm = one_xml_find (one_xml_root (v), "VM");
    size_t s, e;
    one_xml_span (vm, &s, &e);
    const char *t = one_xml_doc_text (v, NULL);
    ONE_AUTOFREE char *raw = one_xstrndup (t + s, e - s);
    vmxml = one_b64_encode (raw, strlen (raw));
    ONE_AUTO (one_xml_doc) *vd = one_vm_xml_parse (vmxml);
    CHECK (vd && one_streq (one_xml_doc_get (vd, "/VM/ID"), "42"));
    one_error_reset ();
    CHECK (one_ds_action_parse (vmxml) == NULL);
    CHECK (one_errmsg () && strstr (one_errmsg (), "root element is <VM>, expected <DS_DRIVER_ACTION_DATA>"));
  }

  ONE_AUTOFREE char *c = b64_of_file ("ds-action-cp.xml");
  ONE_AUTO (one_xml_doc) *ds = one_ds_action_parse (c);
  CHECK (ds != NULL);
  if (ds) {
    CHECK_STREQ (one_ds_action_get (ds, "DATASTORE/BASE_PATH"), "/vmfs/volumes/1");
    CHECK_STREQ (one_ds_action_get (ds, "DATASTORE/ID"), "1");
    CHECK_STREQ (one_ds_action_get (ds, "DATASTORE/TEMPLATE/BRIDGE_LIST"), "esx1 esx2");
    CHECK_STREQ (one_ds_action_get (ds, "DATASTORE/TEMPLATE/DS_TMP_DIR"), "/var/lib/one/tmp");
    CHECK (one_ds_action_get (ds, "DATASTORE/TEMPLATE/RESTRICTED_DIRS") == NULL);
    CHECK (one_ds_action_get (ds, "DATASTORE/TEMPLATE/NO_DECOMPRESS") == NULL);
    CHECK_STREQ (one_ds_action_get (ds, "IMAGE/PATH"), "/var/tmp/ttylinux-vmdk.tar.gz");
    CHECK_STREQ (one_ds_action_get (ds, "IMAGE/TEMPLATE/MD5"), "0b2d2e0fc5e2b5a5d9a2f3c4e5f60718");
    CHECK (one_ds_action_get (ds, "IMAGE/TEMPLATE/SHA1") == NULL);
    CHECK_STREQ (one_ds_action_get (ds, "IMAGE/TYPE"), "0");
    CHECK_STREQ (one_ds_action_get (ds, "IMAGE/FSTYPE"), "");
    CHECK_STREQ (one_ds_action_get (ds, "IMAGE/SIZE"), "0");
    CHECK_STREQ (one_ds_action_get (ds, "IMAGE/TEMPLATE/DESCRIPTION"),
                 "ttylinux <small> & \"quoted\"");
  }
  ONE_AUTOFREE char *mo = b64_of_file ("ds-action-monitor.xml");
  ONE_AUTO (one_xml_doc) *dm = one_ds_action_parse (mo);
  CHECK (dm && one_streq (one_ds_action_get (dm, "DATASTORE/BASE_PATH"), "/vmfs/volumes/100"));
  CHECK (dm && one_ds_action_get (dm, "IMAGE/PATH") == NULL);

  /* Wrapped at 60 columns, as some encoders do: still read. */
  one_buf w = { 0 };
  for (size_t i = 0; i < strlen (c); i += 60) {
    one_buf_append (&w, c + i, strlen (c + i) < 60 ? strlen (c + i) : 60);
    one_buf_putc (&w, '\n');
  }
  ONE_AUTO (one_xml_doc) *dw = one_ds_action_parse (w.data);
  CHECK (dw && one_streq (one_ds_action_get (dw, "IMAGE/ID"), "7"));
  one_buf_free (&w);

  /* Broken action data. */
  struct { const char *b64, *want; } bad[] = {
    { "", "DS_DRIVER_ACTION_DATA: empty" },
    { "PERTX0RS", "DS_DRIVER_ACTION_DATA" },             /* bad base64 length */
    { "!!!!", "DS_DRIVER_ACTION_DATA" },
    { NULL, NULL },
  };
  for (int i = 0; bad[i].b64; i++) {
    one_error_reset ();
    CHECK (one_ds_action_parse (bad[i].b64) == NULL);
    CHECK (one_errmsg () && strstr (one_errmsg (), bad[i].want));
  }
  const char *xmls[][2] = {
    { "<DS_DRIVER_ACTION_DATA><IMAGE>", "DS_DRIVER_ACTION_DATA line 1: no element found" },
    { "<DS_DRIVER_ACTION_DATA><IMAGE><PATH>a&b</PATH></IMAGE></DS_DRIVER_ACTION_DATA>", "not well-formed" },
    { "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/shadow'>]><DS_DRIVER_ACTION_DATA>&e;</DS_DRIVER_ACTION_DATA>", "DOCTYPE" },
    { "<VMM_DRIVER_ACTION_DATA/>", "root element is <VMM_DRIVER_ACTION_DATA>" },
  };
  for (size_t i = 0; i < sizeof xmls / sizeof xmls[0]; i++) {
    ONE_AUTOFREE char *e = one_b64_encode (xmls[i][0], strlen (xmls[i][0]));
    one_error_reset ();
    CHECK (one_ds_action_parse (e) == NULL);
    bool ok = one_errmsg () && strstr (one_errmsg (), xmls[i][1]);
    if (!ok)
      fprintf (stderr, "action %zu: expected '%s', got '%s'\n", i, xmls[i][1],
               one_errmsg () ? one_errmsg () : "(none)");
    CHECK (ok);
  }
  one_error_reset ();
  ONE_AUTOFREE char *vmmbad = one_b64_encode ("<VMM_DRIVER_ACTION_DATA>", 24);
  CHECK (one_vmm_action_parse (vmmbad) == NULL);
  CHECK (one_errmsg () && strstr (one_errmsg (), "VMM_DRIVER_ACTION_DATA line 1"));
}

static void
test_tm_args (void)
{
  char *h = NULL, *p = NULL;
  CHECK (one_tm_split ("esx1:/vmfs/volumes/0/42/disk.0", &h, &p) == 0);
  CHECK_STREQ (h, "esx1");
  CHECK_STREQ (p, "/vmfs/volumes/0/42/disk.0");
  free (h); free (p);
  /* Only the first ':' splits. */
  CHECK (one_tm_split ("fe:/var/tmp/a:b", &h, &p) == 0);
  CHECK_STREQ (h, "fe");
  CHECK_STREQ (p, "/var/tmp/a:b");
  free (h); free (p);
  const char *badsplit[] = { "nocolon", ":/path", "host:", "", NULL };
  for (int i = 0; badsplit[i]; i++) {
    one_error_reset ();
    CHECK (one_tm_split (badsplit[i], &h, &p) == -1);
    CHECK (one_errmsg () && strstr (one_errmsg (), "expected host:path"));
  }

  CHECK (one_tm_disk_id ("/vmfs/volumes/0/42/disk.0") == 0);
  CHECK (one_tm_disk_id ("/vmfs/volumes/0/42/disk.17") == 17);
  CHECK (one_tm_disk_id ("disk.3") == 3);
  const char *badid[] = { "/vmfs/volumes/0/42", "/vmfs/volumes/0/42/disk.",
                          "/vmfs/volumes/0/42/disk.x", "/a/disk.1/",
                          "/a/disk.-1", "/a/disk.+1", "/a/disk.1.iso", NULL };
  for (int i = 0; badid[i]; i++) {
    one_error_reset ();
    CHECK (one_tm_disk_id (badid[i]) == -1);
    CHECK (one_errmsg () && strstr (one_errmsg (), "expected .../disk.<id>"));
  }

  char *ds = NULL;
  CHECK (one_vmfs_path_check ("/vmfs/volumes/0/42", &ds) == 0);
  CHECK_STREQ (ds, "0");
  free (ds);
  CHECK (one_vmfs_path_check ("/vmfs/volumes/datastore1 (2)/42/disk.0", &ds) == 0);
  CHECK_STREQ (ds, "datastore1 (2)");
  free (ds);
  CHECK (one_vmfs_path_check ("/vmfs/volumes/100/9d3c1b0e", NULL) == 0);
  static const struct { const char *p, *want; } badp[] = {
    { "/vmfs/volumes/0", "not under" },
    { "/vmfs/volumes/0/", "empty path component" },
    { "/vmfs/volumes/", "empty path component" },
    { "/vmfs/volumes", "not under" },
    { "/", "not under" },
    { "", "not under" },
    { "vmfs/volumes/0/42", "not under" },
    { "/tmp/x", "not under" },
    { "/vmfs/volumes/0/../../../etc", "'..'" },
    { "/vmfs/volumes/../0/x", "'..'" },
    { "/vmfs/volumes/0/./42", "'.'" },
    { "/vmfs/volumes/0//42", "empty path component" },
    { "/vmfs/volumes/0/42/", "empty path component" },
    { "/vmfs/volumes/0/42\n/x", "control character" },
    { "/vmfs/volumes/0/42\x1b[2J", "control character" },
    { "/vmfs/volumesX/0/42", "not under" },
  };
  for (size_t i = 0; i < sizeof badp / sizeof badp[0]; i++) {
    one_error_reset ();
    bool ok = one_vmfs_path_check (badp[i].p, NULL) == -1 && one_errmsg ()
      && strstr (one_errmsg (), badp[i].want);
    if (!ok)
      fprintf (stderr, "vmfs path %zu: expected '%s', got '%s'\n", i,
               badp[i].want, one_errmsg () ? one_errmsg () : "(accepted)");
    CHECK (ok);
  }
}

int
main (void)
{
  const char *src = getenv ("ESXMAD_SRC");
  ONE_AUTOFREE char *dd = one_xasprintf ("%s/test/data/xml", src ? src : ".");
  datadir = dd;
  test_deployment ();
  test_deployment_broken ();
  test_action_data ();
  test_tm_args ();
  return check_done ();
}
