/* esxmad: the network driver vnm/vmware (spec §2.2, §7): a port group
 * "one-pg-<NETWORK_ID>" per virtual network on the NIC's vSwitch
 * (BRIDGE), with its VLAN, managed over SSH with esxcfg-vswitch.
 *
 * Names are checked before anything reaches the host: a vSwitch name must
 * match [A-Za-z0-9][A-Za-z0-9_.-]{0,31}, NETWORK_ID must be decimal,
 * VLAN_ID 0..4094.  The host's table (esxcfg-vswitch -l) is parsed for
 * exact names, never searched for substrings. */
#ifndef ESXMAD_VNM_H
#define ESXMAD_VNM_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"

/* Port groups are named ONE_VNM_PG_PREFIX + NETWORK_ID. */
#define ONE_VNM_PG_PREFIX "one-pg-"
/* VLAN=YES without VLAN_ID: ONE_VNM_START_VLAN + NETWORK_ID (OpenNebula's
 * :start_vlan:). */
#define ONE_VNM_START_VLAN 2

typedef struct one_vnm_pg {
  char *name;          /* one-pg-<NETWORK_ID> */
  char *vswitch;       /* the NIC's BRIDGE */
  char *network_id;
  int vlan;            /* 0 = no VLAN tag */
} one_vnm_pg;

typedef struct one_vnm_nic {
  char *mac;           /* lower case */
  char *pg;            /* its port group */
} one_vnm_nic;

typedef struct one_vnm_vm {
  char *id;            /* /VM/ID */
  char *host;          /* HOSTNAME of the last HISTORY record */
  one_vnm_pg *pgs;     /* one per network (NICs on one network share it) */
  size_t n_pgs;
  one_vnm_nic *nics;   /* NICs with a MAC */
  size_t n_nics;
} one_vnm_vm;

/* Read and check the VM XML (base64, vnm's first argument).  NULL with
 * one_error set: bad base64/XML, no history (not placed on a host), a NIC
 * without NETWORK_ID or BRIDGE, a refused name, a VLAN id out of range,
 * one network on two vSwitches. */
one_vnm_vm *one_vnm_vm_read (const char *b64);
void one_vnm_vm_free (one_vnm_vm *vm);
ONE_DEFINE_AUTO (one_vnm_vm)

bool one_vnm_vswitch_name_ok (const char *s);

/* One row of the port group table of `esxcfg-vswitch -l`. */
typedef struct one_vnm_host_pg {
  char *name;
  char *vswitch;
  int vlan;
  int used;            /* "Used Ports" */
} one_vnm_host_pg;

typedef struct one_vnm_host {
  char **vswitches;
  size_t n_vswitches;
  one_vnm_host_pg *pgs;     /* only rows that parse without doubt */
  size_t n_pgs;
} one_vnm_host;

/* Parse the output of `esxcfg-vswitch -l` (ESX 5 layout).  Rows whose
 * columns are ambiguous (names with spaces followed by numbers) are left
 * out; they are never ours, ours have no spaces. */
one_vnm_host *one_vnm_host_parse (const char *text);
void one_vnm_host_free (one_vnm_host *h);
ONE_DEFINE_AUTO (one_vnm_host)
bool one_vnm_host_has_vswitch (const one_vnm_host *h, const char *name);
const one_vnm_host_pg *one_vnm_host_find_pg (const one_vnm_host *h,
                                             const char *name);

/* The actions, over an open SSH session to the VM's host.
 * ensure (pre): create the missing port groups, set the VLANs, then check
 *   the result in a fresh listing.  *created (optional) = port groups made.
 * clean: remove the VM's port groups that no port uses any more (Used
 *   Ports 0); *removed (optional) = port groups removed. */
struct one_ssh;
int one_vnm_ensure (struct one_ssh *s, const one_vnm_vm *vm, int *created);
int one_vnm_clean (struct one_ssh *s, const one_vnm_vm *vm, int *removed);

/* attach_nic in dynamic mode gets only the vSwitch name (BRIDGE) in its
 * arguments, not the network: pre records, per VM, which port group each
 * NIC (by MAC) is on, in <cache_dir>/vnm/<vid>.nics, and attach_nic looks
 * the MAC up there.  one_vnm_record: write the file (atomically).
 * one_vnm_lookup_pg: the port group of 'mac', or NULL with one_error set
 * (no record, or no such MAC). */
int one_vnm_record (const char *cache_dir, const one_vnm_vm *vm);
/* For attach_nic: the port group to attach the NIC 'mac' of VM 'vid' to.
 * With net_drv "vmware" (dynamic port groups) the one pre recorded for
 * that MAC; otherwise 'bridge' itself (pre-defined port groups, -n dummy).
 * NULL with one_error set when the record is missing. */
char *one_vnm_attach_portgroup (const char *cache_dir, const char *vid,
                                const char *mac, const char *bridge,
                                const char *net_drv);
char *one_vnm_lookup_pg (const char *cache_dir, const char *vid,
                         const char *mac);

/* The programs' whole work: read the VM XML (base64); when it has NICs,
 * load the configuration, open SSH to the VM's host and run ensure and
 * record (pre) or clean.  -1 with one_error set; *usage tells a
 * configuration error (exit 2) from a failure (exit 1). */
/* 'host' (may be NULL): the host to act on, when the caller passes it
 * (newer OpenNebula releases add it to clean's arguments); the default
 * is the VM's last history record. */
int one_vnm_action_pre (const char *b64, const char *host, bool *usage);
int one_vnm_action_clean (const char *b64, const char *host, bool *usage);

#endif
