/* esxmad: what every VMM action does first: load vmwarerc, build the
 * target of the host, open libvirt, find the VM by its exact name. */
#ifndef ESXMAD_VMM_H
#define ESXMAD_VMM_H

#include <stdbool.h>

#include "cleanup.h"
#include "conf.h"
#include "virt.h"

typedef struct one_vmm {
  one_conf *conf;
  one_target *target;      /* the host the action runs against */
  virConnectPtr conn;      /* open libvirt connection (closed by free) */
  char *host;
} one_vmm;

/* Load the configuration (exit status 2 on failure is the caller's:
 * *usage is set true) and connect to 'host'.  NULL with one_error. */
one_vmm *one_vmm_open (const char *host, bool *usage);
/* Only the configuration and target, no libvirt connection. */
one_vmm *one_vmm_open_noconn (const char *host, bool *usage);
void one_vmm_free (one_vmm *v);
ONE_DEFINE_AUTO (one_vmm)

/* Undefine 'dom' (found through v->conn) as OpenNebula 4.4 does (#2398):
 * through the vCenter (vpx://<vcenter>/<datacenter>[/<cluster>]/<host>)
 * when :vcenter: and :datacenter: are set, so that the vCenter forgets the
 * VM too; through the host's own connection when no vCenter is
 * configured or when the vCenter does not manage the host (a warning says
 * so).  Any other failure to reach the vCenter is an error: the VM stays
 * defined.  -1 with one_error. */
int one_vmm_undefine (one_vmm *v, virDomainPtr dom);

/* The VM 'deploy_id' on the host, matched by exact name. */
virDomainPtr one_vmm_domain (one_vmm *v, const char *deploy_id);

/* Check that 'vid' is an OpenNebula VM id (digits).  -1 with one_error. */
int one_vmm_check_vid (const char *vid);

#endif

/* Define the domain of deployment 'd' (its XML without <metadata>), then
 * apply the metadata (guest OS, PCI bridges, DATA_VMX, memory
 * reservation).  If anything fails, what was defined is undefined again.
 * Returns the domain or NULL with one_error. */
struct one_domain;
virDomainPtr one_vmm_define (one_vmm *v, const struct one_domain *d);

/* Make sure 'dom' runs: start it when shut off, resume it when paused or
 * suspended. */
int one_vmm_ensure_running (virDomainPtr dom);

/* Apply a deployment's <metadata> and vmwarerc's memory reservation to a
 * freshly defined, powered-off VM (vmmeta.c). */
int one_vmm_apply_metadata (one_vmm *v, virDomainPtr dom,
                            const struct one_domain *d);

/* Merge 'lines' ("key = value" lines) into the .vmx of deployment 'd'
 * over SSH (an existing key is replaced, compared without regard to case)
 * and make ESX reload it (vmxedit.c). */
int one_vmm_vmx_merge (one_vmm *v, const struct one_domain *d,
                       const char *lines);

/* A vSphere API connection to the host and the moref of the VM
 * 'deploy_id' on it (exact name).  NULL with one_error. */
struct one_vi;
struct one_vi *one_vmm_vi (one_vmm *v, const char *deploy_id, char **vm);

/* What the vSphere-API actions (reset, attach/detach of disks and NICs)
 * open first: the configuration and target of 'host', an API session, the
 * VM named exactly 'deploy_id' and, with 'devices', its device list.
 *   ONE_VMM_API (a);
 *   int rc = one_vmm_api_open (&a, host, deploy_id, true);
 *   if (rc) return one_fail (rc);
 * Returns 0, or the exit status to fail with (one_error set). */
typedef struct one_vmm_api {
  one_vmm *v;
  struct one_vi *vi;
  char *vm;                      /* the VM's moref */
  struct one_vi_node *devs;      /* config.hardware.device, or NULL */
} one_vmm_api;
int one_vmm_api_open (one_vmm_api *a, const char *host, const char *deploy_id,
                      bool devices);
void one_vmm_api_close (one_vmm_api *a);
#define ONE_VMM_API(a) \
  one_vmm_api a __attribute__ ((cleanup (one_vmm_api_close))) = { 0 }

/* SCSI address of a disk target ("sdb", "sdaa"): the index a=0, b=1, ...
 * aa=26 ...; controller = index / 15, unit = index % 15 with unit 7 (the
 * controller's own) skipped, as libvirt numbers VMware SCSI disks.
 * -1 with one_error for a target that is not sd<letters>. */
int one_vmm_scsi_address (const char *target, int *bus, int *unit);

/* Check a MAC address "xx:xx:xx:xx:xx:xx".  -1 with one_error. */
int one_vmm_check_mac (const char *mac);

/* The datastore path of the disk OpenNebula put at 'disk_target_path'
 * (/vmfs/volumes/<ds>/<vm>/disk.<i>): "[<ds>] <vm>/disk.<i>/disk.vmdk".
 * NULL with one_error for another form. */
char *one_vmm_disk_dspath (const char *disk_target_path);

/* The vmid of the VM named exactly 'name' in the output of
 * `vim-cmd vmsvc/getallvms` (one-1 never matches one-10), or NULL. */
char *one_vmm_vmid_from_list (const char *list, const char *name);
