/* Unit tests of the pure parts of src/lib/vi.c: request building and
 * escaping, response parsing, SOAP fault mapping, device specs. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "esxmad.h"

static char *
esc (const char *s)
{
  one_buf b = { 0 };
  one_vi_esc (&b, s);
  return one_buf_steal (&b);
}

static void
test_escape (void)
{
  char *s = esc ("a<b>&\"c'd");
  CHECK_STREQ (s, "a&lt;b&gt;&amp;&quot;c&apos;d");
  free (s);
  s = esc ("");
  CHECK_STREQ (s, "");
  free (s);
  s = esc ("tab\there\nnl\x01");
  CHECK_STREQ (s, "tab&#9;here&#10;nl");
  free (s);
  s = esc ("\xc3\xa9t\xc3\xa9");
  CHECK_STREQ (s, "\xc3\xa9t\xc3\xa9");
  free (s);
  s = esc ("]]></password><x>");
  CHECK_STREQ (s, "]]&gt;&lt;/password&gt;&lt;x&gt;");
  free (s);
}

/* Every value in an envelope survives a round trip through the parser,
 * whatever characters it holds. */
static void
test_envelope_roundtrip (void)
{
  static const char *const hostile[] = {
    "one-12", "a&b", "<tag>", "\"quoted\" 'single'", "]]>", "&amp;",
    "x\ny", "\xc3\xa9\xe2\x82\xac", "", "</userName><password>x",
    NULL
  };
  for (size_t i = 0; hostile[i]; i++) {
    one_buf p = { 0 };
    one_vi_param (&p, "userName", hostile[i]);
    one_vi_param (&p, "password", "p<&>'\"");
    char *env = one_vi_envelope ("Login", "SessionManager", "ha-<sm>", p.data);
    one_buf_free (&p);
    one_vi_node *root = one_vi_parse (env, strlen (env));
    CHECK (root != NULL);
    CHECK_STREQ (root->name, "Envelope");
    one_vi_node *m = one_vi_path (root, "Body/Login");
    CHECK (m != NULL);
    CHECK_STREQ (one_vi_text (m, "_this"), "ha-<sm>");
    CHECK_STREQ (one_vi_attr (one_vi_child (m, "_this"), "type"), "SessionManager");
    CHECK_STREQ (one_vi_text (m, "userName"), hostile[i]);
    CHECK_STREQ (one_vi_text (m, "password"), "p<&>'\"");
    CHECK (one_vi_child (m, "x") == NULL);
    one_vi_node_free (m);
    free (env);
  }
}

static const char fault_xml[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
  " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
  " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
  "<soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
  "<faultstring>Cannot complete login due to an incorrect user name or password.</faultstring>"
  "<detail><InvalidLoginFault xmlns=\"urn:vim25\" xsi:type=\"InvalidLogin\"></InvalidLoginFault>"
  "</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>";

/* vcsim's style: the instance namespace under another prefix, declared on
 * an ancestor, and a fault element without xsi:type. */
static const char fault_xml2[] =
  "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
  " xmlns:XMLSchema-instance=\"http://www.w3.org/2001/XMLSchema-instance\">"
  "<soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
  "<faultstring>The session is not authenticated.</faultstring>"
  "<detail><NotAuthenticatedFault xmlns=\"urn:vim25\"><object type=\"Folder\">f</object>"
  "</NotAuthenticatedFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>";

static void
test_faults (void)
{
  one_vi_node *r = one_vi_parse (fault_xml, strlen (fault_xml));
  CHECK (r != NULL);
  const char *type = NULL;
  CHECK (one_vi_fault (r, "Login", &type));
  CHECK_STREQ (type, "InvalidLogin");
  CHECK_STREQ (one_errmsg (), "vSphere Login: InvalidLogin: Cannot complete login "
               "due to an incorrect user name or password.");
  one_vi_node_free (r);

  r = one_vi_parse (fault_xml2, strlen (fault_xml2));
  CHECK (r != NULL);
  CHECK (one_vi_fault (r, "RetrievePropertiesEx", &type));
  CHECK_STREQ (type, "NotAuthenticated");
  CHECK_STREQ (one_errmsg (), "vSphere RetrievePropertiesEx: NotAuthenticated: "
               "The session is not authenticated.");
  one_vi_node_free (r);

  static const char ok[] =
    "<Envelope><Body><RetrieveServiceContentResponse><returnval>"
    "<rootFolder type=\"Folder\">ha-folder-root</rootFolder>"
    "</returnval></RetrieveServiceContentResponse></Body></Envelope>";
  r = one_vi_parse (ok, strlen (ok));
  CHECK (r != NULL);
  CHECK (!one_vi_fault (r, "RetrieveServiceContent", NULL));
  CHECK_STREQ (one_vi_text (r, "Body/RetrieveServiceContentResponse/returnval/rootFolder"),
               "ha-folder-root");
  one_vi_node_free (r);
}

static void
test_broken (void)
{
  static const char *const bad[] = {
    "", "<a>", "<a></b>", "not xml", "<a x='1' x='2'/>",
    "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
    "<?xml version=\"1.0\"?><a>&undefined;</a>",
    NULL
  };
  for (size_t i = 0; bad[i]; i++) {
    one_error_reset ();
    one_vi_node *r = one_vi_parse (bad[i], strlen (bad[i]));
    CHECK (r == NULL);
    CHECK (one_errmsg () != NULL);
  }
  /* Deep nesting is refused, not recursed into. */
  one_buf b = { 0 };
  for (int i = 0; i < 1000; i++)
    one_buf_puts (&b, "<a>");
  for (int i = 0; i < 1000; i++)
    one_buf_puts (&b, "</a>");
  CHECK (one_vi_parse (b.data, b.len) == NULL);
  one_buf_free (&b);
}

static const char devices_xml[] =
  "<val xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"ArrayOfVirtualDevice\">"
  "<VirtualDevice xsi:type=\"VirtualLsiLogicController\"><key>1000</key>"
  "<deviceInfo><label>SCSI controller 0</label><summary>LSI Logic</summary></deviceInfo>"
  "<controllerKey>100</controllerKey><unitNumber>3</unitNumber><busNumber>0</busNumber>"
  "<device>2000</device><sharedBus>noSharing</sharedBus></VirtualDevice>"
  "<VirtualDevice xsi:type=\"VirtualDisk\"><key>2000</key>"
  "<backing xsi:type=\"VirtualDiskFlatVer2BackingInfo\"><fileName>[0] 12/disk.0/disk.vmdk</fileName>"
  "<diskMode>persistent</diskMode></backing><controllerKey>1000</controllerKey>"
  "<unitNumber>0</unitNumber><capacityInKB>1024</capacityInKB></VirtualDevice>"
  "<VirtualDevice xsi:type=\"VirtualE1000\"><key>4000</key>"
  "<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\"><deviceName>VM &amp; Network</deviceName></backing>"
  "<addressType>manual</addressType><macAddress>02:00:0a:00:00:01</macAddress></VirtualDevice>"
  "</val>";

static void
test_devices (void)
{
  one_vi_node *devs = one_vi_parse (devices_xml, strlen (devices_xml));
  CHECK (devs != NULL);
  CHECK_STREQ (devs->type, "ArrayOfVirtualDevice");
  const one_vi_node *nic = one_vi_dev_by_mac (devs, "02:00:0A:00:00:01");
  CHECK (nic != NULL);
  CHECK_STREQ (nic->type, "VirtualE1000");
  CHECK (one_vi_dev_by_mac (devs, "02:00:0a:00:00:02") == NULL);
  const one_vi_node *c = one_vi_dev_scsi_ctrl (devs, 0);
  CHECK (c != NULL);
  CHECK (one_vi_dev_scsi_ctrl (devs, 1) == NULL);
  const one_vi_node *d = one_vi_dev_at (devs, 1000, 0);
  CHECK (d != NULL && one_streq (d->type, "VirtualDisk"));
  CHECK (one_vi_dev_at (devs, 1000, 1) == NULL);

  /* A removal spec carries the device back with its types and escaping. */
  one_vi_spec s = { 0 };
  one_vi_spec_remove (&s, nic);
  one_vi_spec_guest_id (&s, "otherGuest64");
  one_vi_spec_extra (&s, "pciBridge0.present", "TRUE");
  char *x = one_vi_spec_xml (&s);
  CHECK_STREQ (x, "<spec><guestId>otherGuest64</guestId>"
               "<deviceChange><operation>remove</operation>"
               "<device xsi:type=\"VirtualE1000\"><key>4000</key>"
               "<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\">"
               "<deviceName>VM &amp; Network</deviceName></backing>"
               "<addressType>manual</addressType>"
               "<macAddress>02:00:0a:00:00:01</macAddress></device></deviceChange>"
               "<extraConfig><key>pciBridge0.present</key>"
               "<value xsi:type=\"xsd:string\">TRUE</value></extraConfig></spec>");
  free (x);
  one_vi_spec_free (&s);

  one_vi_spec a = { 0 };
  one_vi_spec_nic_add (&a, "vmxnet3", "one-pg-<1>", "02:00:00:00:00:09", "net1");
  one_vi_spec_disk_add (&a, "[0] 12/disk.1/disk.vmdk", 1000, 1);
  x = one_vi_spec_xml (&a);
  CHECK (strstr (x, "<device xsi:type=\"VirtualVmxnet3\">") != NULL);
  CHECK (strstr (x, "<deviceName>one-pg-&lt;1&gt;</deviceName>") != NULL);
  CHECK (strstr (x, "<addressType>manual</addressType><macAddress>02:00:00:00:00:09</macAddress>") != NULL);
  CHECK (strstr (x, "<fileName>[0] 12/disk.1/disk.vmdk</fileName>") != NULL);
  CHECK (strstr (x, "<controllerKey>1000</controllerKey><unitNumber>1</unitNumber>") != NULL);
  CHECK (strstr (x, "fileOperation") == NULL);    /* existing file: no create */
  /* The spec parses as XML once wrapped with the namespace. */
  char *w = one_xasprintf ("<r xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                           " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">%s</r>", x);
  one_vi_node *p = one_vi_parse (w, strlen (w));
  CHECK (p != NULL);
  CHECK_STREQ (one_vi_path (p, "spec/deviceChange/device")->type, "VirtualVmxnet3");
  one_vi_node_free (p);
  free (w);
  free (x);
  one_vi_spec_free (&a);

  const char *models[][2] = { { "e1000", "VirtualE1000" }, { "E1000E", "VirtualE1000e" },
                              { "pcnet32", "VirtualPCNet32" }, { "virtio", "VirtualE1000" },
                              { NULL, "VirtualE1000" } };
  for (size_t i = 0; i < 5; i++) {
    one_vi_spec m = { 0 };
    one_vi_spec_nic_add (&m, models[i][0], "n", "02:00:00:00:00:01", NULL);
    char *want = one_xasprintf ("xsi:type=\"%s\"", models[i][1]);
    CHECK (strstr (m.devices.data, want) != NULL);
    free (want);
    one_vi_spec_free (&m);
  }
  one_vi_node_free (devs);
}

static void
test_traversal (void)
{
  one_buf b = { 0 };
  one_buf_puts (&b, "<r xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">");
  one_vi_traversal (&b, true, true, true);
  one_buf_puts (&b, "</r>");
  one_vi_node *r = one_vi_parse (b.data, b.len);
  CHECK (r != NULL);
  int n = 0;
  for (one_vi_node *k = one_vi_child (r, "selectSet"); k; k = one_vi_next (k)) {
    CHECK_STREQ (k->type, "TraversalSpec");
    n++;
  }
  CHECK (n == 6);
  one_vi_node_free (r);
  one_buf_free (&b);
}

int
main (void)
{
  test_escape ();
  test_envelope_roundtrip ();
  test_faults ();
  test_broken ();
  test_devices ();
  test_traversal ();
  return check_done ();
}
