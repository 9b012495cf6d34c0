/* What the VMM actions derive from a deployment: the .vmx location,
 * DATA_VMX (also 4.0's raw form); the newest deployment.<n> by number. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esxmad.h"
#include "check.h"

static const char dfile44[] =
  "<domain type='vmware'>\n"
  "\t<name>one-12</name>\n"
  "\t<vcpu>2</vcpu>\n"
  "\t<memory>262144</memory>\n"
  "\t<os>\n\t\t<type arch='i686'>hvm</type>\n\t\t<boot dev='hd'/>\n\t</os>\n"
  "\t<devices>\n"
  "\t\t<disk type='file' device='cdrom'>\n"
  "\t\t\t<source file='[0] 12/disk.1.iso'/>\n\t\t\t<target dev='hdb'/>\n\t\t</disk>\n"
  "\t\t<disk type='file' device='disk'>\n"
  "\t\t\t<source file='[0] 12/disk.0/disk.vmdk'/>\n"
  "\t\t\t<target dev='sda'/>\n\t\t</disk>\n"
  "\t\t<interface type='bridge'>\n\t\t\t<source bridge='one-pg-3'/>\n"
  "\t\t\t<mac address='02:00:c0:a8:00:01'/>\n\t\t</interface>\n"
  "\t</devices>\n"
  "<devices><controller type='scsi' index='0' model='lsilogic'/></devices>"
  "\t<metadata><guestos>ubuntu64Guest</guestos>\n<pcibridge>1</pcibridge>"
  "<datavmx>a.b = \"1\"\\nUUID.bios = \"x y\"</datavmx></metadata>\n"
  "</domain>\n";

static const char dfile40[] =
  "<domain type='vmware'><name>one-3</name><memory>1024</memory>"
  "<os><type arch='i686'>hvm</type></os>"
  "<devices><disk type='file' device='disk'><source file='[1] disk.vmdk'/><target dev='sda'/>"
  "</disk></devices>"
  "<metadata>\n  sched.mem.min = \"1\"\\nfoo = \"bar\"\n</metadata></domain>";

int
main (void)
{
  ONE_AUTO (one_domain) *d = one_domain_parse (dfile44, sizeof dfile44 - 1, "d44");
  CHECK (d != NULL);
  if (d) {
    ONE_AUTOFREE char *v = one_domain_vmx_dspath (d);
    CHECK_STREQ (v, "[0] 12/disk.0/one-12.vmx");   /* the cdrom comes first */
    ONE_AUTOFREE char *p = one_dspath_to_path (v);
    CHECK_STREQ (p, "/vmfs/volumes/0/12/disk.0/one-12.vmx");
    CHECK_STREQ (one_domain_datavmx_raw (d), "a.b = \"1\"\\nUUID.bios = \"x y\"");
  }
  ONE_AUTO (one_domain) *d40 = one_domain_parse (dfile40, sizeof dfile40 - 1, "d40");
  CHECK (d40 != NULL);
  if (d40) {
    /* 4.0: the metadata's own text is DATA_VMX */
    CHECK (one_str_startswith (one_domain_datavmx_raw (d40), "sched.mem.min = \"1\"\\nfoo"));
    ONE_AUTOFREE char *v = one_domain_vmx_dspath (d40);
    CHECK_STREQ (v, "[1] one-3.vmx");
  }
  static const char nodisk[] = "<domain type='vmware'><name>one-1</name><memory>1024</memory>"
    "<os><type arch='i686'>hvm</type></os><devices/><metadata/></domain>";
  ONE_AUTO (one_domain) *dn = one_domain_parse (nodisk, sizeof nodisk - 1, "n");
  CHECK (dn != NULL);
  if (dn) {
    CHECK (one_domain_vmx_dspath (dn) == NULL);
    CHECK (one_domain_datavmx_raw (dn) == NULL);
  }

  CHECK (one_dspath_to_path ("/vmfs/x") == NULL);
  CHECK (one_dspath_to_path ("[] x") == NULL);

  /* newest by number */
  char tmpl[] = "/tmp/esxmad-dep-XXXXXX";
  CHECK (mkdtemp (tmpl) != NULL);
  const char *names[] = { "deployment.0", "deployment.9", "deployment.10",
                          "deployment.2", "deployment.x", "deployment.11~", NULL };
  for (int i = 0; names[i]; i++) {
    ONE_AUTOFREE char *p = one_xasprintf ("%s/%s", tmpl, names[i]);
    FILE *f = fopen (p, "w");
    CHECK (f != NULL);
    if (f) fclose (f);
  }
  ONE_AUTOFREE char *latest = one_deployment_latest (tmpl);
  ONE_AUTOFREE char *want = one_xasprintf ("%s/deployment.10", tmpl);
  CHECK_STREQ (latest, want);
  for (int i = 0; names[i]; i++) {
    ONE_AUTOFREE char *p = one_xasprintf ("%s/%s", tmpl, names[i]);
    unlink (p);
  }
  CHECK (one_deployment_latest (tmpl) == NULL);
  rmdir (tmpl);
  CHECK (one_deployment_latest (tmpl) == NULL);

  setenv ("ESXMAD_VMS_DIR", "/x/vms", 1);
  ONE_AUTOFREE char *vd = one_vms_dir ("7");
  CHECK_STREQ (vd, "/x/vms/7");
  unsetenv ("ESXMAD_VMS_DIR");
  setenv ("ONE_LOCATION", "/opt/one", 1);
  ONE_AUTOFREE char *vd2 = one_vms_dir ("7");
  CHECK_STREQ (vd2, "/opt/one/var/vms/7");
  unsetenv ("ONE_LOCATION");
  ONE_AUTOFREE char *vd3 = one_vms_dir ("7");
  CHECK_STREQ (vd3, "/var/lib/one/vms/7");
  return check_done ();
}
