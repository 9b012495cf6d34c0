/* Unit tests of the output side of src/lib/monitor.c: the exact probe and
 * poll formats, edge values, quoting, and IMPORT_TEMPLATE built from an
 * API device list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check.h"
#include "esxmad.h"

static const char devices_xml[] =
  "<val xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
  "<VirtualDevice xsi:type=\"VirtualIDEController\"><key>200</key><busNumber>0</busNumber></VirtualDevice>"
  "<VirtualDevice xsi:type=\"VirtualIDEController\"><key>201</key><busNumber>1</busNumber></VirtualDevice>"
  "<VirtualDevice xsi:type=\"ParaVirtualSCSIController\"><key>1000</key><busNumber>0</busNumber></VirtualDevice>"
  "<VirtualDevice xsi:type=\"VirtualLsiLogicController\"><key>1001</key><busNumber>1</busNumber></VirtualDevice>"
  "<VirtualDevice xsi:type=\"VirtualDisk\"><key>2000</key>"
  "<backing xsi:type=\"VirtualDiskFlatVer2BackingInfo\"><fileName>[0] 12/disk.0/disk.vmdk</fileName></backing>"
  "<controllerKey>1000</controllerKey><unitNumber>0</unitNumber></VirtualDevice>"
  "<VirtualDevice xsi:type=\"VirtualDisk\"><key>2001</key>"
  "<backing xsi:type=\"VirtualDiskFlatVer2BackingInfo\"><fileName>[ds 1] x/\"q\".vmdk</fileName></backing>"
  "<controllerKey>1001</controllerKey><unitNumber>8</unitNumber></VirtualDevice>"
  "<VirtualDevice xsi:type=\"VirtualCdrom\"><key>3000</key>"
  "<backing xsi:type=\"VirtualCdromIsoBackingInfo\"><fileName>[0] 12/disk.1.iso</fileName></backing>"
  "<controllerKey>201</controllerKey><unitNumber>0</unitNumber></VirtualDevice>"
  "<VirtualDevice xsi:type=\"VirtualVmxnet3\"><key>4000</key>"
  "<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\"><deviceName>VM Network</deviceName></backing>"
  "<addressType>manual</addressType><macAddress>02:00:0A:00:00:01</macAddress></VirtualDevice>"
  "<VirtualDevice xsi:type=\"VirtualPCNet32\"><key>4001</key>"
  "<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\"><deviceName>one-pg-3</deviceName></backing>"
  "<addressType>generated</addressType><macAddress>00:0c:29:00:00:02</macAddress></VirtualDevice>"
  "</val>";

/* A QueryPerf answer: 'vm' with samples at t0, t0-20 (newest first) of
 * rx/tx KB/s, plus a per-NIC series that must be ignored. */
static char *
perf_answer (const char *vm, const char *t0, const char *t1, int rx0, int rx1,
             int tx0, int tx1)
{
  return one_xasprintf (
    "<QueryPerfResponse xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
    "<returnval xsi:type=\"PerfEntityMetric\"><entity type=\"VirtualMachine\">%s</entity>"
    "<sampleInfo><timestamp>%s</timestamp><interval>20</interval></sampleInfo>"
    "<sampleInfo><timestamp>%s</timestamp><interval>20</interval></sampleInfo>"
    "<value xsi:type=\"PerfMetricIntSeries\"><id><counterId>7</counterId><instance>4000</instance></id>"
    "<value>99999</value><value>99999</value></value>"
    "<value xsi:type=\"PerfMetricIntSeries\"><id><counterId>7</counterId><instance></instance></id>"
    "<value>%d</value><value>%d</value></value>"
    "<value xsi:type=\"PerfMetricIntSeries\"><id><counterId>8</counterId><instance></instance></id>"
    "<value>%d</value><value>%d</value></value>"
    "</returnval></QueryPerfResponse>", vm, t0, t1, rx0, rx1, tx0, tx1);
}

static void
test_net (void)
{
  char dir[] = "/tmp/test-monitor.XXXXXX";
  CHECK (mkdtemp (dir) != NULL);
  ONE_AUTOFREE char *path = one_xasprintf ("%s/net", dir);
  one_mon_vm vms[2] = {
    { .name = "one-1", .moref = "vm-1", .id = 1, .state = 'a' },
    { .name = "one-2", .moref = "vm-2", .id = 2, .state = 'a' },
  };
  one_mon m = { .host_moref = "ha-host", .cpu_mhz = 1000, .vms = vms, .n_vms = 2 };

  /* first sight: both samples count, 20 s each: (10 + 5) * 1024 * 20 */
  ONE_AUTOFREE char *a1 = perf_answer ("vm-1", "2026-11-23T18:00:40Z",
                                       "2026-11-23T18:00:20Z", 10, 5, 1, 2);
  one_vi_node *r = one_vi_parse (a1, strlen (a1));
  CHECK (r != NULL);
  CHECK (one_mon_net_update (&m, path, r, 7, 8) == 0);
  one_vi_node_free (r);
  CHECK (vms[0].net_rx == 15 * 1024 * 20 && vms[0].net_tx == 3 * 1024 * 20);
  CHECK (vms[1].net_rx == 0 && m.net_rx == 0);
  struct stat st;
  CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);

  /* next cycle 10 s later (the time zone written another way): the
   * sample at 18:00:40 is not counted again; the new one at 18:00:50
   * counts for the 10 s after the last one */
  vms[0].net_rx = vms[0].net_tx = 0;
  ONE_AUTOFREE char *a2 = perf_answer ("vm-1", "2026-11-23T19:00:50+01:00",
                                       "2026-11-23T18:00:40.000Z", 100, 10, 50, 1);
  r = one_vi_parse (a2, strlen (a2));
  CHECK (one_mon_net_update (&m, path, r, 7, 8) == 0);
  one_vi_node_free (r);
  CHECK (vms[0].net_rx == 15 * 1024 * 20 + 100 * 1024 * 10);
  CHECK (vms[0].net_tx == 3 * 1024 * 20 + 50 * 1024 * 10);
  char *line = one_mon_poll_line (&m, &vms[0]);
  ONE_AUTOFREE char *want = one_xasprintf ("STATE=a USEDCPU=0.00 USEDMEMORY=0 "
                                           "NETRX=%d NETTX=%d", 15 * 1024 * 20 + 100 * 1024 * 10,
                                           3 * 1024 * 20 + 50 * 1024 * 10);
  CHECK_STREQ (line, want);
  free (line);

  /* no answer (QueryPerf failed): the totals so far are still given */
  vms[0].net_rx = 0;
  CHECK (one_mon_net_update (&m, path, NULL, 7, 8) == 0);
  CHECK (vms[0].net_rx == 15 * 1024 * 20 + 100 * 1024 * 10);

  /* powered off: reported 0, and forgotten, so the next life starts at 0 */
  vms[0].state = 'd';
  vms[0].net_rx = 0;
  CHECK (one_mon_net_update (&m, path, NULL, 7, 8) == 0);
  CHECK (vms[0].net_rx == 0);
  vms[0].state = 'a';
  CHECK (one_mon_net_update (&m, path, NULL, 7, 8) == 0);
  CHECK (vms[0].net_rx == 0);

  /* a damaged file: bad lines are skipped, good ones kept */
  FILE *f = fopen (path, "w");
  fputs ("vm-2 nan 1 2\nvm-1 inf 1 2\ngarbage\nvm-2 1000 2000 1795450000\n", f);
  fclose (f);
  CHECK (one_mon_net_update (&m, path, NULL, 7, 8) == 0);
  CHECK (vms[1].net_rx == 1000 && vms[1].net_tx == 2000 && vms[0].net_rx == 0);

  /* a file that is not private is refused */
  CHECK (chmod (path, 0644) == 0);
  CHECK (one_mon_net_update (&m, path, NULL, 7, 8) == -1);
  CHECK (one_errmsg () && strstr (one_errmsg (), "not a private file"));
  one_error_reset ();
  unlink (path);
  rmdir (dir);
}

int
main (void)
{
  test_net ();
  one_mon m = { 0 };
  one_mon_ds ds[2] = {
    { "0", 107374182400LL, 53687091200LL + 1048575 },
    { "datastore \"1\"", 0, 0 },
  };
  one_mon_vm vms[3] = {
    { .name = "one-12", .id = 12, .state = 'a', .cpu_mhz = 114, .mem_mb = 465 },
    { .name = "one-13", .id = 13, .state = 'p', .cpu_mhz = 7, .mem_mb = 9 },
    { .name = "odd \"name\"\\x", .id = -1, .state = '-', .num_cpu = 2,
      .memory_mb = 512, .guest_id = "ubuntu64Guest" },
  };
  m.cpu_model = "Intel \"Xeon\"";
  m.cpu_mhz = 2294;
  m.cores = 2;
  m.memory_bytes = 4294430720LL;
  m.cpu_usage_mhz = 304;
  m.mem_usage_mb = 1864;
  m.ds = ds;
  m.n_ds = 2;
  m.vms = vms;
  m.n_vms = 3;

  char *p = one_mon_poll_line (&m, &vms[0]);
  CHECK_STREQ (p, "STATE=a USEDCPU=4.97 USEDMEMORY=476160 NETRX=0 NETTX=0");
  free (p);
  p = one_mon_poll_line (&m, &vms[1]);   /* not running: zeros */
  CHECK_STREQ (p, "STATE=p USEDCPU=0 USEDMEMORY=0 NETRX=0 NETTX=0");
  free (p);
  m.cpu_mhz = 0;                         /* no division by zero */
  p = one_mon_poll_line (&m, &vms[0]);
  CHECK_STREQ (p, "STATE=a USEDCPU=0.00 USEDMEMORY=476160 NETRX=0 NETTX=0");
  free (p);
  m.cpu_mhz = 2294;
  CHECK (one_mon_find_vm (&m, "one-12") == &vms[0]);
  CHECK (one_mon_find_vm (&m, "one-1") == NULL);

  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream (&buf, &len);
  one_mon_print (fp, &m);
  fclose (fp);
  const char *want_head =
    "HYPERVISOR=vmware\n"
    "MODELNAME=\"Intel \\\"Xeon\\\"\"\n"
    "CPUSPEED=2294\nTOTALCPU=200\nUSEDCPU=13.25\nFREECPU=186.75\n"
    "TOTALMEMORY=4193780\nUSEDMEMORY=1908736\nFREEMEMORY=2285044\n"
    "NETRX=0\nNETTX=0\n"
    "DS=[ID=\"0\",USED_MB=51200,TOTAL_MB=102400,FREE_MB=51200]\n"
    "DS=[ID=\"datastore \\\"1\\\"\",USED_MB=0,TOTAL_MB=0,FREE_MB=0]\n"
    "VM_POLL=YES\n"
    "VM=[ID=12,DEPLOY_ID=\"one-12\",POLL=\"STATE=a USEDCPU=4.97 USEDMEMORY=476160 NETRX=0 NETTX=0\"]\n"
    "VM=[ID=13,DEPLOY_ID=\"one-13\",POLL=\"STATE=p USEDCPU=0 USEDMEMORY=0 NETRX=0 NETTX=0\"]\n"
    "VM=[ID=-1,DEPLOY_ID=\"odd \\\"name\\\"\\\\x\",VM_NAME=\"odd \\\"name\\\"\\\\x\",IMPORT_TEMPLATE=\"";
  CHECK (strncmp (buf, want_head, strlen (want_head)) == 0);
  if (strncmp (buf, want_head, strlen (want_head)) != 0)
    fprintf (stderr, "got:\n%s\n", buf);
  CHECK (one_str_endswith (buf, ",POLL=\"STATE=- USEDCPU=0 USEDMEMORY=0 NETRX=0 NETTX=0\"]\n"));
  /* the template inside decodes and names the VM */
  const char *t64 = buf + strlen (want_head);
  size_t tl = strcspn (t64, "\"");
  char *enc = one_xstrndup (t64, tl), *dec = NULL;
  size_t dl = 0;
  CHECK (one_b64_decode (enc, &dec, &dl) == 0);
  CHECK (dec && strstr (dec, "NAME = \"odd \\\"name\\\"\\\\x\"\n") != NULL);
  CHECK (dec && strstr (dec, "MEMORY = \"512\"\n") != NULL);
  free (enc);
  free (dec);
  free (buf);

  /* IMPORT_TEMPLATE from an API device list */
  one_vi_node *devs = one_vi_parse (devices_xml, strlen (devices_xml));
  CHECK (devs != NULL);
  one_mon_vm w = { .name = "web", .id = -1, .state = 'd', .num_cpu = 4,
                   .memory_mb = 2048, .guest_id = "otherGuest",
                   .firmware = "efi", .devices = devs };
  char *t = one_mon_vm_template (&w);
  CHECK (strstr (t, "NAME = \"web\"\nCPU = \"4\"\nVCPU = \"4\"\nMEMORY = \"2048\"\n") == t);
  CHECK (strstr (t, "ARCH = \"i686\"") != NULL);
  CHECK (strstr (t, "FIRMWARE = \"UEFI\"") != NULL);
  CHECK (strstr (t, "GUESTOS = \"otherGuest\"") != NULL);
  CHECK (strstr (t, "SOURCE = \"[0] 12/disk.0/disk.vmdk\",\n  DEV_PREFIX = \"sd\",\n  TARGET = \"sda\"") != NULL);
  /* SCSI 1:8 -> index 15 + 7 = 22 -> sdw; the quote escaped */
  CHECK (strstr (t, "SOURCE = \"[ds 1] x/\\\"q\\\".vmdk\",\n  DEV_PREFIX = \"sd\",\n  TARGET = \"sdw\"") != NULL);
  /* CD-ROM on IDE 1:0 -> hdc */
  CHECK (strstr (t, "SOURCE = \"[0] 12/disk.1.iso\",\n  DEV_PREFIX = \"hd\",\n  TARGET = \"hdc\",\n  TYPE = \"CDROM\"") != NULL);
  CHECK (strstr (t, "MAC = \"02:00:0a:00:00:01\",\n  MODEL = \"vmxnet3\",\n  NETWORK = \"VM Network\"") != NULL);
  CHECK (strstr (t, "MAC = \"00:0c:29:00:00:02\",\n  MODEL = \"vlance\",\n  NETWORK = \"one-pg-3\"") != NULL);
  CHECK (strstr (t, "model='vmpvscsi'") != NULL);
  CHECK (strstr (t, "index='1' model='lsilogic'") != NULL);
  if (check_failures)
    fprintf (stderr, "template:\n%s", t);
  free (t);
  one_vi_node_free (devs);
  return check_done ();
}
