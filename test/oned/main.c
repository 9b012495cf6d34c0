/* oned: plays OpenNebula 4.4's oned and driver layer against installed
 * esxmad programs.  Protocol lines oned would read go to stdout, "# ..."
 * lines are decoded summaries, violations and traces go to stderr.
 * Exit: 0 success, 1 the action failed (a well-formed FAILURE), 2 usage or
 * harness error, 3 a reply that would break oned (a protocol violation). */
#include "oned.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
usage (void)
{
  fputs (
"usage: oned [--trace] COMMAND ...   (needs ONE_LOCATION; remotes under $ONE_LOCATION/var/remotes)\n"
"  deployment VM.xml            write var/vms/<vid>/deployment.<seq> as LibVirtDriverVMware @4.4; print its path\n"
"  context VM.xml               write var/vms/<vid>/context.sh\n"
"  transfer OP VM.xml           write var/vms/<vid>/transfer.<seq>.<OP> (prolog|epilog|delete); print its path\n"
"  tm-line KIND VM.xml          print the TM_COMMAND line oned sends (attach|detach|migrate)\n"
"  action-data ACTION VM.xml [K=V...]   print VMM_DRIVER_ACTION_DATA (XML)\n"
"  vmm ACTION VM.xml [K=V...]   build the action data as oned does, run it as one_vmm_exec does\n"
"  vmm-raw ACTION VID B64       run a VMM message as given\n"
"  tm VID FILE                  run a transfer file as one_tm does\n"
"  ds ACTION ID XMLFILE         run a datastore action (XMLFILE: <DS_DRIVER_ACTION_DATA>) as one_datastore does\n"
"  im HOST_ID HOSTNAME [DS_LOCATION]   run the im/vmware.d probes as one_im_exec -l + run_probes; check the output\n"
"  reply [--raw] CMDLINE        run one command line, print what the driver layer makes of it\n"
"  check-monitor STRING         check a POLL string as parse_vm_info does\n"
"  check-im FILE                check probe output as Host.cc does\n"
"environment: ONED_TRACE=1, ONED_VMM_LOCAL (local VMM actions), ONED_SSH_<HOST> (ssh command for remote\n"
"  actions), ONED_SCRIPTS_REMOTE_DIR, ONED_SECRET_FILE (a password that must never show), ONED_HOSTNAME (front-end)\n",
    stderr);
  exit (2);
}

static int
finish (int rc)
{
  fflush (stdout);
  if (violations) {
    fprintf (stderr, "oned: %d protocol violation(s): oned 4.4 would misread these replies\n",
             violations);
    return 3;
  }
  return rc;
}

static char *
vm_dir (const xnode *vm)
{
  char *d = xasprintf ("%s/%d", vms_dir (), vm_id (vm));
  if (mkdir_p (d) < 0) die ("cannot create '%s'", d);
  return d;
}

static char *
do_deployment (const xnode *vm)
{
  char *d = vm_dir (vm);
  char *p = xasprintf ("%s/deployment.%s", d, xml_text (vm_history (vm), "SEQ"));
  free (d);
  if (write_deployment (vm, p) < 0) die ("cannot write the deployment file '%s'", p);
  return p;
}

static char *
rsd (const xnode *vm)
{
  xnode *h = vm_history (vm);
  return xasprintf ("%s/%s/%d", xml_text (h, "DS_LOCATION"), xml_text (h, "DS_ID"), vm_id (vm));
}

/* The action data oned would send for ACTION, with the K=V given. */
static char *
build_data (const char *action, const xnode *vm, const char *raw, char **kv, int nkv)
{
  char **all = xcalloc (sizeof (char *) * (size_t) (nkv + 16));
  int n = 0;
  char *r = rsd (vm);
  for (int i = 0; i < nkv; i++) all[n++] = xstrdup (kv[i]);
  xnode *h = vm_history (vm);
  if (strcmp (action, "DEPLOY") == 0) {
    char *p = do_deployment (vm);
    all[n++] = xasprintf ("LOCAL_DEPLOYMENT_FILE=%s", p);
    all[n++] = xasprintf ("REMOTE_DEPLOYMENT_FILE=%s/deployment.%s", r, xml_text (h, "SEQ"));
    free (p);
  } else if (strcmp (action, "SAVE") == 0 || strcmp (action, "RESTORE") == 0) {
    all[n++] = xasprintf ("CHECKPOINT_FILE=%s/checkpoint", r);
  } else if (strcmp (action, "MIGRATE") == 0) {
    xnode *p = vm_prev_history (vm);
    if (!p) die ("MIGRATE needs two history records");
    all[n++] = xasprintf ("HOST=%s", xml_text (p, "HOSTNAME"));
    all[n++] = xasprintf ("NET_DRV=%s", xml_text (p, "VNMMAD"));
    all[n++] = xasprintf ("MIGR_HOST=%s", xml_text (h, "HOSTNAME"));
    all[n++] = xasprintf ("MIGR_NET_DRV=%s", xml_text (h, "VNMMAD"));
    char *l = tm_line (vm, "migrate");
    all[n++] = xasprintf ("TM_COMMAND=%s", l);
    free (l);
  } else if (strcmp (action, "ATTACHDISK") == 0 || strcmp (action, "DETACHDISK") == 0) {
    xnode *d = xml_child_where (xml_child (vm, "TEMPLATE"), "DISK", "ATTACH", "YES");
    if (!d) die ("%s needs a DISK with ATTACH=YES", action);
    all[n++] = xasprintf ("DISK_TARGET_PATH=%s/disk.%s", r, xml_text (d, "DISK_ID"));
    char *del = tm_line (vm, "detach");
    if (strcmp (action, "ATTACHDISK") == 0) {
      char *l = tm_line (vm, "attach");
      all[n++] = xasprintf ("TM_COMMAND=%s", l);
      all[n++] = xasprintf ("TM_COMMAND_ROLLBACK=%s", del);
      free (l);
    } else {
      all[n++] = xasprintf ("TM_COMMAND=%s", del);
    }
    free (del);
  } else if (strcmp (action, "CLEANUP") == 0) {
    char *l = transfer_lines (vm, "delete");
    all[n++] = xasprintf ("TM_COMMAND=%s", l);
    free (l);
  }
  /* first K=V wins: the caller's come first */
  char *x = vmm_action_data (vm, raw, all, n);
  for (int i = 0; i < n; i++) free (all[i]);
  free (all);
  free (r);
  return x;
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  const char *t = getenv ("ONED_TRACE");
  trace = t && *t && strcmp (t, "0") != 0;
  int i = 1;
  if (i < argc && strcmp (argv[i], "--trace") == 0) { trace = true; i++; }
  if (i >= argc) usage ();
  const char *cmd = argv[i++];
  int left = argc - i;
  char **a = argv + i;

  if (strcmp (cmd, "deployment") == 0 && left == 1) {
    xnode *vm = load_vm (a[0], NULL);
    char *p = do_deployment (vm);
    puts (p);
    return 0;
  }
  if (strcmp (cmd, "context") == 0 && left == 1) {
    xnode *vm = load_vm (a[0], NULL);
    char *d = vm_dir (vm), *p = xasprintf ("%s/context.sh", d);
    int rc = write_context (vm, p);
    if (rc < 0) die ("cannot write '%s'", p);
    if (rc == 0) puts (p);
    return 0;
  }
  if (strcmp (cmd, "transfer") == 0 && left == 2) {
    xnode *vm = load_vm (a[1], NULL);
    char *d = vm_dir (vm);
    if (strcmp (a[0], "prolog") == 0) {
      char *c = xasprintf ("%s/context.sh", d);
      if (write_context (vm, c) < 0) die ("cannot write '%s'", c);
    }
    char *lines = transfer_lines (vm, a[0]);
    char *p = xasprintf ("%s/transfer.%s.%s", d, xml_text (vm_history (vm), "SEQ"), a[0]);
    if (write_file (p, lines, strlen (lines)) < 0) die ("cannot write '%s'", p);
    puts (p);
    return 0;
  }
  if (strcmp (cmd, "tm-line") == 0 && left == 2) {
    xnode *vm = load_vm (a[1], NULL);
    puts (tm_line (vm, a[0]));
    return 0;
  }
  if ((strcmp (cmd, "vmm") == 0 || strcmp (cmd, "action-data") == 0) && left >= 2) {
    char *raw;
    xnode *vm = load_vm (a[1], &raw);
    char *x = build_data (a[0], vm, raw, a + 2, left - 2);
    if (strcmp (cmd, "action-data") == 0) { puts (x); return 0; }
    char *b = b64_encode (x, strlen (x));
    tracef ("  oned -> VMM: %s %d <%zu bytes base64>", a[0], vm_id (vm), strlen (b));
    return finish (vmm_action (a[0], b, vm_id (vm)));
  }
  if (strcmp (cmd, "vmm-raw") == 0 && left == 3)
    return finish (vmm_action (a[0], a[2], atoi (a[1])));
  if (strcmp (cmd, "tm") == 0 && left == 2) {
    tracef ("  oned -> TM: TRANSFER %s %s", a[0], a[1]);
    return finish (tm_transfer (atoi (a[0]), a[1]));
  }
  if (strcmp (cmd, "ds") == 0 && left == 3) {
    size_t len;
    char *x = read_file (a[2], &len);
    if (!x) die ("cannot read '%s'", a[2]);
    char *b = b64_encode (x, len);
    tracef ("  oned -> DATASTORE: %s %s <%zu bytes base64>", a[0], a[1], strlen (b));
    return finish (ds_action (a[0], atoi (a[1]), b));
  }
  if (strcmp (cmd, "im") == 0 && (left == 2 || left == 3)) {
    tracef ("  oned -> IM: MONITOR %s %s %s 0", a[0], a[1], left == 3 ? a[2] : "/vmfs/volumes");
    return finish (im_monitor (atoi (a[0]), a[1], left == 3 ? a[2] : "/vmfs/volumes"));
  }
  if (strcmp (cmd, "reply") == 0 && left >= 1) {
    bool raw = false;
    if (strcmp (a[0], "--raw") == 0) { raw = true; a++; left--; }
    if (left != 1) usage ();
    result r;
    run_action (a[0], 0, raw ? INFO_RAW : INFO_STRIP, false, &r);
    proto ("RESULT %s 0 %s", r.success ? "SUCCESS" : "FAILURE", r.info);
    int rc = r.success ? 0 : 1;
    result_free (&r);
    return finish (rc);
  }
  if (strcmp (cmd, "check-monitor") == 0 && left == 1)
    return finish (check_monitor ("monitor", a[0]));
  if (strcmp (cmd, "check-im") == 0 && left == 1) {
    char *d = read_file (a[0], NULL);
    if (!d) die ("cannot read '%s'", a[0]);
    int nv, nd;
    int bad = check_im (d, &nv, &nd);
    printf ("# %d VMs, %d datastores\n", nv, nd);
    return finish (bad);
  }
  usage ();
}
