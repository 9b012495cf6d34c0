/* esxmad: a small vSphere API (SOAP, "vim25") client, for what libvirt
 * lacks: reset, device hot-plug, bulk monitoring.
 *
 * HTTP(S) with libcurl (OpenSSL backend), responses parsed with Expat into
 * a small DOM.  TLS: SHA1 thumbprint pinning (:tls_thumbprint:), CA
 * verification with host name check (:tls_ca_file:), the explicit opt-out
 * no_verify=1, otherwise the system CAs.  The session cookie is cached per
 * (user, address, port) in a 0600 file under the target's cache_dir and
 * reused by later runs, so a steady-state run makes no Login; an expired
 * session (NotAuthenticated) is replaced by one new Login, once.
 *
 * The password goes only into the body of the Login request, which is
 * never logged.  Every error is reported with one_error() as
 * "vSphere <Method>: <fault type>: <message>". */
#ifndef ESXMAD_VI_H
#define ESXMAD_VI_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"
#include "conf.h"
#include "util.h"

/* ---- The DOM of a response ------------------------------------------- */

/* An element.  Names are local (namespace prefix stripped); 'type' is the
 * xsi:type without its prefix ("HostSystem", "string"), or NULL. */
typedef struct one_vi_node {
  char *name;
  char *type;
  char *text;                  /* character data ("" when none) */
  char **attrs;                /* name, value, ..., NULL (local names) */
  struct one_vi_node *parent, *child, *last, *next;
} one_vi_node;

/* Parse an XML document; NULL with one_error set.  Returns the root
 * element (free with one_vi_node_free). */
one_vi_node *one_vi_parse (const char *xml, size_t len);
/* Free the whole tree 'n' belongs to (walks up to the root first). */
void one_vi_node_free (one_vi_node *n);
ONE_DEFINE_AUTO (one_vi_node)

/* First child element named 'name' (NULL = any). */
one_vi_node *one_vi_child (const one_vi_node *n, const char *name);
/* Next sibling element with the same name as 'n'. */
one_vi_node *one_vi_next (const one_vi_node *n);
/* Follow a '/'-separated path of child names; NULL if absent. */
one_vi_node *one_vi_path (const one_vi_node *n, const char *path);
/* Text at 'path' (NULL path: n itself), or NULL if absent. */
const char *one_vi_text (const one_vi_node *n, const char *path);
const char *one_vi_attr (const one_vi_node *n, const char *name);
/* Serialise an element back to XML (with xsi:type), as a request
 * parameter, under the name 'as' (NULL: its own name). */
void one_vi_node_xml (one_buf *b, const one_vi_node *n, const char *as);

/* ---- Request building (pure, unit-tested) ---------------------------- */

/* Append 's' XML-escaped (&, <, >, ", ' and control characters). */
void one_vi_esc (one_buf *b, const char *s);
/* Append <name>escaped value</name>. */
void one_vi_param (one_buf *b, const char *name, const char *value);
/* Append <name type="T">moref</name>. */
void one_vi_moref (one_buf *b, const char *name, const char *type,
                   const char *moref);
/* The whole SOAP envelope of a call on the object (type, moref) with
 * parameters 'params' (already XML). */
char *one_vi_envelope (const char *method, const char *type,
                       const char *moref, const char *params);
/* If 'envelope' (a parsed response) holds a SOAP fault, record
 * "vSphere <method>: <type>: <message>" and return true; *fault_type
 * (optional) gets the fault type (owned by the tree). */
bool one_vi_fault (const one_vi_node *envelope, const char *method,
                   const char **fault_type);

/* ---- Connection ------------------------------------------------------ */

typedef struct one_vi one_vi;

/* Connect to https://address:api_port/sdk (http with tls_http) and make
 * sure a session exists: the cached one if any, else Login.  NULL with
 * one_error set. */
one_vi *one_vi_connect (const one_target *t);
/* Close the connection, keeping the (cached) session open on the server
 * for later runs.  Writes the statistics (ESXMAD_VI_STATS). */
void one_vi_free (one_vi *vi);
ONE_DEFINE_AUTO (one_vi)
/* End the session on the server and forget the cached cookie. */
int one_vi_logout (one_vi *vi);

/* ServiceContent fields. */
const char *one_vi_root_folder (const one_vi *vi);
const char *one_vi_property_collector (const one_vi *vi);
const char *one_vi_api_version (const one_vi *vi);
/* true when connected to a vCenter (apiType VirtualCenter). */
/* The PerformanceManager's moref (asked for once more when the cached
 * session predates it), or NULL when the server has none. */
const char *one_vi_perf_manager (one_vi *vi);
/* "<session cache file>-<suffix>": a private file for what belongs to
 * this server and user (NULL when sessions are not cached). */
char *one_vi_cache_file (const one_vi *vi, const char *suffix);
bool one_vi_is_vcenter (const one_vi *vi);

/* SOAP requests sent by this connection so far (every round trip,
 * including Login and RetrieveServiceContent). */
unsigned one_vi_requests (const one_vi *vi);
unsigned one_vi_logins (const one_vi *vi);
/* TCP connections opened (1 when keep-alive held for the whole run). */
unsigned one_vi_connections (const one_vi *vi);

/* Call 'method' on (type, moref) with 'params' (XML).  Returns the
 * <methodResponse> element (free with one_vi_node_free), NULL with
 * one_error set.  An expired session is replaced once, transparently. */
one_vi_node *one_vi_call (one_vi *vi, const char *method, const char *type,
                          const char *moref, const char *params);

/* RetrievePropertiesEx (+ ContinueRetrievePropertiesEx while the server
 * pages) with the PropertyFilterSpec 'specset' (XML of one <specSet>).
 * Returns a node whose children are the <objects> (ObjectContent). */
one_vi_node *one_vi_retrieve (one_vi *vi, const char *specset);
/* The parts of one_vi_retrieve that need no server (also fuzzed):
 * an empty "objects" node; moving the <objects> of one
 * RetrievePropertiesEx response element 'response' under 'all', which
 * returns the paging token (inside 'response') or NULL at the end; and
 * whether the answer says, per property, that the session is not
 * authenticated (vcsim's way instead of a fault). */
one_vi_node *one_vi_objects_new (void);
const char *one_vi_objects_take (one_vi_node *all, one_vi_node *response);
bool one_vi_missing_not_authenticated (const one_vi_node *all);
/* The <val> of property 'name' in an ObjectContent, or NULL. */
one_vi_node *one_vi_prop (const one_vi_node *object, const char *name);
/* The moref text and type of an ObjectContent. */
const char *one_vi_obj_moref (const one_vi_node *object);
const char *one_vi_obj_type (const one_vi_node *object);

/* The TraversalSpecs that walk the inventory from the root folder:
 * "folder" (Folder.childEntity), "dcVm" (Datacenter.vmFolder), "dcHost"
 * (Datacenter.hostFolder), "crHost" (ComputeResource.host) and, when
 * 'host_children', "hostVm"/"hostDs" (HostSystem.vm / .datastore).
 * Appends the <selectSet> elements. */
void one_vi_traversal (one_buf *b, bool to_vms, bool to_hosts,
                       bool host_children);

/* ---- Helpers for the drivers ----------------------------------------- */

/* The moref of the VM named exactly 'name' (one round trip); NULL with
 * one_error "vSphere: no virtual machine named '<name>'" and
 * *not_found = true when there is none. */
char *one_vi_find_vm (one_vi *vi, const char *name, bool *not_found);
/* Properties of one object: RetrievePropertiesEx of 'paths' (NULL
 * terminated) on (type, moref).  Returns the ObjectContent. */
one_vi_node *one_vi_get (one_vi *vi, const char *type, const char *moref,
                         const char *const *paths);

/* Wait for a task (moref) to end; on error record
 * "vSphere <method>: <fault type>: <message>". */
int one_vi_wait_task (one_vi *vi, const char *task, const char *method);
/* Call a *_Task method and wait for it. */
int one_vi_task (one_vi *vi, const char *method, const char *type,
                 const char *moref, const char *params);

int one_vi_reset_vm (one_vi *vi, const char *vm);

/* A VirtualMachineConfigSpec being built (the parts in schema order). */
typedef struct one_vi_spec {
  one_buf head;       /* guestId, ... */
  one_buf devices;    /* deviceChange */
  one_buf extra;      /* extraConfig */
} one_vi_spec;
void one_vi_spec_free (one_vi_spec *s);
void one_vi_spec_guest_id (one_vi_spec *s, const char *guest_id);
void one_vi_spec_extra (one_vi_spec *s, const char *key, const char *value);
/* Add a NIC: model "e1000" (default for NULL, "" or unknown), "e1000e",
 * "vmxnet3", "pcnet32"; backing network 'network'; manual 'mac'. */
void one_vi_spec_nic_add (one_vi_spec *s, const char *model,
                          const char *network, const char *mac,
                          const char *label);
/* Add an existing disk file "[ds] path" on SCSI controller key 'ctrl_key'
 * at 'unit'. */
void one_vi_spec_disk_add (one_vi_spec *s, const char *file, int ctrl_key,
                           int unit);
/* Remove a device (an element of config.hardware.device), keeping any
 * file it uses. */
void one_vi_spec_remove (one_vi_spec *s, const one_vi_node *device);
char *one_vi_spec_xml (const one_vi_spec *s);
int one_vi_reconfig (one_vi *vi, const char *vm, const one_vi_spec *s);

/* config.hardware.device of a VM: the <val> node (its children are the
 * devices), or NULL with one_error set.  Free with one_vi_node_free. */
one_vi_node *one_vi_vm_devices (one_vi *vi, const char *vm);
/* In a device list: the ethernet card with MAC 'mac' (case-insensitive),
 * the SCSI controller on bus 'bus', the device at (ctrl_key, unit). */
const one_vi_node *one_vi_dev_by_mac (const one_vi_node *devs, const char *mac);
const one_vi_node *one_vi_dev_scsi_ctrl (const one_vi_node *devs, int bus);
const one_vi_node *one_vi_dev_at (const one_vi_node *devs, int ctrl_key,
                                  int unit);
bool one_vi_dev_is_nic (const one_vi_node *dev);

/* NIC hot-plug as the drivers need it (one ReconfigVM_Task each). */
int one_vi_nic_add (one_vi *vi, const char *vm, const char *model,
                    const char *network, const char *mac);
/* 0 removed, 1 no NIC with that MAC, -1 error. */
int one_vi_nic_remove (one_vi *vi, const char *vm, const char *mac);
/* Disk hot-plug on SCSI controller 'bus'. */
int one_vi_disk_add (one_vi *vi, const char *vm, const char *file, int bus,
                     int unit);
/* 0 removed, 1 nothing there, -1 error. */
int one_vi_disk_remove (one_vi *vi, const char *vm, int bus, int unit);

#endif
