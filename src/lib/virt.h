/* esxmad: libvirt connections to ESX and vCenter, and the domain
 * operations the VMM actions use.
 *
 * Credentials reach libvirt through virConnectOpenAuth's callback only
 * (never argv, the environment or an auth.conf: LIBVIRT_AUTH_FILE is
 * pointed at an empty memory file inside the process so a stray auth.conf
 * cannot override vmwarerc).  TLS: with a pinned thumbprint or CA file,
 * esxmad checks the host (tls.h), then libvirt connects with no_verify=1
 * to a loopback relay that checks the host again on every connection it
 * opens for libvirt (tlsrelay.h).
 *
 * Every failing libvirt call is reported once through one_error, as
 * "<what> '<value>': <libvirt call>: <libvirt's message>". */
#ifndef ESXMAD_VIRT_H
#define ESXMAD_VIRT_H

#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "cleanup.h"
#include "conf.h"

/* ONE_AUTO(virConnect) *conn = ...: closed (ESX session logged out) at
 * scope end.  ONE_AUTO(virDomain) *dom: freed. */
void one_virt_close (virConnectPtr conn);     /* guarded, NULL ok */
static inline void virConnect_free (virConnect *c) { one_virt_close (c); }
static inline void virDomain_free (virDomain *d) { virDomainFree (d); }
static inline void virDomainSnapshot_free (virDomainSnapshot *s)
{ virDomainSnapshotFree (s); }
ONE_DEFINE_AUTO (virConnect)
ONE_DEFINE_AUTO (virDomain)
ONE_DEFINE_AUTO (virDomainSnapshot)

/* Every libvirt call that talks to a host runs as
 *   r = ONE_VIRT_GUARD ("virDomainCreate", virDomainCreate (dom));
 * bounded by the :libvirt_timeout: of the last target opened: past it,
 * the process's connections to that API port are shut down so the call
 * fails (and one_virt_error says why); a call that still does not end
 * fails the action (exit 1, error block).  The connection-opening
 * functions below and the one_virt_* operations guard themselves. */
void one_virt_guard_begin (const char *call);
void one_virt_guard_end (void);
#define ONE_VIRT_GUARD(call, expr)                                      \
  __extension__ ({ one_virt_guard_begin (call);                         \
                   __auto_type one_virt_r_ = (expr);                    \
                   one_virt_guard_end ();                               \
                   one_virt_r_; })

/* Open t->libvirt_uri (ESX, esx:// or gsx://).  NULL with one_error. */
virConnectPtr one_virt_open (const one_target *t);
/* Open 'uri' with the credentials and TLS settings of 't' (t->address and
 * t->api_port name the server to check when a thumbprint/CA is set). */
virConnectPtr one_virt_open_uri (const one_target *t, const char *uri);

/* The vpx:// URI that reaches ESX host 'host' through the vCenter of 'c':
 *   vpx://<vcenter address[:port]>/<datacenter>[/<cluster>]/<host's name>?<query>
 * The vCenter's address, port and thumbprint come from the :hosts: entry
 * named like :vcenter: (if any); the query from its libvirt URI.  The
 * vCenter's target is returned in *vc.  NULL with one_error set (also when
 * no :vcenter: is configured). */
char *one_virt_vpx_uri (const one_conf *c, const char *host, one_target **vc);
/* one_virt_vpx_uri + one_virt_open_uri. */
virConnectPtr one_virt_open_vpx (const one_conf *c, const char *host);

/* Look a domain up by its exact name.  NULL with one_error
 * "vm '<name>' not found" when absent (*missing set true when
 * 'missing' is non-NULL), or the libvirt error. */
virDomainPtr one_virt_lookup (virConnectPtr conn, const char *name,
                              bool *missing);
/* VIR_DOMAIN_RUNNING, _SHUTOFF, _PAUSED ... or -1 with one_error. */
int one_virt_state (virDomainPtr dom);
const char *one_virt_state_name (int state);

/* Define from libvirt XML; the new domain, or NULL with one_error. */
virDomainPtr one_virt_define (virConnectPtr conn, const char *xml);
int one_virt_start (virDomainPtr dom);
int one_virt_destroy (virDomainPtr dom);
int one_virt_suspend (virDomainPtr dom);
int one_virt_resume (virDomainPtr dom);
int one_virt_reboot (virDomainPtr dom);
/* Undefine (retried a few times while ESX reports the VM busy). */
int one_virt_undefine (virDomainPtr dom);
/* Ask the guest to shut down and wait until the domain is off, at most
 * 'timeout' seconds (checked every 'interval' ms).  -1 with one_error on a
 * libvirt error or "timeout reached, vm '<name>' is still alive after Ns". */
int one_virt_shutdown_wait (virDomainPtr dom, int timeout, int interval_ms);

/* Snapshots, by name. */
int one_virt_snapshot_create (virDomainPtr dom, const char *name);
int one_virt_snapshot_revert (virDomainPtr dom, const char *name);
int one_virt_snapshot_delete (virDomainPtr dom, const char *name);
/* 1 if a snapshot 'name' exists, 0 if not, -1 error. */
int one_virt_snapshot_exists (virDomainPtr dom, const char *name);

/* Migrate 'dom' (on a vpx:// source connection) to the host of 'dconn'
 * (a vpx:// connection); live when 'live'. */
int one_virt_migrate (virDomainPtr dom, virConnectPtr dconn, bool live);

/* The domain's XML (virDomainGetXMLDesc), NULL with one_error. */
char *one_virt_xml (virDomainPtr dom);

/* Report the last libvirt error as one_error ("<what>: <call>: <msg>").
 * libvirt's public calls reset the last error (virDomainGetName too), so
 * the message is taken before the arguments are evaluated. */
#define one_virt_error(call, ...)                                       \
  do {                                                                  \
    char *one_virt_msg_ = one_virt_last_message ();                     \
    one_virt_error_msg (one_virt_msg_, call, __VA_ARGS__);              \
  } while (0)
/* A copy of libvirt's last error message (never NULL). */
char *one_virt_last_message (void);
/* one_error ("<what>: <call>: <msg>"); frees 'msg'. */
void one_virt_error_msg (char *msg, const char *call, const char *what_fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

#endif
