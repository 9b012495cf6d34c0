/* esxmad: monitoring of a host and all its VMs in a constant number of
 * vSphere round trips (one RetrievePropertiesEx over a TraversalSpec that
 * fetches host, datastore and VM properties together; in a vCenter, one
 * more small one to find the host by name), shared by the IM probe and the
 * VMM poll action. */
#ifndef ESXMAD_MONITOR_H
#define ESXMAD_MONITOR_H

#include <stdbool.h>
#include <stdio.h>

#include "cleanup.h"
#include "util.h"
#include "vi.h"

typedef struct one_mon_vm {
  const char *name;            /* the VM's name (deploy id) */
  const char *moref;
  int id;                      /* <n> for "one-<n>", else -1 (wild) */
  char state;                  /* 'a' poweredOn, 'p' suspended, 'd' poweredOff, '-' */
  long long cpu_mhz;           /* quickStats.overallCpuUsage */
  long long mem_mb;            /* quickStats.hostMemoryUsage */
  long long num_cpu;           /* summary.config.numCpu */
  long long memory_mb;         /* summary.config.memorySizeMB */
  const char *guest_id;        /* summary.config.guestId */
  const char *vmx_path;        /* summary.config.vmPathName "[ds] dir/x.vmx" */
  const char *firmware;        /* config.firmware (with devices), or NULL */
  const one_vi_node *devices;  /* config.hardware.device (when asked for) */
  long long net_rx, net_tx;    /* bytes, see one_mon_net (0 unless running) */
} one_mon_vm;

typedef struct one_mon_ds {
  const char *name;
  long long capacity, free;    /* bytes */
} one_mon_ds;

typedef struct one_mon {
  const char *host_name;       /* HostSystem name */
  const char *host_moref;
  long long net_rx, net_tx;    /* the host's, bytes, see one_mon_net */
  const char *cpu_model;
  long long cpu_mhz;           /* per core */
  long long cores;
  long long memory_bytes;
  long long cpu_usage_mhz;     /* quickStats.overallCpuUsage */
  long long mem_usage_mb;      /* quickStats.overallMemoryUsage */
  size_t n_ds;
  one_mon_ds *ds;
  size_t n_vms;
  one_mon_vm *vms;
  one_vi_node *tree;           /* owns every string above */
} one_mon;

/* Collect host 'host' (an OpenNebula host name; in a standalone ESX the
 * only host) with its datastores and VMs; with 'devices', also each VM's
 * config.hardware.device (for IMPORT_TEMPLATE).  NULL with one_error. */
one_mon *one_mon_collect (one_vi *vi, const char *host, bool devices);
/* The reading half of one_mon_collect: from 'all' (the <objects> of the
 * answer, as one_vi_retrieve returns them; taken over, also on error)
 * pick the host, its datastores and VMs.  'vcenter': the answer came
 * from a vCenter (several hosts are then expected). */
one_mon *one_mon_read (one_vi_node *all, const char *host, bool vcenter);
void one_mon_free (one_mon *m);

/* NETRX/NETTX: vSphere keeps no byte counters, only the rates
 * net.received/transmitted.average (KB/s over 20 s samples, all NICs).
 * One QueryPerf for the host and its running VMs reads the last samples;
 * the bytes they stand for are added to totals kept per object (moref) in
 * the session cache folder ("<session file>-net", locked while updated),
 * so the figures grow between cycles as counters do.  A VM that is powered
 * off starts again from 0.  The counter keys are read once per server
 * (cached in "<session file>-perf").  Errors only warn: monitoring goes on
 * with 0.  Called by one_mon_collect. */
void one_mon_net (one_vi *vi, one_mon *m);
/* Totals kept in the file 'path' ("moref rx tx last-sample-time" lines),
 * updated by one QueryPerf answer 'resp' for counter keys rx/tx; the
 * totals of the objects answered are returned in m (the reading half of
 * one_mon_net, also used by the unit tests).  -1 with one_error. */
int one_mon_net_update (one_mon *m, const char *path, const one_vi_node *resp,
                        int rx, int tx);
ONE_DEFINE_AUTO (one_mon)

/* What the probe and poll both do: load vmwarerc, build the target of
 * 'host', open an API session and one_mon_collect.  NULL with one_error
 * set and *status the exit status to fail with (2 for a configuration
 * error, 1 otherwise). */
one_mon *one_mon_host (const char *host, bool devices, int *status);

const one_mon_vm *one_mon_find_vm (const one_mon *m, const char *name);
/* "STATE=a USEDCPU=12.50 USEDMEMORY=524288 NETRX=0 NETTX=0" */
char *one_mon_poll_line (const one_mon *m, const one_mon_vm *vm);
/* The OpenNebula template of a VM (for IMPORT_TEMPLATE, not encoded), in
 * the format of `esxmad-vmx to-template` (vmx_template.h), from the API's
 * devices; GUESTOS is the API's guestId. */
char *one_mon_vm_template (const one_mon_vm *vm);
/* The whole IM probe output. */
void one_mon_print (FILE *fp, const one_mon *m);

/* Append 's' as an OpenNebula template string value, quotes included
 * ('"' and '\\' escaped with a backslash). */
void one_mon_quote (one_buf *b, const char *s);

#endif
