/* esxmad: a loopback TLS relay that lets libvirt reach a host whose
 * certificate esxmad checks on the very connection used.  See tlsrelay.h. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "esxmad.h"

struct one_tls_relay {
  one_target *t;                /* the host, as vmwarerc describes it */
  SSL_CTX *server;              /* our side towards libvirt */
  int lfd;                      /* listening on 127.0.0.1 */
  int port;
  pthread_mutex_t mu;
  char *error;                  /* the last upstream failure, for messages */
  int active;                   /* connections relayed now (active_mu) */
};

/* A throw-away self-signed certificate for the loopback side: libvirt
 * connects with no_verify=1 to it, and only to it. */
static SSL_CTX *
server_ctx (void)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *x = X509_new ();
  SSL_CTX *ctx = SSL_CTX_new (TLS_server_method ());
  bool ok = key && x && ctx;
  if (ok) {
    X509_set_version (x, 2);
    ASN1_INTEGER_set (X509_get_serialNumber (x), 1);
    X509_gmtime_adj (X509_getm_notBefore (x), -3600);
    X509_gmtime_adj (X509_getm_notAfter (x), 7L * 24 * 3600);
    X509_NAME *n = X509_get_subject_name (x);
    X509_NAME_add_entry_by_txt (n, "CN", MBSTRING_ASC,
                                (const unsigned char *) "esxmad loopback relay",
                                -1, -1, 0);
    X509_set_issuer_name (x, n);
    ok = X509_set_pubkey (x, key) == 1 && X509_sign (x, key, EVP_sha256 ()) > 0
      && SSL_CTX_use_certificate (ctx, x) == 1
      && SSL_CTX_use_PrivateKey (ctx, key) == 1;
  }
  X509_free (x);
  EVP_PKEY_free (key);
  if (!ok) {
    char buf[256];
    ERR_error_string_n (ERR_get_error (), buf, sizeof buf);
    one_error ("tls relay: certificate: %s", buf);
    SSL_CTX_free (ctx);
    return NULL;
  }
  SSL_CTX_set_mode (ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
                    | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return ctx;
}

/* Is the other end of the accepted loopback connection 'fd' a socket of
 * this very process?  (Another local user must not borrow the relay.) */
static bool
peer_is_ours (int fd)
{
  struct sockaddr_in peer;
  socklen_t pl = sizeof peer;
  if (getpeername (fd, (struct sockaddr *) &peer, &pl) < 0
      || peer.sin_family != AF_INET
      || peer.sin_addr.s_addr != htonl (INADDR_LOOPBACK))
    return false;
  DIR *d = opendir ("/proc/self/fd");
  if (d == NULL)
    return false;
  bool found = false;
  struct dirent *e;
  while (!found && (e = readdir (d)) != NULL) {
    char *end;
    long o = strtol (e->d_name, &end, 10);
    if (*end || end == e->d_name || o == fd || o == dirfd (d))
      continue;
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    struct stat st;
    if (fstat ((int) o, &st) == 0 && S_ISSOCK (st.st_mode)
        && getsockname ((int) o, (struct sockaddr *) &me, &ml) == 0
        && me.sin_family == AF_INET && me.sin_port == peer.sin_port
        && me.sin_addr.s_addr == peer.sin_addr.s_addr)
      found = true;
  }
  closedir (d);
  return found;
}

/* One direction of a relayed connection. */
struct half {
  SSL *from, *to;
  char buf[16384];
  int len, off;
  bool eof;
};

/* Move what can be moved without blocking; sets the poll events each
 * SSL waits for.  Returns true when something moved. */
static bool
pump (struct half *h, short *ev_from, short *ev_to)
{
  bool moved = false;
  if (h->len == 0 && !h->eof) {
    int n = SSL_read (h->from, h->buf, sizeof h->buf);
    if (n > 0) {
      h->len = n;
      h->off = 0;
      moved = true;
    }
    else
      switch (SSL_get_error (h->from, n)) {
      case SSL_ERROR_WANT_READ: *ev_from |= POLLIN; break;
      case SSL_ERROR_WANT_WRITE: *ev_from |= POLLOUT; break;
      default: h->eof = true; moved = true; break;
      }
  }
  if (h->len > h->off) {
    int n = SSL_write (h->to, h->buf + h->off, h->len - h->off);
    if (n > 0) {
      h->off += n;
      if (h->off == h->len)
        h->len = h->off = 0;
      moved = true;
    }
    else
      switch (SSL_get_error (h->to, n)) {
      case SSL_ERROR_WANT_READ: *ev_to |= POLLIN; break;
      case SSL_ERROR_WANT_WRITE: *ev_to |= POLLOUT; break;
      default: h->eof = true; h->len = h->off = 0; moved = true; break;
      }
  }
  return moved;
}

struct conn {
  one_tls_relay *r;
  int cfd;
};

/* r->active: connections being relayed, under active_mu. */
static pthread_mutex_t active_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t active_cv = PTHREAD_COND_INITIALIZER;

static void
active_add (one_tls_relay *r, int d)
{
  pthread_mutex_lock (&active_mu);
  r->active += d;
  pthread_cond_broadcast (&active_cv);
  pthread_mutex_unlock (&active_mu);
}

bool
one_tls_relay_wait_idle (one_tls_relay *r, double seconds)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  ts.tv_sec += (time_t) seconds;
  ts.tv_nsec += (long) ((seconds - (double) (time_t) seconds) * 1e9);
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock (&active_mu);
  int e = 0;
  while (r->active > 0 && e == 0)
    e = pthread_cond_timedwait (&active_cv, &active_mu, &ts);
  bool idle = r->active == 0;
  pthread_mutex_unlock (&active_mu);
  return idle;
}

static void
set_error (one_tls_relay *r, const char *msg)
{
  pthread_mutex_lock (&r->mu);
  free (r->error);
  r->error = one_xstrdup (msg);
  pthread_mutex_unlock (&r->mu);
}

static void *
conn_main (void *arg)
{
  struct conn *c = arg;
  one_tls_relay *r = c->r;
  SSL *down = NULL, *up = NULL;
  struct half *a = NULL, *b = NULL;
  /* upstream first: a host that fails the check is never spoken to */
  up = one_tls_connect_checked (r->t);
  if (up == NULL) {
    set_error (r, one_errmsg () ? one_errmsg () : "upstream connection failed");
    one_error_reset ();
    goto out;
  }
  down = SSL_new (r->server);
  if (down == NULL || SSL_set_fd (down, c->cfd) != 1 || SSL_accept (down) != 1)
    goto out;
  int ufd = SSL_get_fd (up);
  fcntl (ufd, F_SETFL, fcntl (ufd, F_GETFL) | O_NONBLOCK);
  fcntl (c->cfd, F_SETFL, fcntl (c->cfd, F_GETFL) | O_NONBLOCK);
  a = one_xcalloc (1, sizeof *a);
  b = one_xcalloc (1, sizeof *b);
  a->from = down; a->to = up;   /* libvirt -> host */
  b->from = up; b->to = down;   /* host -> libvirt */
  for (;;) {
    short ev_down = 0, ev_up = 0;
    bool moved;
    do {
      ev_down = ev_up = 0;
      moved = pump (a, &ev_down, &ev_up);
      moved |= pump (b, &ev_up, &ev_down);
    } while (moved && !a->eof && !b->eof);
    /* either side closing ends the connection (HTTP keeps no half-open
     * state worth keeping; libvirt reconnects) */
    if (a->eof || b->eof)
      break;
    struct pollfd p[2] = { { c->cfd, ev_down, 0 }, { ufd, ev_up, 0 } };
    if (poll (p, 2, -1) < 0 && errno != EINTR)
      break;
  }
  SSL_shutdown (down);
out:
  free (a);
  free (b);
  SSL_free (down);
  close (c->cfd);
  one_tls_close (up);
  free (c);
  active_add (r, -1);
  return NULL;
}

static void *
accept_main (void *arg)
{
  one_tls_relay *r = arg;
  for (;;) {
    int fd = accept4 (r->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      return NULL;
    }
    if (!peer_is_ours (fd)) {
      close (fd);
      continue;
    }
    struct conn *c = one_xcalloc (1, sizeof *c);
    c->r = r;
    c->cfd = fd;
    active_add (r, 1);
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init (&at);
    pthread_attr_setdetachstate (&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create (&th, &at, conn_main, c) != 0) {
      close (fd);
      free (c);
      active_add (r, -1);
    }
    pthread_attr_destroy (&at);
  }
}

one_tls_relay *
one_tls_relay_start (const one_target *t)
{
  SSL_CTX *ctx = server_ctx ();
  if (ctx == NULL)
    return NULL;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET,
                            .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t sl = sizeof sa;
  if (fd < 0 || bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0
      || listen (fd, 16) < 0 || getsockname (fd, (struct sockaddr *) &sa, &sl) < 0) {
    one_error ("tls relay: listen on 127.0.0.1: %s", strerror (errno));
    if (fd >= 0)
      close (fd);
    SSL_CTX_free (ctx);
    return NULL;
  }
  one_tls_relay *r = one_xcalloc (1, sizeof *r);
  r->t = one_target_dup (t);
  if (r->t->password) {         /* the relay never logs in */
    explicit_bzero (r->t->password, strlen (r->t->password));
    free (r->t->password);
    r->t->password = NULL;
  }
  r->server = ctx;
  r->lfd = fd;
  r->port = ntohs (sa.sin_port);
  pthread_mutex_init (&r->mu, NULL);
  pthread_t th;
  pthread_attr_t at;
  pthread_attr_init (&at);
  pthread_attr_setdetachstate (&at, PTHREAD_CREATE_DETACHED);
  /* The relay's threads (they inherit this mask) write to sockets the
   * other side may have closed, or the libvirt guard shut down: they get
   * EPIPE instead of a SIGPIPE that would end the action. */
  sigset_t pipe, old;
  sigemptyset (&pipe);
  sigaddset (&pipe, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe, &old);
  int e = pthread_create (&th, &at, accept_main, r);
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  pthread_attr_destroy (&at);
  if (e != 0) {
    one_error ("tls relay: pthread_create: %s", strerror (e));
    close (fd);
    SSL_CTX_free (ctx);
    one_target_free (r->t);
    free (r);
    return NULL;
  }
  one_debug ("tls relay: 127.0.0.1:%d -> %s:%d (certificate checked on "
             "every connection)", r->port, t->address ? t->address : t->host,
             t->api_port > 0 ? t->api_port : 443);
  return r;
}

int
one_tls_relay_port (const one_tls_relay *r)
{
  return r->port;
}

char *
one_tls_relay_error (one_tls_relay *r)
{
  pthread_mutex_lock (&r->mu);
  char *e = r->error;
  r->error = NULL;
  pthread_mutex_unlock (&r->mu);
  return e;
}
