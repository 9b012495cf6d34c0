/* Fuzz target: what a vSphere server answers.  The SOAP reader, fault
 * decoding, the gathering of RetrievePropertiesEx objects, and all that
 * the IM probe, poll and the VMM device code read from them (host, VMs,
 * datastores, devices, IMPORT_TEMPLATE). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esxmad.h"
#include "monitor.h"
#include "vi.h"

static FILE *null_out;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (!null_out && !(null_out = fopen ("/dev/null", "w")))
    abort ();
  one_vi_node *env = one_vi_parse ((const char *) data, size);
  if (!env) {
    if (!one_errmsg ())
      abort ();
    one_error_reset ();
    return 0;
  }
  const char *fault = NULL;
  if (one_vi_fault (env, "RetrievePropertiesEx", &fault) && (!fault || !*fault))
    abort ();
  one_error_reset ();

  one_vi_node *resp = one_vi_child (one_vi_child (env, "Body"), NULL);
  one_vi_node *all = one_vi_objects_new ();
  if (resp)
    (void) one_vi_objects_take (all, resp);
  (void) one_vi_missing_not_authenticated (all);
  for (one_vi_node *o = one_vi_child (all, "objects"); o; o = one_vi_next (o)) {
    (void) one_vi_obj_moref (o);
    (void) one_vi_obj_type (o);
  }

  /* a QueryPerf answer onto network totals (a fresh file each time) */
  if (resp) {
    static char path[64];
    if (!*path)
      snprintf (path, sizeof path, "/tmp/fuzz-soap-net.%ld", (long) getpid ());
    unlink (path);
    one_mon_vm vms[2] = {
      { .name = "one-1", .moref = "vm-11", .id = 1, .state = 'a' },
      { .name = "one-2", .moref = "vm-12", .id = 2, .state = 'p' },
    };
    one_mon nm = { .host_moref = "ha-host", .vms = vms, .n_vms = 2 };
    for (int round = 0; round < 2; round++)
      if (one_mon_net_update (&nm, path, resp, 196614, 196615) == 0
          && (nm.net_rx < 0 || vms[0].net_rx < 0 || vms[0].net_tx < 0
              || vms[1].net_rx != 0))
        abort ();
    one_error_reset ();
    unlink (path);
  }

  one_mon *m = one_mon_read (all, "esx1.example.org", size & 1);
  if (m) {
    one_mon_print (null_out, m);
    for (size_t i = 0; i < m->n_vms; i++) {
      const one_mon_vm *v = &m->vms[i];
      if (!one_mon_find_vm (m, v->name))
        abort ();
      free (one_mon_poll_line (m, v));
      free (one_mon_vm_template (v));
      if (v->devices) {
        one_buf b = { 0 };
        one_vi_node_xml (&b, v->devices, "device");
        one_buf_free (&b);
        const one_vi_node *c = one_vi_dev_scsi_ctrl (v->devices, 0);
        if (c)
          (void) one_vi_dev_at (v->devices, atoi (one_vi_text (c, "key") ? one_vi_text (c, "key") : "0"), 0);
        (void) one_vi_dev_by_mac (v->devices, "00:50:56:00:00:01");
      }
    }
    one_mon_free (m);
  }
  one_error_reset ();
  one_vi_node_free (env);
  return 0;
}
