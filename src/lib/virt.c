/* esxmad: libvirt connections (credentials callback, TLS pinning done by
 * tls.c) and the domain operations of the VMM actions. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "esxmad.h"

/* ---- the guard on libvirt calls --------------------------------------
 *
 * libvirt 9.0's esx driver sets no timeout on its HTTP requests: a host
 * that accepts a request and never answers holds the call, and the
 * action, for ever.  Each call that talks to the host runs between
 * one_virt_guard_begin and _end.  A watchdog thread lets it run for
 * :libvirt_timeout: seconds; then it shuts down this process's TCP
 * connections to the API port(s) of the hosts opened, so libvirt's
 * request fails and the action takes its normal error path (the undo of
 * a deploy included), and it keeps shutting new ones down (curl retries
 * a dead connection once) until the call returns.  If the call still has
 * not returned GUARD_GRACE seconds later (stuck somewhere else), the
 * action ends with the error block and exit status 1. */

#define GUARD_GRACE 15
#define GUARD_PORTS 8

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool thread;
  int ports[GUARD_PORTS];
  size_t n_ports;
  int seconds;                  /* the budget of one call */
  char host[128];               /* for messages */
  const char *call;             /* the call running, or NULL */
  unsigned gen;                 /* counts calls, to tell them apart */
  double deadline;
  bool fired;                   /* connections of this call were shut */
  bool last_fired;              /* ... of the call that ended last */
} guard = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void
abs_time (double t, struct timespec *ts)
{
  ts->tv_sec = (time_t) t;
  ts->tv_nsec = (long) ((t - (double) ts->tv_sec) * 1e9);
  if (ts->tv_nsec >= 1000000000L)
    ts->tv_nsec = 999999999L;
}

static double
real_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Shut down every TCP connection of this process whose peer port is one
 * of the guarded ones.  Returns how many. */
static int
shut_connections (void)
{
  DIR *d = opendir ("/proc/self/fd");
  if (d == NULL)
    return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir (d)) != NULL) {
    char *end;
    long fd = strtol (e->d_name, &end, 10);
    if (*end || end == e->d_name || fd == dirfd (d))
      continue;
    struct stat st;
    if (fstat ((int) fd, &st) < 0 || !S_ISSOCK (st.st_mode))
      continue;
    int type = 0;
    socklen_t tl = sizeof type;
    if (getsockopt ((int) fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0
        || type != SOCK_STREAM)
      continue;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getpeername ((int) fd, (struct sockaddr *) &ss, &sl) < 0)
      continue;
    int port = ss.ss_family == AF_INET
      ? ntohs (((struct sockaddr_in *) &ss)->sin_port)
      : ss.ss_family == AF_INET6
      ? ntohs (((struct sockaddr_in6 *) &ss)->sin6_port) : -1;
    for (size_t i = 0; i < guard.n_ports; i++)
      if (guard.ports[i] == port && shutdown ((int) fd, SHUT_RDWR) == 0) {
        n++;
        break;
      }
  }
  closedir (d);
  return n;
}

static void *
guard_main (void *arg)
{
  (void) arg;
  pthread_mutex_lock (&guard.mu);
  for (;;) {
    if (guard.call == NULL) {
      pthread_cond_wait (&guard.cv, &guard.mu);
      continue;
    }
    unsigned gen = guard.gen;
    struct timespec ts;
    /* once fired, look again every half second for new connections */
    abs_time (guard.fired ? real_now () + 0.5 : guard.deadline, &ts);
    pthread_cond_timedwait (&guard.cv, &guard.mu, &ts);
    if (guard.call == NULL || guard.gen != gen)
      continue;
    double now = real_now ();
    if (!guard.fired && now < guard.deadline)
      continue;
    if (!guard.fired) {
      guard.fired = true;
      guard.deadline = now + GUARD_GRACE;
      one_debug ("libvirt %s: no answer within %d s, shutting down %d "
                 "connection(s)", guard.call, guard.seconds, shut_connections ());
      continue;
    }
    if (now < guard.deadline) {
      shut_connections ();
      continue;
    }
    char msg[512];
    snprintf (msg, sizeof msg, "libvirt %s: no answer from '%s' within "
              "%d s (:libvirt_timeout:), and the call did not end when its "
              "connections were shut down; the host or the network is stuck",
              guard.call, guard.host, guard.seconds);
    one_fail_now (ONE_EXIT_FAIL, msg);
  }
  return NULL;
}

/* Called when a connection to 't' is opened: its API port is guarded,
 * with its budget. */
static void
guard_watch (const one_target *t)
{
  pthread_mutex_lock (&guard.mu);
  int port = t->api_port > 0 ? t->api_port : t->tls_http ? 80 : 443;
  bool known = false;
  for (size_t i = 0; i < guard.n_ports; i++)
    known |= guard.ports[i] == port;
  if (!known && guard.n_ports < GUARD_PORTS)
    guard.ports[guard.n_ports++] = port;
  guard.seconds = t->libvirt_timeout > 0 ? t->libvirt_timeout : 1800;
  snprintf (guard.host, sizeof guard.host, "%s", t->host ? t->host : "?");
  if (!guard.thread) {
    pthread_t th;
    pthread_attr_t a;
    pthread_attr_init (&a);
    pthread_attr_setdetachstate (&a, PTHREAD_CREATE_DETACHED);
    if (pthread_create (&th, &a, guard_main, NULL) == 0)
      guard.thread = true;
    else
      one_warn ("libvirt: no watchdog thread (%s): libvirt calls are not "
                "bounded", strerror (errno));
    pthread_attr_destroy (&a);
  }
  pthread_mutex_unlock (&guard.mu);
}

void
one_virt_guard_begin (const char *call)
{
  pthread_mutex_lock (&guard.mu);
  guard.call = call;
  guard.gen++;
  guard.fired = false;
  guard.last_fired = false;
  guard.deadline = real_now () + (guard.seconds > 0 ? guard.seconds : 1800);
  pthread_cond_signal (&guard.cv);
  pthread_mutex_unlock (&guard.mu);
}

void
one_virt_guard_end (void)
{
  pthread_mutex_lock (&guard.mu);
  guard.last_fired = guard.fired;
  guard.call = NULL;
  guard.fired = false;
  pthread_cond_signal (&guard.cv);
  pthread_mutex_unlock (&guard.mu);
}

/* Did the guard cut the call that ended last?  (Consumed.) */
static bool
guard_cut (int *seconds, char host[static 128])
{
  pthread_mutex_lock (&guard.mu);
  bool cut = guard.last_fired;
  guard.last_fired = false;
  *seconds = guard.seconds;
  memcpy (host, guard.host, 128);
  pthread_mutex_unlock (&guard.mu);
  return cut;
}

#define G(call, expr) ONE_VIRT_GUARD (call, expr)

/* ---- errors ---------------------------------------------------------- */

static void
virt_quiet (void *data, virErrorPtr err)
{
  (void) data;
  (void) err;                   /* libvirt prints errors itself otherwise */
}

char *
one_virt_last_message (void)
{
  virErrorPtr e = virGetLastError ();
  if (e && e->message && *e->message)
    return one_xstrdup (e->message);
  return one_xstrdup ("unknown libvirt error");
}

void
one_virt_error_msg (char *msg, const char *call, const char *what_fmt, ...)
{
  va_list ap;
  va_start (ap, what_fmt);
  ONE_AUTOFREE char *what = NULL;
  if (vasprintf (&what, what_fmt, ap) < 0)
    abort ();
  va_end (ap);
  int secs;
  char host[128];
  if (guard_cut (&secs, host))
    one_error ("%s: %s: no answer from '%s' within %d s (:libvirt_timeout:); "
               "the host may be frozen or overloaded (libvirt: %s)",
               what, call, host, secs, msg);
  else
    one_error ("%s: %s: %s", what, call, msg);
  free (msg);
}

static int
virt_init (void)
{
  static bool done;
  if (done)
    return 0;
  /* libvirt reads auth.conf ($LIBVIRT_AUTH_FILE, ~/.config/libvirt,
   * /etc/libvirt) before asking our callback: point it at an empty file of
   * our own so that only vmwarerc's credentials are used.  It must be a
   * regular file (/dev/null is refused): an anonymous memory file, reached
   * through /proc/self/fd, which leaves nothing behind on disk. */
  int fd = memfd_create ("esxmad-noauth", MFD_CLOEXEC);
  if (fd < 0) {
    one_error ("libvirt: empty auth file: memfd_create: %m");
    return -1;
  }
  char authfile[64];
  snprintf (authfile, sizeof authfile, "/proc/self/fd/%d", fd);
  if (setenv ("LIBVIRT_AUTH_FILE", authfile, 1) < 0) {
    one_error ("setenv LIBVIRT_AUTH_FILE: %m");
    return -1;
  }
  /* libvirt logs warnings on stderr, which oned would relay: keep them
   * out unless debugging or asked for. */
  if (!getenv ("LIBVIRT_LOG_OUTPUTS") && !one_debug_enabled ())
    setenv ("LIBVIRT_LOG_OUTPUTS", "4:file:/dev/null", 1);
  if (virInitialize () < 0) {
    one_virt_error ("virInitialize", "libvirt");
    return -1;
  }
  virSetErrorFunc (NULL, virt_quiet);
  done = true;
  return 0;
}

/* ---- connections ----------------------------------------------------- */

static int
virt_auth_cb (virConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
  const one_target *t = cbdata;
  for (unsigned int i = 0; i < ncred; i++) {
    const char *v = NULL;
    switch (cred[i].type) {
    case VIR_CRED_AUTHNAME:
    case VIR_CRED_USERNAME:
    case VIR_CRED_ECHOPROMPT:
      v = t->username;
      break;
    case VIR_CRED_PASSPHRASE:
    case VIR_CRED_NOECHOPROMPT:
      v = t->password ? t->password : "";
      break;
    default:
      return -1;
    }
    if (v == NULL)
      return -1;
    /* libvirt frees the result */
    cred[i].result = strdup (v);
    if (cred[i].result == NULL)
      return -1;
    cred[i].resultlen = strlen (v);
  }
  return 0;
}

static int virt_credtypes[] = {
  VIR_CRED_AUTHNAME, VIR_CRED_USERNAME, VIR_CRED_ECHOPROMPT,
  VIR_CRED_PASSPHRASE, VIR_CRED_NOECHOPROMPT,
};

/* Which relay serves which connection (a process opens a few). */
static struct { virConnectPtr conn; one_tls_relay *relay; } relays[8];

static one_tls_relay *
relay_of (virConnectPtr conn, bool forget)
{
  for (size_t i = 0; i < sizeof relays / sizeof relays[0]; i++)
    if (relays[i].conn == conn) {
      one_tls_relay *r = relays[i].relay;
      if (forget)
        relays[i].conn = NULL;
      return r;
    }
  return NULL;
}

virConnectPtr
one_virt_open_uri (const one_target *t, const char *uri)
{
  if (virt_init () < 0)
    return NULL;
  int checked = one_tls_check_target (t);
  if (checked < 0)
    return NULL;
  if (checked == 0 && !t->tls_http) {
    /* libvirt 9.0's esx driver sets no timeout on its connection: a host
     * that accepts TCP but never answers would hang it for ever.  A TLS
     * handshake bounded by :timeout: first tells a dead host quickly. */
    ONE_AUTOFREE char *tp = one_tls_peer_sha1 (t->address, t->api_port,
                                               t->timeout);
    if (tp == NULL)
      return NULL;
  }
  ONE_AUTOFREE char *u = NULL;
  one_tls_relay *relay = NULL;
  if (checked == 1) {
    /* libvirt 9.0 cannot pin a certificate: it reaches the host through
     * a loopback relay that checks it on every connection (tlsrelay.h),
     * and trusts the relay. */
    relay = one_tls_relay_start (t);
    if (relay == NULL)
      return NULL;
    ONE_AUTOFREE char *v = one_uri_set_authority (uri, "127.0.0.1",
                                                  one_tls_relay_port (relay));
    if (v == NULL) {
      one_error ("libvirt uri '%s': expected scheme://host/...", uri);
      return NULL;
    }
    u = one_uri_set_param (v, "no_verify", "1");
  }
  else
    u = one_xstrdup (uri);
  virConnectAuth auth = {
    .credtype = virt_credtypes,
    .ncredtype = sizeof virt_credtypes / sizeof virt_credtypes[0],
    .cb = virt_auth_cb,
    .cbdata = (void *) t,
  };
  one_debug ("libvirt: connecting to '%s'", u);
  guard_watch (t);
  virConnectPtr conn = G ("virConnectOpenAuth", virConnectOpenAuth (u, &auth, 0));
  if (conn == NULL) {
    ONE_AUTOFREE char *why = relay ? one_tls_relay_error (relay) : NULL;
    if (why) {
      one_error ("connect to '%s': %s", uri, why);
      return NULL;
    }
    one_virt_error ("virConnectOpenAuth", "connect to '%s'", u);
    if (checked == 0 && !t->tls_no_verify && !t->tls_http
        && strstr (one_errmsg (), "certificate"))
      one_error ("%s (%s)", one_errmsg (), ONE_TLS_UNTRUSTED_HINT);
    return NULL;
  }
  if (relay)
    for (size_t i = 0; i < sizeof relays / sizeof relays[0]; i++)
      if (relays[i].conn == NULL) {
        relays[i].conn = conn;
        relays[i].relay = relay;
        break;
      }
  return conn;
}

virConnectPtr
one_virt_open (const one_target *t)
{
  if (t->libvirt_uri == NULL || *t->libvirt_uri == '\0') {
    one_error ("host '%s': no libvirt uri configured", t->host);
    return NULL;
  }
  return one_virt_open_uri (t, t->libvirt_uri);
}

char *
one_virt_vpx_uri (const one_conf *c, const char *host, one_target **vcp)
{
  if (c->vcenter == NULL || *c->vcenter == '\0') {
    one_error ("vcenter operation on '%s': no :vcenter: in '%s'", host,
               c->path ? c->path : "vmwarerc");
    return NULL;
  }
  if (c->datacenter == NULL || *c->datacenter == '\0') {
    one_error ("vcenter operation on '%s': no :datacenter: in '%s'", host,
               c->path ? c->path : "vmwarerc");
    return NULL;
  }
  ONE_AUTO (one_target) *vc = one_conf_target (c, c->vcenter);
  if (vc == NULL)
    return NULL;
  one_buf b = { 0 };
  one_buf_puts (&b, "vpx://");
  const char *addr = vc->address ? vc->address : c->vcenter;
  if (strchr (addr, ':'))
    one_buf_printf (&b, "[%s]", addr);
  else
    one_buf_puts (&b, addr);
  if (vc->api_port > 0 && vc->api_port != 443)
    one_buf_printf (&b, ":%d", vc->api_port);
  ONE_AUTOFREE char *dc = one_uri_escape (c->datacenter);
  one_buf_printf (&b, "/%s", dc);
  if (c->cluster && *c->cluster) {
    ONE_AUTOFREE char *cl = one_uri_escape (c->cluster);
    one_buf_printf (&b, "/%s", cl);
  }
  ONE_AUTOFREE char *h = one_uri_escape (host);
  one_buf_printf (&b, "/%s", h);
  /* Keep the query of the vCenter's URI (no_verify, auto_answer,
   * transport ...). */
  const char *q = vc->libvirt_uri ? strchr (vc->libvirt_uri, '?') : NULL;
  if (q)
    one_buf_puts (&b, q);
  if (vcp)
    *vcp = one_steal_pointer (&vc);
  return one_buf_steal (&b);
}

virConnectPtr
one_virt_open_vpx (const one_conf *c, const char *host)
{
  ONE_AUTO (one_target) *vc = NULL;
  ONE_AUTOFREE char *uri = one_virt_vpx_uri (c, host, &vc);
  if (uri == NULL)
    return NULL;
  return one_virt_open_uri (vc, uri);
}

/* ---- domains --------------------------------------------------------- */

virDomainPtr
one_virt_lookup (virConnectPtr conn, const char *name, bool *missing)
{
  if (missing)
    *missing = false;
  virDomainPtr dom = G ("virDomainLookupByName", virDomainLookupByName (conn, name));
  if (dom)
    return dom;
  virErrorPtr e = virGetLastError ();
  if (e && e->code == VIR_ERR_NO_DOMAIN) {
    one_error ("vm '%s' not found", name);
    if (missing)
      *missing = true;
    return NULL;
  }
  one_virt_error ("virDomainLookupByName", "look up vm '%s'", name);
  return NULL;
}

int
one_virt_state (virDomainPtr dom)
{
  int state = 0, reason = 0;
  if (G ("virDomainGetState", virDomainGetState (dom, &state, &reason, 0)) < 0) {
    one_virt_error ("virDomainGetState", "state of vm '%s'",
                    virDomainGetName (dom));
    return -1;
  }
  return state;
}

const char *
one_virt_state_name (int state)
{
  switch (state) {
  case VIR_DOMAIN_RUNNING: return "running";
  case VIR_DOMAIN_BLOCKED: return "blocked";
  case VIR_DOMAIN_PAUSED: return "paused";
  case VIR_DOMAIN_SHUTDOWN: return "shutting down";
  case VIR_DOMAIN_SHUTOFF: return "shut off";
  case VIR_DOMAIN_CRASHED: return "crashed";
  case VIR_DOMAIN_PMSUSPENDED: return "suspended";
  default: return "unknown";
  }
}

virDomainPtr
one_virt_define (virConnectPtr conn, const char *xml)
{
  virDomainPtr dom = G ("virDomainDefineXML", virDomainDefineXML (conn, xml));
  if (dom == NULL)
    one_virt_error ("virDomainDefineXML", "define vm");
  return dom;
}

#define DOM_OP(fn, call, verb, expr)                                    \
  int fn (virDomainPtr dom)                                             \
  {                                                                     \
    if (G (call, expr) < 0) {                                           \
      one_virt_error (call, verb " vm '%s'", virDomainGetName (dom));   \
      return -1;                                                        \
    }                                                                   \
    return 0;                                                           \
  }

DOM_OP (one_virt_start, "virDomainCreate", "start", virDomainCreate (dom))
DOM_OP (one_virt_destroy, "virDomainDestroy", "destroy", virDomainDestroy (dom))
DOM_OP (one_virt_suspend, "virDomainSuspend", "suspend", virDomainSuspend (dom))
DOM_OP (one_virt_resume, "virDomainResume", "resume", virDomainResume (dom))
DOM_OP (one_virt_reboot, "virDomainReboot", "reboot", virDomainReboot (dom, 0))

int
one_virt_undefine (virDomainPtr dom)
{
  for (int attempt = 1;; attempt++) {
    if (G ("virDomainUndefine", virDomainUndefine (dom)) == 0)
      return 0;
    virErrorPtr e = virGetLastError ();
    /* ESX refuses while a task still holds the VM: retry briefly. */
    bool busy = e && e->message && strstr (e->message, "TaskInProgress");
    if (!busy || attempt >= 5) {
      one_virt_error ("virDomainUndefine", "undefine vm '%s'",
                      virDomainGetName (dom));
      return -1;
    }
    sleep (1);
  }
}

int
one_virt_shutdown_wait (virDomainPtr dom, int timeout, int interval_ms)
{
  const char *name = virDomainGetName (dom);
  int st = one_virt_state (dom);
  if (st < 0)
    return -1;
  if (st == VIR_DOMAIN_SHUTOFF)
    return 0;
  if (G ("virDomainShutdown", virDomainShutdown (dom)) < 0) {
    one_virt_error ("virDomainShutdown", "shut down vm '%s'", name);
    return -1;
  }
  double end = one_now () + timeout;
  for (;;) {
    st = one_virt_state (dom);
    if (st < 0)
      return -1;
    if (st == VIR_DOMAIN_SHUTOFF)
      return 0;
    if (one_now () >= end) {
      one_error ("timeout reached, vm '%s' is still %s after %ds", name,
                 one_virt_state_name (st), timeout);
      return -1;
    }
    struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
  }
}

int
one_virt_snapshot_create (virDomainPtr dom, const char *name)
{
  ONE_AUTOFREE char *xml =
    one_xasprintf ("<domainsnapshot><name>%s</name></domainsnapshot>", name);
  virDomainSnapshotPtr s =
    G ("virDomainSnapshotCreateXML", virDomainSnapshotCreateXML (dom, xml, 0));
  if (s == NULL) {
    one_virt_error ("virDomainSnapshotCreateXML", "snapshot '%s' of vm '%s'",
                    name, virDomainGetName (dom));
    return -1;
  }
  virDomainSnapshotFree (s);
  return 0;
}

static virDomainSnapshotPtr
snapshot_lookup (virDomainPtr dom, const char *name)
{
  virDomainSnapshotPtr s =
    G ("virDomainSnapshotLookupByName", virDomainSnapshotLookupByName (dom, name, 0));
  if (s == NULL) {
    virErrorPtr e = virGetLastError ();
    if (e && e->code == VIR_ERR_NO_DOMAIN_SNAPSHOT)
      one_error ("snapshot '%s' of vm '%s' not found", name,
                 virDomainGetName (dom));
    else
      one_virt_error ("virDomainSnapshotLookupByName",
                      "snapshot '%s' of vm '%s'", name,
                      virDomainGetName (dom));
  }
  return s;
}

int
one_virt_snapshot_exists (virDomainPtr dom, const char *name)
{
  virDomainSnapshotPtr s =
    G ("virDomainSnapshotLookupByName", virDomainSnapshotLookupByName (dom, name, 0));
  if (s) {
    virDomainSnapshotFree (s);
    return 1;
  }
  virErrorPtr e = virGetLastError ();
  if (e && e->code == VIR_ERR_NO_DOMAIN_SNAPSHOT)
    return 0;
  one_virt_error ("virDomainSnapshotLookupByName", "snapshot '%s' of vm '%s'",
                  name, virDomainGetName (dom));
  return -1;
}

int
one_virt_snapshot_revert (virDomainPtr dom, const char *name)
{
  ONE_AUTO (virDomainSnapshot) *s = snapshot_lookup (dom, name);
  if (s == NULL)
    return -1;
  /* ESX 5.5 sometimes refuses the first revert (OpenNebula 4.10 retried
   * once, 2fd1d1ffa9): so do we. */
  for (int attempt = 1;; attempt++) {
    if (G ("virDomainRevertToSnapshot", virDomainRevertToSnapshot (s, 0)) == 0)
      return 0;
    if (attempt == 2)
      break;
    one_debug ("revert of '%s' to '%s' failed, retrying once",
               virDomainGetName (dom), name);
    sleep (1);
  }
  one_virt_error ("virDomainRevertToSnapshot",
                  "revert vm '%s' to snapshot '%s'", virDomainGetName (dom),
                  name);
  return -1;
}

int
one_virt_snapshot_delete (virDomainPtr dom, const char *name)
{
  ONE_AUTO (virDomainSnapshot) *s = snapshot_lookup (dom, name);
  if (s == NULL)
    return -1;
  if (G ("virDomainSnapshotDelete", virDomainSnapshotDelete (s, 0)) < 0) {
    one_virt_error ("virDomainSnapshotDelete", "delete snapshot '%s' of vm '%s'",
                    name, virDomainGetName (dom));
    return -1;
  }
  return 0;
}

int
one_virt_migrate (virDomainPtr dom, virConnectPtr dconn, bool live)
{
  unsigned long flags = live ? VIR_MIGRATE_LIVE : 0;
  virDomainPtr d = G ("virDomainMigrate",
                       virDomainMigrate (dom, dconn, flags, NULL, NULL, 0));
  if (d == NULL) {
    one_virt_error ("virDomainMigrate", "migrate vm '%s'",
                    virDomainGetName (dom));
    return -1;
  }
  virDomainFree (d);
  return 0;
}

char *
one_virt_xml (virDomainPtr dom)
{
  char *xml = G ("virDomainGetXMLDesc", virDomainGetXMLDesc (dom, 0));
  if (xml == NULL)
    one_virt_error ("virDomainGetXMLDesc", "describe vm '%s'",
                    virDomainGetName (dom));
  return xml;
}

void
one_virt_close (virConnectPtr conn)
{
  if (conn == NULL)
    return;
  one_tls_relay *relay = relay_of (conn, true);
  (void) G ("virConnectClose", virConnectClose (conn));
  /* libvirt has closed its sockets: let its relay finish, so that no
   * relay thread is half-way through its work when the action exits */
  if (relay)
    one_tls_relay_wait_idle (relay, 2.0);
}
