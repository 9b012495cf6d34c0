/* esxmad: SSH to ESX hosts with libssh2 (see ssh.h).
 *
 * The session runs in non-blocking mode; every wait goes through
 * ssh_wait(), a poll() on the socket bounded by the timeout, so that no
 * call can hang longer than that without data moving. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "b64.h"
#include "err.h"
#include "shq.h"
#include "ssh.h"
#include "util.h"

struct one_ssh {
  int sock;
  LIBSSH2_SESSION *sess;
  LIBSSH2_SFTP *sftp;
  int timeout;                  /* seconds, 0 = none */
  bool dead;                    /* transport broken or timed out */
  char *name;                   /* user@address:port */
  /* What is needed to connect again (cleanup after a broken transfer). */
  one_target t;
};

#define EXIT_MARK "\036esxmad-exit "

/* ------------------------------------------------------------------ */
/* Errors and waiting */

static const char *
sess_err (one_ssh *s)
{
  char *msg = NULL;
  if (!s->sess)
    return "no session";
  libssh2_session_last_error (s->sess, &msg, NULL, 0);
  return msg && *msg ? msg : "unknown error";
}

static const char *
sftp_status_text (unsigned long code)
{
  switch (code) {
  case LIBSSH2_FX_EOF: return "end of file";
  case LIBSSH2_FX_NO_SUCH_FILE: return "no such file";
  case LIBSSH2_FX_PERMISSION_DENIED: return "permission denied";
  case LIBSSH2_FX_FAILURE: return "failure (disk full, or the target exists?)";
  case LIBSSH2_FX_BAD_MESSAGE: return "bad message";
  case LIBSSH2_FX_NO_CONNECTION: return "no connection";
  case LIBSSH2_FX_CONNECTION_LOST: return "connection lost";
  case LIBSSH2_FX_OP_UNSUPPORTED: return "operation unsupported";
  case LIBSSH2_FX_FILE_ALREADY_EXISTS: return "file already exists";
  case LIBSSH2_FX_WRITE_PROTECT: return "write protected";
  case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: return "no space left on the datastore";
  case LIBSSH2_FX_QUOTA_EXCEEDED: return "quota exceeded";
  case LIBSSH2_FX_DIR_NOT_EMPTY: return "folder not empty";
  case LIBSSH2_FX_NOT_A_DIRECTORY: return "not a folder";
  default: return "sftp error";
  }
}

/* The connection is unusable: cut the socket and make libssh2 blocking, so
 * that the cleanup calls (channel, SFTP, session free) fail at once instead
 * of answering EAGAIN and leaking. */
static void
mark_dead (one_ssh *s)
{
  if (s->dead && s->sock < 0)
    return;
  s->dead = true;
  if (s->sock >= 0)
    shutdown (s->sock, SHUT_RDWR);
  if (s->sess)
    libssh2_session_set_blocking (s->sess, 1);
}

/* Report a failed libssh2 call 'fn' while doing 'what'. */
static void
ssh_fail (one_ssh *s, const char *fn, const char *what, int rc)
{
  if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL && s->sftp) {
    unsigned long code = libssh2_sftp_last_error (s->sftp);
    one_error ("%s on '%s': %s: %s (sftp status %lu)", what, s->name, fn,
               sftp_status_text (code), code);
    return;
  }
  if (rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND ||
      rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_TIMEOUT ||
      rc == LIBSSH2_ERROR_SOCKET_TIMEOUT)
    mark_dead (s);
  one_error ("%s on '%s': %s: %s%s", what, s->name, fn, sess_err (s),
             s->dead ? " (connection lost)" : "");
}

/* Wait until the socket is ready in the direction libssh2 needs.
 * -1 with one_error set on timeout or a poll error. */
static int
ssh_wait (one_ssh *s, const char *what)
{
  struct pollfd p = { .fd = s->sock };
  int dir = libssh2_session_block_directions (s->sess);
  if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
    p.events |= POLLIN;
  if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
    p.events |= POLLOUT;
  if (!p.events)
    p.events = POLLIN;
  for (;;) {
    int r = poll (&p, 1, s->timeout > 0 ? s->timeout * 1000 : -1);
    if (r > 0)
      return 0;
    if (r == 0) {
      mark_dead (s);
      one_error ("%s on '%s': no answer within %d s (timeout)", what, s->name,
                 s->timeout);
      return -1;
    }
    if (errno != EINTR) {
      mark_dead (s);
      one_error ("%s on '%s': poll: %s", what, s->name, strerror (errno));
      return -1;
    }
  }
}

/* Call EXPR until it stops answering EAGAIN. */
#define SSH_LOOP(s, rc, expr, what)                                       \
  do {                                                                    \
    while (((rc) = (expr)) == LIBSSH2_ERROR_EAGAIN)                       \
      if (ssh_wait ((s), (what)) < 0)                                     \
        break;                                                            \
  } while (0)

/* The same for calls returning a pointer (NULL + EAGAIN = again). */
#define SSH_LOOP_PTR(s, p, expr, what)                                    \
  do {                                                                    \
    while (((p) = (expr)) == NULL &&                                      \
           libssh2_session_last_errno ((s)->sess) == LIBSSH2_ERROR_EAGAIN)\
      if (ssh_wait ((s), (what)) < 0)                                     \
        break;                                                            \
  } while (0)

/* ------------------------------------------------------------------ */
/* Connecting */

static int
tcp_connect (const char *addr, int port, int timeout)
{
  char portstr[16];
  struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
  struct addrinfo *res = NULL;
  int err, fd = -1, last = 0;

  snprintf (portstr, sizeof portstr, "%d", port);
  err = getaddrinfo (addr, portstr, &hints, &res);
  if (err) {
    one_error ("ssh connect '%s:%d': getaddrinfo: %s", addr, port,
               gai_strerror (err));
    return -1;
  }
  for (struct addrinfo *a = res; a; a = a->ai_next) {
    fd = socket (a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                 a->ai_protocol);
    if (fd < 0) {
      last = errno;
      continue;
    }
    if (connect (fd, a->ai_addr, a->ai_addrlen) == 0)
      break;
    if (errno == EINPROGRESS) {
      struct pollfd p = { .fd = fd, .events = POLLOUT };
      int r;
      do
        r = poll (&p, 1, timeout > 0 ? timeout * 1000 : -1);
      while (r < 0 && errno == EINTR);
      if (r == 0)
        last = ETIMEDOUT;
      else {
        socklen_t l = sizeof last;
        if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &last, &l) < 0)
          last = errno;
        if (last == 0)
          break;
      }
    }
    else
      last = errno;
    close (fd);
    fd = -1;
  }
  freeaddrinfo (res);
  if (fd < 0) {
    if (last == ETIMEDOUT)
      one_error ("ssh connect '%s:%d': no answer within %d s (timeout)",
                 addr, port, timeout);
    else
      one_error ("ssh connect '%s:%d': %s", addr, port,
                 strerror (last ? last : ECONNREFUSED));
  }
  return fd;
}

static char *
expand_home (const char *p)
{
  const char *home = getenv ("HOME");
  if (p && p[0] == '~' && p[1] == '/' && home)
    return one_xasprintf ("%s%s", home, p + 1);
  return one_xstrdup (p);
}

/* The known_hosts lookup name, as OpenSSH writes it. */
static char *
kh_name (const one_target *t)
{
  if (t->ssh_port == 22)
    return one_xstrdup (t->address);
  return one_xasprintf ("[%s]:%d", t->address, t->ssh_port);
}

static int
keytype_kh (int hostkey_type)
{
  switch (hostkey_type) {
  case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
  case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
  case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
  case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
  case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
  case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
  default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

/* Load the lines of a known_hosts file that libssh2 understands (markers
 * such as @cert-authority and unknown key types are skipped). */
static LIBSSH2_KNOWNHOSTS *
kh_load (LIBSSH2_SESSION *sess, const char *data, size_t len, int only_line)
{
  LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init (sess);
  const char *p = data, *end = data + len;
  int lineno = 0;
  if (!kh)
    return NULL;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *e = nl ? nl : end;
    lineno++;
    if ((only_line == 0 || only_line == lineno) && e > p && *p != '#' &&
        *p != '@')
    {
      /* libssh2 1.10 wants the line with its newline (else it drops the
       * last character of the key). */
      char *l = one_xasprintf ("%.*s\n", (int) (e - p), p);
      (void) libssh2_knownhost_readline (kh, l, strlen (l),
                                         LIBSSH2_KNOWNHOST_FILE_OPENSSH);
      free (l);
    }
    p = nl ? nl + 1 : end;
  }
  return kh;
}

/* The "@revoked" lines, without their marker. */
static LIBSSH2_KNOWNHOSTS *
kh_load_revoked (LIBSSH2_SESSION *sess, const char *data, size_t len)
{
  LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init (sess);
  const char *p = data, *end = data + len;
  if (!kh)
    return NULL;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *e = nl ? nl : end;
    if (e - p > 9 && !strncmp (p, "@revoked ", 9)) {
      char *l = one_xasprintf ("%.*s\n", (int) (e - p - 9), p + 9);
      (void) libssh2_knownhost_readline (kh, l, strlen (l),
                                         LIBSSH2_KNOWNHOST_FILE_OPENSSH);
      free (l);
    }
    p = nl ? nl + 1 : end;
  }
  return kh;
}

static int
kh_check (LIBSSH2_KNOWNHOSTS *kh, const char *name, const char *key,
          size_t keylen, int keybit)
{
  struct libssh2_knownhost *found = NULL;
  return libssh2_knownhost_checkp (kh, name, -1, key, keylen,
                                   LIBSSH2_KNOWNHOST_TYPE_PLAIN |
                                   LIBSSH2_KNOWNHOST_KEYENC_RAW | keybit,
                                   &found);
}

/* Prefer the host key algorithms for which known_hosts has an entry for
 * this host (as OpenSSH does), so that a host with several keys is
 * matched against the one on file. */
static void
set_hostkey_prefs (LIBSSH2_SESSION *sess, LIBSSH2_KNOWNHOSTS *kh,
                   const char *name)
{
  static const struct { int bit; const char *algs; } types[] = {
    { LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519" },
    { LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256" },
    { LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384" },
    { LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521" },
    { LIBSSH2_KNOWNHOST_KEY_SSHRSA, "rsa-sha2-512,rsa-sha2-256,ssh-rsa" },
  };
  one_buf b = { 0 };
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    int r = kh_check (kh, name, "x", 1, types[i].bit);
    if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ||
        r == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
      if (b.len)
        one_buf_putc (&b, ',');
      one_buf_puts (&b, types[i].algs);
    }
  }
  if (b.len)
    (void) libssh2_session_method_pref (sess, LIBSSH2_METHOD_HOSTKEY, b.data);
  one_buf_free (&b);
}

static char *
fingerprint (LIBSSH2_SESSION *sess)
{
  const char *h = libssh2_hostkey_hash (sess, LIBSSH2_HOSTKEY_HASH_SHA256);
  char *b, *r;
  size_t n;
  if (!h)
    return one_xstrdup ("(unknown)");
  b = one_b64_encode (h, 32);
  n = strlen (b);
  while (n && b[n - 1] == '=')
    b[--n] = 0;
  r = one_xasprintf ("SHA256:%s", b);
  free (b);
  return r;
}

static const char *
keytype_name (int type)
{
  switch (type) {
  case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
  case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
  case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
  case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
  case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
  case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
  default: return "unknown";
  }
}

/* Refuse anything but a known_hosts MATCH. */
static int
verify_hostkey (one_ssh *s, const char *khfile, const char *khdata,
                size_t khlen)
{
  ONE_AUTOFREE char *name = kh_name (&s->t);
  ONE_AUTOFREE char *fp = fingerprint (s->sess);
  ONE_AUTOFREE char *scan = NULL;
  LIBSSH2_KNOWNHOSTS *kh;
  size_t keylen = 0;
  int type = 0, r, bit;
  const char *key = libssh2_session_hostkey (s->sess, &keylen, &type);

  if (!key) {
    one_error ("ssh connect '%s': libssh2_session_hostkey: %s", s->name,
               sess_err (s));
    return -1;
  }
  bit = keytype_kh (type);
  kh = kh_load (s->sess, khdata, khlen, 0);
  if (!kh) {
    one_error ("ssh connect '%s': libssh2_knownhost_init: %s", s->name,
               sess_err (s));
    return -1;
  }
  r = kh_check (kh, name, key, keylen, bit);
  libssh2_knownhost_free (kh);
  /* "@revoked host key" lines: a revoked key is refused outright. */
  if ((kh = kh_load_revoked (s->sess, khdata, khlen))) {
    int rv = kh_check (kh, name, key, keylen, bit);
    libssh2_knownhost_free (kh);
    if (rv == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
      one_error ("ssh connect '%s': the host key of '%s' (%s) is marked "
                 "@revoked in '%s'; refused", s->name, name, fp, khfile);
      return -1;
    }
  }
  if (s->t.ssh_port == 22)
    scan = one_xasprintf ("ssh-keyscan %s >> %s", s->t.address, khfile);
  else
    scan = one_xasprintf ("ssh-keyscan -p %d %s >> %s", s->t.ssh_port,
                          s->t.address, khfile);
  switch (r) {
  case LIBSSH2_KNOWNHOST_CHECK_MATCH:
    return 0;
  case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: {
    /* Find the line, for the operator. */
    int line = 0, n = 1;
    for (const char *p = khdata; p < khdata + khlen; p++)
      n += *p == '\n';
    for (int i = 1; i <= n && !line; i++) {
      LIBSSH2_KNOWNHOSTS *one = kh_load (s->sess, khdata, khlen, i);
      if (one) {
        if (kh_check (one, name, key, keylen, bit) ==
            LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
          line = i;
        libssh2_knownhost_free (one);
      }
    }
    one_error ("ssh connect '%s': the host key of '%s' has CHANGED "
               "(the server now offers %s %s); refused: if the host was "
               "reinstalled, check line %d of '%s' (ssh-keygen -R '%s' -f "
               "'%s') and add the new key after verifying it; otherwise "
               "someone may be intercepting the connection",
               s->name, name, keytype_name (type), fp, line, khfile, name,
               khfile);
    return -1;
  }
  case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
    one_error ("ssh connect '%s': unknown host key for '%s' (%s %s), not in "
               "'%s'; refused: verify the fingerprint and add it with: %s",
               s->name, name, keytype_name (type), fp, khfile, scan);
    return -1;
  default:
    one_error ("ssh connect '%s': libssh2_knownhost_checkp: %s", s->name,
               sess_err (s));
    return -1;
  }
}

/* true when the peer closed the connection (or it broke). */
static bool
peer_closed (int sock)
{
  char c;
  ssize_t k = recv (sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK
                    && errno != EINTR);
}

static int
login (one_ssh *s)
{
  const char *home = getenv ("HOME");
  const char *defaults[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
  char *cands[4] = { 0 };
  size_t n = 0;
  int rc = -1;
  one_buf tried = { 0 };

  if (s->t.ssh_identity && *s->t.ssh_identity)
    cands[n++] = expand_home (s->t.ssh_identity);
  else
    for (size_t i = 0; i < 3; i++) {
      char *p = one_xasprintf ("%s/.ssh/%s", home ? home : "", defaults[i]);
      if (access (p, R_OK) == 0)
        cands[n++] = p;
      else
        free (p);
    }
  if (n == 0) {
    one_error ("ssh login '%s': no private key: set :ssh_identity: in "
               "vmwarerc or create ~/.ssh/id_ed25519", s->name);
    return -1;
  }
  for (size_t i = 0; i < n && rc != 0; i++) {
    int r;
    if (access (cands[i], R_OK) != 0) {
      one_buf_printf (&tried, "%s'%s': %s", tried.len ? ", " : "", cands[i],
                      strerror (errno));
      continue;
    }
    SSH_LOOP (s, r, libssh2_userauth_publickey_fromfile_ex
              (s->sess, s->t.ssh_user, strlen (s->t.ssh_user), NULL,
               cands[i], NULL), "ssh login");
    if (r == 0)
      rc = 0;
    else if (r == LIBSSH2_ERROR_EAGAIN || s->dead)
      break;                    /* error already set */
    else if (r == LIBSSH2_ERROR_SOCKET_RECV || r == LIBSSH2_ERROR_SOCKET_SEND
             || r == LIBSSH2_ERROR_SOCKET_DISCONNECT
             || r == LIBSSH2_ERROR_SOCKET_TIMEOUT || r == LIBSSH2_ERROR_TIMEOUT
             || peer_closed (s->sock)) {
      /* not a refusal: the connection went away during the login */
      one_error ("ssh login '%s': connection lost during the login (%s)",
                 s->name, sess_err (s));
      mark_dead (s);
      break;
    }
    else
      one_buf_printf (&tried, "%s'%s': %s", tried.len ? ", " : "", cands[i],
                      sess_err (s));
  }
  if (rc != 0 && !s->dead)
    one_error ("ssh login '%s': public key refused (%s); add the public key "
               "to the user's authorized_keys on the host (ESX: "
               "/etc/ssh/keys-%s/authorized_keys)", s->name,
               tried.data ? tried.data : "", s->t.ssh_user);
  for (size_t i = 0; i < n; i++)
    free (cands[i]);
  one_buf_free (&tried);
  return rc;
}

static void
copy_target (one_target *d, const one_target *t)
{
  d->host = one_xstrdup (t->host ? t->host : t->address);
  d->address = one_xstrdup (t->address ? t->address : t->host);
  d->ssh_port = t->ssh_port > 0 ? t->ssh_port : 22;
  d->ssh_user = one_xstrdup (t->ssh_user && *t->ssh_user ? t->ssh_user
                             : t->username && *t->username ? t->username
                             : "root");
  d->ssh_identity = one_xstrdup (t->ssh_identity);
  d->ssh_known_hosts = one_xstrdup (t->ssh_known_hosts);
  d->timeout = t->timeout;
}

static void
free_target (one_target *d)
{
  free (d->host);
  free (d->address);
  free (d->ssh_user);
  free (d->ssh_identity);
  free (d->ssh_known_hosts);
}

one_ssh *
one_ssh_connect (const one_target *t)
{
  ONE_AUTO (one_ssh) *s = NULL;
  ONE_AUTOFREE char *khfile = NULL;
  ONE_AUTOFREE char *khdata = NULL;
  ONE_AUTOFREE char *khname = NULL;
  size_t khlen = 0;
  int rc;

  if (!t || (!t->address && !t->host)) {
    one_error ("ssh connect: no host address");
    return NULL;
  }
  if (libssh2_init (0) != 0) {
    one_error ("ssh connect: libssh2_init failed");
    return NULL;
  }
  s = one_xcalloc (1, sizeof *s);
  s->sock = -1;
  copy_target (&s->t, t);
  s->timeout = s->t.timeout > 0 ? s->t.timeout : 0;
  s->name = one_xasprintf ("%s@%s:%d", s->t.ssh_user, s->t.address,
                           s->t.ssh_port);

  khfile = expand_home (s->t.ssh_known_hosts && *s->t.ssh_known_hosts
                        ? s->t.ssh_known_hosts : "~/.ssh/known_hosts");
  khname = kh_name (&s->t);
  if (one_read_file (khfile, 64 << 20, &khdata, &khlen) < 0) {
    one_error ("ssh connect '%s': cannot read known_hosts file '%s' (%s); "
               "refused: create it with: ssh-keyscan%s%.0d %s >> %s",
               s->name, khfile, strerror (errno),
               s->t.ssh_port == 22 ? "" : " -p ",
               s->t.ssh_port == 22 ? 0 : s->t.ssh_port, s->t.address, khfile);
    return NULL;
  }

  s->sock = tcp_connect (s->t.address, s->t.ssh_port, s->timeout);
  if (s->sock < 0)
    return NULL;
  s->sess = libssh2_session_init ();
  if (!s->sess) {
    one_error ("ssh connect '%s': libssh2_session_init failed", s->name);
    return NULL;
  }
  libssh2_session_set_blocking (s->sess, 0);
  {
    LIBSSH2_KNOWNHOSTS *kh = kh_load (s->sess, khdata, khlen, 0);
    if (kh) {
      set_hostkey_prefs (s->sess, kh, khname);
      libssh2_knownhost_free (kh);
    }
  }
  /* CTR ciphers are the fastest libssh2 1.10 offers (no GCM/ChaCha). */
  (void) libssh2_session_method_pref (s->sess, LIBSSH2_METHOD_CRYPT_CS,
                                      "aes128-ctr,aes256-ctr,aes192-ctr,aes256-cbc,aes128-cbc");
  (void) libssh2_session_method_pref (s->sess, LIBSSH2_METHOD_CRYPT_SC,
                                      "aes128-ctr,aes256-ctr,aes192-ctr,aes256-cbc,aes128-cbc");
  SSH_LOOP (s, rc, libssh2_session_handshake (s->sess, s->sock),
            "ssh handshake");
  if (rc != 0) {
    if (rc != LIBSSH2_ERROR_EAGAIN)
      one_error ("ssh connect '%s': libssh2_session_handshake: %s", s->name,
                 sess_err (s));
    mark_dead (s);
    return NULL;
  }
  if (verify_hostkey (s, khfile, khdata, khlen) < 0)
    return NULL;
  if (login (s) < 0)
    return NULL;
  one_debug ("ssh: connected to %s", s->name);
  return one_steal_pointer (&s);
}

void
one_ssh_free (one_ssh *s)
{
  if (!s)
    return;
  if (s->sess) {
    int rc;
    if (!s->dead && s->timeout == 0)
      s->timeout = 10;
    if (s->sftp)
      SSH_LOOP (s, rc, libssh2_sftp_shutdown (s->sftp), "ssh close");
    if (!s->dead)
      SSH_LOOP (s, rc, libssh2_session_disconnect (s->sess, "esxmad done"),
                "ssh close");
    (void) rc;
    /* A dead connection (timeout, drop) may still have a channel open:
     * libssh2_session_free would try to close it, get EAGAIN from the
     * silent peer and return without freeing anything.  Shut the socket
     * down first so that those sends fail at once. */
    if (s->dead && s->sock >= 0)
      shutdown (s->sock, SHUT_RDWR);
    for (int i = 0; i < 100
         && libssh2_session_free (s->sess) == LIBSSH2_ERROR_EAGAIN; i++)
      if (s->dead || ssh_wait (s, "ssh close") < 0) {
        shutdown (s->sock, SHUT_RDWR);
        s->dead = true;
      }
  }
  libssh2_exit ();              /* s exists only after libssh2_init */
  if (s->sock >= 0)
    close (s->sock);
  free (s->name);
  free_target (&s->t);
  free (s);
}

const char *
one_ssh_name (const one_ssh *s)
{
  return s->name;
}

void
one_ssh_set_timeout (one_ssh *s, int seconds)
{
  s->timeout = seconds > 0 ? seconds : 0;
}

int
one_ssh_get_timeout (const one_ssh *s)
{
  return s->timeout;
}

/* ------------------------------------------------------------------ */
/* Commands */

int
one_ssh_run (one_ssh *s, const char *cmd, const void *in, size_t inlen,
             one_buf *out, one_buf *err, int *status)
{
  LIBSSH2_CHANNEL *ch = NULL;
  ONE_AUTOFREE char *wrapped = NULL;
  one_buf ebuf = { 0 };
  char buf[65536];
  size_t off = 0;
  bool eof_sent = false;
  int rc = -1, r;
  char *sig = NULL;

  if (s->dead) {
    one_error ("run on '%s': connection already lost", s->name);
    return -1;
  }
  /* The status is also reported in band, on stderr, so that a channel
   * closed without an exit-status message is caught. */
  wrapped = one_xasprintf ("(\n%s\n)\n__s=$?; printf '\\n" EXIT_MARK
                           "%%d\\n' \"$__s\" >&2; exit \"$__s\"", cmd);
  one_debug ("ssh %s: %s", s->name, cmd);
  SSH_LOOP_PTR (s, ch, libssh2_channel_open_session (s->sess), "run");
  if (!ch) {
    if (!s->dead)
      ssh_fail (s, "libssh2_channel_open_session", "run",
                libssh2_session_last_errno (s->sess));
    return -1;
  }
  SSH_LOOP (s, r, libssh2_channel_exec (ch, wrapped), "run");
  if (r) {
    if (r != LIBSSH2_ERROR_EAGAIN)
      ssh_fail (s, "libssh2_channel_exec", "run", r);
    goto out;
  }
  for (;;) {
    bool moved = false;
    if (!eof_sent && off < inlen) {
      size_t n = inlen - off > 32768 ? 32768 : inlen - off;
      ssize_t w = libssh2_channel_write (ch, (const char *) in + off, n);
      if (w > 0) {
        off += w;
        moved = true;
      }
      else if (w != LIBSSH2_ERROR_EAGAIN && w < 0) {
        ssh_fail (s, "libssh2_channel_write", "run", (int) w);
        goto out;
      }
    }
    if (!eof_sent && off >= inlen) {
      r = libssh2_channel_send_eof (ch);
      if (r == 0) {
        eof_sent = true;
        moved = true;
      }
      else if (r != LIBSSH2_ERROR_EAGAIN) {
        ssh_fail (s, "libssh2_channel_send_eof", "run", r);
        goto out;
      }
    }
    for (int stream = 0; stream < 2; stream++) {
      for (;;) {
        ssize_t n = libssh2_channel_read_ex (ch, stream, buf, sizeof buf);
        if (n > 0) {
          one_buf *b = stream ? &ebuf : out;
          if (b)
            one_buf_append (b, buf, n);
          moved = true;
          continue;
        }
        if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
          ssh_fail (s, "libssh2_channel_read", "run", (int) n);
          goto out;
        }
        break;
      }
    }
    if (libssh2_channel_eof (ch))
      break;
    if (!moved && ssh_wait (s, "run") < 0)
      goto out;
  }
  SSH_LOOP (s, r, libssh2_channel_close (ch), "run");
  if (r == 0)
    SSH_LOOP (s, r, libssh2_channel_wait_closed (ch), "run");
  if (r != 0 && s->dead)
    goto out;
  /* Find and strip the in-band status. */
  {
    const char *mark = NULL;
    for (const char *p = ebuf.data; p && (p = strstr (p, "\n" EXIT_MARK));
         p++)
      mark = p;
    if (mark) {
      int st = atoi (mark + strlen ("\n" EXIT_MARK));
      ebuf.len = mark - ebuf.data;
      ebuf.data[ebuf.len] = 0;
      *status = st;
      rc = 0;
    }
    else {
      size_t siglen = 0;
      SSH_LOOP (s, r, libssh2_channel_get_exit_signal (ch, &sig, &siglen,
                                                       NULL, NULL, NULL, NULL),
                "run");
      if (r == 0 && sig)
        one_error ("run on '%s': the remote command was killed by signal "
                   "SIG%s", s->name, sig);
      else
        one_error ("run on '%s': no exit status received (the remote shell "
                   "or the connection ended early)", s->name);
    }
  }
 out:
  if (err && ebuf.data)
    one_buf_append (err, ebuf.data, ebuf.len);
  one_buf_free (&ebuf);
  if (sig)
    libssh2_free (s->sess, sig);
  if (ch)
    libssh2_channel_free (ch);
  return rc;
}

int
one_ssh_run_ok (one_ssh *s, const char *what, const char *cmd,
                const void *in, size_t inlen, one_buf *out)
{
  one_buf err = { 0 };
  int status = -1;
  int rc = one_ssh_run (s, cmd, in, inlen, out, &err, &status);
  if (rc == 0 && status != 0) {
    one_buf_rstrip (&err);
    /* Keep the message on one line and reasonably short. */
    const char *msg = err.data ? err.data : "";
    if (strlen (msg) > 600)
      msg += strlen (msg) - 600;
    one_buf m = { 0 };
    for (const char *p = msg; *p; p++)
      one_buf_putc (&m, *p == '\n' || *p == '\r' ? ' ' : *p);
    one_error ("%s on '%s': %s (exit %d)", what, s->t.host,
               m.data && *m.data ? m.data : "no error output", status);
    one_buf_free (&m);
    rc = -1;
  }
  else if (rc == 0 && err.len)
    one_debug ("%s: remote stderr: %s", what, err.data);
  else if (rc < 0)
    one_error_prefix ("%s", what);
  one_buf_free (&err);
  return rc;
}

int
one_ssh_script_ok (one_ssh *s, const char *what, const char *script,
                   one_buf *out)
{
  ONE_AUTOFREE char *full = one_xasprintf
    ("export LANG=C LC_ALL=C PATH=/usr/sbin:/sbin:/bin:/usr/bin:$PATH\n%s\n",
     script);
  return one_ssh_run_ok (s, what, "sh -s", full, strlen (full), out);
}

/* ------------------------------------------------------------------ */
/* SFTP */

static int
sftp_ready (one_ssh *s, const char *what)
{
  if (s->dead) {
    one_error ("%s on '%s': connection already lost", what, s->name);
    return -1;
  }
  if (s->sftp)
    return 0;
  SSH_LOOP_PTR (s, s->sftp, libssh2_sftp_init (s->sess), what);
  if (!s->sftp) {
    if (!s->dead)
      ssh_fail (s, "libssh2_sftp_init", what,
                libssh2_session_last_errno (s->sess));
    return -1;
  }
  return 0;
}

static bool
sftp_notfound (one_ssh *s, int rc)
{
  return rc == LIBSSH2_ERROR_SFTP_PROTOCOL &&
    libssh2_sftp_last_error (s->sftp) == LIBSSH2_FX_NO_SUCH_FILE;
}

int
one_ssh_stat (one_ssh *s, const char *path, bool follow, one_ssh_stat_t *st)
{
  LIBSSH2_SFTP_ATTRIBUTES a;
  int rc;
  if (sftp_ready (s, "stat") < 0)
    return -1;
  SSH_LOOP (s, rc, libssh2_sftp_stat_ex (s->sftp, path, strlen (path),
                                         follow ? LIBSSH2_SFTP_STAT
                                         : LIBSSH2_SFTP_LSTAT, &a), "stat");
  if (rc == 0) {
    if (st) {
      st->size = a.flags & LIBSSH2_SFTP_ATTR_SIZE ? a.filesize : 0;
      st->mode = a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS ? a.permissions : 0;
      st->mtime = a.flags & LIBSSH2_SFTP_ATTR_ACMODTIME ? a.mtime : 0;
    }
    return 0;
  }
  if (sftp_notfound (s, rc))
    return 1;
  if (rc != LIBSSH2_ERROR_EAGAIN)
    ssh_fail (s, "libssh2_sftp_stat", "stat", rc);
  one_error_prefix ("stat '%s'", path);
  return -1;
}

int
one_ssh_mkdir_p (one_ssh *s, const char *path)
{
  ONE_AUTOFREE char *p = one_xstrdup (path);
  size_t n = strlen (p);
  if (sftp_ready (s, "mkdir") < 0)
    return -1;
  for (size_t i = 1; i <= n; i++) {
    if (p[i] != '/' && p[i] != 0)
      continue;
    char c = p[i];
    one_ssh_stat_t st;
    int r;
    p[i] = 0;
    r = one_ssh_stat (s, p, true, &st);
    if (r < 0)
      return -1;
    if (r == 1) {
      int rc;
      SSH_LOOP (s, rc, libssh2_sftp_mkdir_ex (s->sftp, p, strlen (p), 0755),
                "mkdir");
      if (rc != 0 && one_ssh_stat (s, p, true, &st) != 0) {
        ssh_fail (s, "libssh2_sftp_mkdir", "mkdir", rc);
        one_error_prefix ("mkdir '%s'", p);
        return -1;
      }
    }
    else if (!S_ISDIR (st.mode)) {
      one_error ("mkdir '%s' on '%s': exists and is not a folder", p, s->name);
      return -1;
    }
    p[i] = c;
  }
  return 0;
}

static char *
symlink_op (one_ssh *s, const char *path, int op, const char *what)
{
  char buf[4096];
  int rc;
  if (sftp_ready (s, what) < 0)
    return NULL;
  SSH_LOOP (s, rc, libssh2_sftp_symlink_ex (s->sftp, path, strlen (path), buf,
                                            sizeof buf - 1, op), what);
  if (rc < 0) {
    if (rc != LIBSSH2_ERROR_EAGAIN)
      ssh_fail (s, "libssh2_sftp_symlink_ex", what, rc);
    one_error_prefix ("%s '%s'", what, path);
    return NULL;
  }
  return one_xstrndup (buf, rc);
}

char *
one_ssh_readlink (one_ssh *s, const char *path)
{
  return symlink_op (s, path, LIBSSH2_SFTP_READLINK, "readlink");
}

char *
one_ssh_realpath (one_ssh *s, const char *path)
{
  return symlink_op (s, path, LIBSSH2_SFTP_REALPATH, "realpath");
}

int
one_ssh_remove (one_ssh *s, const char *path)
{
  one_ssh_stat_t st;
  int rc, r = one_ssh_stat (s, path, false, &st);
  if (r != 0)
    return r;
  if (S_ISDIR (st.mode))
    SSH_LOOP (s, rc, libssh2_sftp_rmdir_ex (s->sftp, path, strlen (path)),
              "remove");
  else
    SSH_LOOP (s, rc, libssh2_sftp_unlink_ex (s->sftp, path, strlen (path)),
              "remove");
  if (rc != 0) {
    if (rc != LIBSSH2_ERROR_EAGAIN)
      ssh_fail (s, "libssh2_sftp_unlink", "remove", rc);
    one_error_prefix ("remove '%s'", path);
    return -1;
  }
  return 0;
}

int
one_ssh_rename (one_ssh *s, const char *from, const char *to)
{
  int rc;
  if (sftp_ready (s, "rename") < 0)
    return -1;
  SSH_LOOP (s, rc, libssh2_sftp_rename_ex (s->sftp, from, strlen (from), to,
                                           strlen (to),
                                           LIBSSH2_SFTP_RENAME_OVERWRITE |
                                           LIBSSH2_SFTP_RENAME_ATOMIC |
                                           LIBSSH2_SFTP_RENAME_NATIVE),
            "rename");
  if (rc != 0) {
    /* SFTP v3 servers refuse to replace an existing file: use mv. */
    if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL && !s->dead) {
      ONE_AUTOFREE char *cmd = one_shcmd ("mv -f %s %s", from, to);
      if (cmd && one_ssh_run_ok (s, "rename", cmd, NULL, 0, NULL) == 0)
        return 0;
      return -1;
    }
    if (rc != LIBSSH2_ERROR_EAGAIN)
      ssh_fail (s, "libssh2_sftp_rename", "rename", rc);
    one_error_prefix ("rename '%s' to '%s'", from, to);
    return -1;
  }
  return 0;
}

void
one_ssh_progress_stderr (void *opaque, uint64_t done, uint64_t total)
{
  one_ssh_progress *p = opaque;
  double now = one_now ();
  if (p->start == 0) {
    p->start = p->last = now;
    return;
  }
  if ((total && total < (32u << 20)) || (done != total && now - p->last < 2))
    return;
  if ((done == total && now - p->start < 2) || done == p->printed)
    return;
  p->last = now;
  p->printed = done;
  double rate = done / (now - p->start > 0.001 ? now - p->start : 0.001) / 1e6;
  if (total)
    one_log ("%s: %llu MiB of %llu MiB (%d%%), %.1f MB/s",
             p->what ? p->what : "transfer",
             (unsigned long long) (done >> 20),
             (unsigned long long) (total >> 20), (int) (done * 100 / total),
             rate);
  else
    one_log ("%s: %llu MiB, %.1f MB/s", p->what ? p->what : "transfer",
             (unsigned long long) (done >> 20), rate);
}

/* The source of an upload: a file descriptor (holes skipped) or a reader. */
struct src {
  int fd;
  one_ssh_read_fn fn;
  void *opaque;
  uint64_t total;
};

#define UP_BUF (16u << 20)
#define UP_AHEAD (1u << 20)

/* Write [start, end) of the source (end = UINT64_MAX: until the reader
 * ends) at offset 'start' of the open remote file, keeping the SFTP
 * pipeline full: libssh2 acknowledges a prefix of the buffer and keeps the
 * rest in flight, and accepts the same bytes again followed by more. */
static int
put_region (one_ssh *s, LIBSSH2_SFTP_HANDLE *h, struct src *src, char *buf,
            uint64_t start, uint64_t end, _Atomic uint64_t *done,
            one_ssh_progress_fn progress, void *opaque)
{
  size_t head = 0, tail = 0;
  /* libssh2 1.10 turns everything it is given into 30000-byte requests
   * and walks them all on every call: 1 MiB in flight keeps the pipe full
   * without that quadratic cost (8 MiB was 6x slower). */
  const size_t ahead = UP_AHEAD;
  uint64_t pos = start;         /* next byte to read from the source */
  bool eof = false;

  libssh2_sftp_seek64 (h, start);
  for (;;) {
    if (!eof && tail < UP_BUF && (tail - head) < 2 * ahead) {
      size_t want = UP_BUF - tail;
      ssize_t n;
      if (end != UINT64_MAX && end - pos < want)
        want = end - pos;
      if (want == 0)
        eof = true;
      else {
        if (src->fn)
          n = src->fn (src->opaque, buf + tail, want);
        else {
          do
            n = pread (src->fd, buf + tail, want, pos);
          while (n < 0 && errno == EINTR);
          if (n < 0)
            one_error ("upload: read: %s", strerror (errno));
        }
        if (n < 0)
          return -1;
        if (n == 0) {
          if (end != UINT64_MAX && pos < end) {
            one_error ("upload: the source file shrank while being read");
            return -1;
          }
          eof = true;
        }
        tail += n;
        pos += n;
      }
    }
    if (head == tail) {
      if (eof)
        return 0;
      continue;
    }
    ssize_t w = libssh2_sftp_write (h, buf + head, tail - head > ahead
                                    ? ahead : tail - head);
    if (w == LIBSSH2_ERROR_EAGAIN) {
      if (ssh_wait (s, "upload") < 0)
        return -1;
      continue;
    }
    if (w < 0) {
      ssh_fail (s, "libssh2_sftp_write", "upload", (int) w);
      return -1;
    }
    head += w;
    atomic_fetch_add (done, (uint64_t) w);
    if (progress && w)
      progress (opaque, atomic_load (done), src->total);
    if (head == tail)
      head = tail = 0;
    else if (head >= UP_BUF - 2 * ahead) {
      memmove (buf, buf + head, tail - head);
      tail -= head;
      head = 0;
    }
  }
}

/* A data region of a local file. */
struct region {
  uint64_t start, end;
};

/* One stream of a parallel upload: its own connection and handle, a share
 * of the regions. */
struct stream {
  one_ssh *s;
  struct src *src;
  const char *remote;
  struct region *r;
  size_t nr;
  _Atomic uint64_t *done;
  one_ssh_progress_fn progress;
  void *opaque;
  bool create;
  int mode;
  int rc;
  char *err;
};

static int
stream_run (struct stream *st)
{
  one_ssh *s = st->s;
  LIBSSH2_SFTP_HANDLE *h = NULL;
  ONE_AUTOFREE char *buf = NULL;
  int rc = -1, r;
  unsigned long flags = LIBSSH2_FXF_WRITE;
  if (sftp_ready (s, "upload") < 0)
    return -1;
  SSH_LOOP_PTR (s, h, libssh2_sftp_open_ex (s->sftp, st->remote,
                                           strlen (st->remote), flags,
                                           st->mode, LIBSSH2_SFTP_OPENFILE),
                "upload");
  if (!h) {
    if (!s->dead)
      ssh_fail (s, "libssh2_sftp_open", "upload",
                libssh2_session_last_errno (s->sess));
    return -1;
  }
  buf = one_xmalloc (UP_BUF);
  if (st->src->fn) {
    if (put_region (s, h, st->src, buf, 0, UINT64_MAX, st->done,
                    st->progress, st->opaque) < 0)
      goto out;
  }
  else
    for (size_t i = 0; i < st->nr; i++)
      if (put_region (s, h, st->src, buf, st->r[i].start, st->r[i].end,
                      st->done, st->progress, st->opaque) < 0)
        goto out;
  if (st->create && !st->src->fn) {
    /* Extend to the full size (a trailing hole). */
    LIBSSH2_SFTP_ATTRIBUTES a = { .flags = LIBSSH2_SFTP_ATTR_SIZE,
                                  .filesize = st->src->total };
    SSH_LOOP (s, r, libssh2_sftp_fsetstat (h, &a), "upload");
    if (r != 0) {
      if (r != LIBSSH2_ERROR_EAGAIN)
        ssh_fail (s, "libssh2_sftp_fsetstat", "upload", r);
      goto out;
    }
  }
  rc = 0;
 out:
  SSH_LOOP (s, r, libssh2_sftp_close_handle (h), "upload");
  if (rc == 0 && r != 0) {
    if (r != LIBSSH2_ERROR_EAGAIN)
      ssh_fail (s, "libssh2_sftp_close", "upload", r);
    rc = -1;
  }
  return rc;
}

/* Create the (empty) file, so that every stream can open it. */
static int
stream_run_create (struct stream *st)
{
  one_ssh *s = st->s;
  LIBSSH2_SFTP_HANDLE *h = NULL;
  int r;
  if (sftp_ready (s, "upload") < 0)
    return -1;
  SSH_LOOP_PTR (s, h, libssh2_sftp_open_ex (s->sftp, st->remote,
                                           strlen (st->remote),
                                           LIBSSH2_FXF_WRITE |
                                           LIBSSH2_FXF_CREAT |
                                           LIBSSH2_FXF_EXCL, st->mode,
                                           LIBSSH2_SFTP_OPENFILE), "upload");
  if (!h) {
    if (!s->dead)
      ssh_fail (s, "libssh2_sftp_open", "upload",
                libssh2_session_last_errno (s->sess));
    return -1;
  }
  SSH_LOOP (s, r, libssh2_sftp_close_handle (h), "upload");
  if (r != 0) {
    if (r != LIBSSH2_ERROR_EAGAIN)
      ssh_fail (s, "libssh2_sftp_close", "upload", r);
    return -1;
  }
  return 0;
}

static void *
stream_thread (void *opaque)
{
  struct stream *st = opaque;
  st->rc = stream_run (st);
  if (st->rc < 0)
    st->err = one_xstrdup (one_errmsg () ? one_errmsg () : "upload failed");
  return NULL;
}

/* How many SSH connections a large upload uses (ESXMAD_SSH_STREAMS, 1-4,
 * default 2): ESX's sshd encrypts and writes one connection on one CPU, and
 * libssh2 1.10 is costlier per byte than OpenSSH, so two streams keep up
 * with (and on ESX beat) scp. */
static int
nstreams (uint64_t data)
{
  const char *e = getenv ("ESXMAD_SSH_STREAMS");
  int n = e && *e ? atoi (e) : 2;
  if (n < 1)
    n = 1;
  if (n > 4)
    n = 4;
  if (data < (64u << 20))
    n = 1;
  return n;
}

static int
put (one_ssh *s, struct src *src, const char *remote, const char *shown,
     int mode, one_ssh_progress_fn progress, void *opaque)
{
  _Atomic uint64_t done = 0;
  struct region *regs = NULL;
  size_t nregs = 0;
  uint64_t data = 0;
  int rc = -1, n = 1;
  struct stream st[4];
  pthread_t th[4];
  bool started[4] = { false };

  memset (st, 0, sizeof st);
  if (!src->fn) {
    /* Data regions only: the holes of a sparse file stay holes. */
    off_t off = 0, size = src->total;
    while (off < size) {
      off_t d = lseek (src->fd, off, SEEK_DATA);
      off_t e;
      if (d < 0 && errno == ENXIO)
        break;
      if (d < 0) {              /* no SEEK_DATA: all data */
        d = off;
        e = size;
      }
      else {
        e = lseek (src->fd, d, SEEK_HOLE);
        if (e < 0 || e > size)
          e = size;
      }
      regs = one_xrealloc (regs, (nregs + 1) * sizeof *regs);
      regs[nregs++] = (struct region) { d, e };
      data += e - d;
      off = e;
    }
    atomic_store (&done, (uint64_t) (src->total - data));  /* holes */
    n = nstreams (data);
  }
  if (progress)
    progress (opaque, atomic_load (&done), src->total);
  /* Share the regions: cut at multiples of data/n. */
  for (int k = 0; k < n; k++) {
    st[k] = (struct stream) { .s = s, .src = src, .remote = remote,
                              .done = &done, .mode = mode,
                              .create = k == 0 };
    if (k == 0) {
      st[k].progress = progress;
      st[k].opaque = opaque;
    }
  }
  if (n > 1) {
    uint64_t share = (data + n - 1) / n, acc = 0;
    int k = 0;
    for (size_t i = 0; i < nregs; i++) {
      uint64_t a = regs[i].start;
      while (a < regs[i].end) {
        uint64_t room = (uint64_t) (k + 1) * share - acc;
        uint64_t len = regs[i].end - a;
        if (k == n - 1 || len <= room) {
          st[k].r = one_xrealloc (st[k].r, (st[k].nr + 1) * sizeof *st[k].r);
          st[k].r[st[k].nr++] = (struct region) { a, regs[i].end };
          acc += len;
          a = regs[i].end;
          if (acc >= (uint64_t) (k + 1) * share && k < n - 1)
            k++;
        }
        else {
          st[k].r = one_xrealloc (st[k].r, (st[k].nr + 1) * sizeof *st[k].r);
          st[k].r[st[k].nr++] = (struct region) { a, a + room };
          acc += room;
          a += room;
          k++;
        }
      }
    }
  }
  else {
    st[0].r = regs;
    st[0].nr = nregs;
    regs = NULL;
  }
  /* Stream 0 creates the file; the others open it once it exists. */
  if (stream_run_create (&st[0]) < 0)
    goto out;
  for (int k = 1; k < n; k++) {
    st[k].s = one_ssh_connect (&s->t);
    if (!st[k].s) {
      one_debug ("upload: no extra stream (%s), continuing with %d",
                 one_errmsg (), k);
      /* Give its share to stream 0. */
      for (size_t i = 0; i < st[k].nr; i++) {
        st[0].r = one_xrealloc (st[0].r, (st[0].nr + 1) * sizeof *st[0].r);
        st[0].r[st[0].nr++] = st[k].r[i];
      }
      st[k].nr = 0;
      continue;
    }
    if (pthread_create (&th[k], NULL, stream_thread, &st[k]) == 0)
      started[k] = true;
    else {
      one_ssh_free (st[k].s);
      st[k].s = NULL;
      for (size_t i = 0; i < st[k].nr; i++) {
        st[0].r = one_xrealloc (st[0].r, (st[0].nr + 1) * sizeof *st[0].r);
        st[0].r[st[0].nr++] = st[k].r[i];
      }
      st[k].nr = 0;
    }
  }
  rc = stream_run (&st[0]);
  for (int k = 1; k < n; k++) {
    if (started[k]) {
      pthread_join (th[k], NULL);
      if (st[k].rc < 0 && rc == 0) {
        one_error ("%s", st[k].err);
        rc = -1;
      }
    }
  }
  if (rc == 0 && progress)
    progress (opaque, src->total ? src->total : atomic_load (&done),
              src->total ? src->total : atomic_load (&done));
 out:
  for (int k = 0; k < n; k++) {
    if (k > 0 && st[k].s)
      one_ssh_free (st[k].s);
    free (st[k].r);
    free (st[k].err);
  }
  free (regs);
  if (rc < 0)
    one_error_prefix ("upload '%s'", shown);
  return rc;
}

/* Remove 'path' after a failed transfer, over a new connection if the
 * current one is broken.  Never changes the recorded error. */
static void
cleanup_remote (one_ssh *s, const char *path)
{
  ONE_AUTOFREE char *saved = one_xstrdup (one_errmsg ());
  if (!s->dead) {
    if (one_ssh_remove (s, path) >= 0)
      goto done;
  }
  {
    ONE_AUTO (one_ssh) *s2 = one_ssh_connect (&s->t);
    if (!s2 || one_ssh_remove (s2, path) < 0)
      one_warn ("could not remove the partial upload '%s' on '%s': %s", path,
                s->name, one_errmsg () ? one_errmsg () : "?");
  }
 done:
  if (saved)
    one_error ("%s", saved);
}

static char *
temp_name (const char *final)
{
  const char *slash = strrchr (final, '/');
  unsigned char r[6];
  char hex[13];
  if (getrandom (r, sizeof r, 0) != sizeof r)
    memset (r, 0, sizeof r);
  for (int i = 0; i < 6; i++)
    snprintf (hex + 2 * i, 3, "%02x", r[i]);
  if (!slash)
    return one_xasprintf (".%s.esxmad-part-%s", final, hex);
  return one_xasprintf ("%.*s/.%s.esxmad-part-%s", (int) (slash - final),
                        final, slash + 1, hex);
}

static int
upload (one_ssh *s, struct src *src, const char *final, int mode,
        one_ssh_progress_fn progress, void *opaque)
{
  ONE_AUTOFREE char *tmp = temp_name (final);
  if (put (s, src, tmp, final, mode, progress, opaque) < 0 ||
      one_ssh_rename (s, tmp, final) < 0) {
    cleanup_remote (s, tmp);
    return -1;
  }
  return 0;
}

int
one_ssh_upload_file (one_ssh *s, const char *local, const char *remote_final,
                     one_ssh_progress_fn progress, void *opaque)
{
  struct stat st;
  struct src src = { .fd = -1 };
  int rc;

  src.fd = open (local, O_RDONLY | O_CLOEXEC);
  if (src.fd < 0) {
    one_error ("upload '%s': open: %s", local, strerror (errno));
    return -1;
  }
  if (fstat (src.fd, &st) < 0 || !S_ISREG (st.st_mode)) {
    one_error ("upload '%s': not a regular file", local);
    close (src.fd);
    return -1;
  }
  src.total = st.st_size;
  posix_fadvise (src.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  rc = upload (s, &src, remote_final, 0644, progress, opaque);
  close (src.fd);
  return rc;
}

int
one_ssh_upload_stream (one_ssh *s, one_ssh_read_fn read_fn, void *read_opaque,
                       uint64_t total_hint, const char *remote_final,
                       one_ssh_progress_fn progress, void *opaque)
{
  struct src src = { .fd = -1, .fn = read_fn, .opaque = read_opaque,
                     .total = total_hint };
  return upload (s, &src, remote_final, 0644, progress, opaque);
}

struct memsrc {
  const char *p;
  size_t left;
};

static ssize_t
mem_read (void *opaque, void *buf, size_t n)
{
  struct memsrc *m = opaque;
  if (n > m->left)
    n = m->left;
  memcpy (buf, m->p, n);
  m->p += n;
  m->left -= n;
  return n;
}

int
one_ssh_upload_mem (one_ssh *s, const void *data, size_t len,
                    const char *remote_final, int mode)
{
  struct memsrc m = { data, len };
  struct src src = { .fd = -1, .fn = mem_read, .opaque = &m, .total = len };
  return upload (s, &src, remote_final, mode, NULL, NULL);
}

static bool
is_zero (const char *p, size_t n)
{
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

int
one_ssh_download_file (one_ssh *s, const char *remote, const char *local,
                       one_ssh_progress_fn progress, void *opaque)
{
  LIBSSH2_SFTP_HANDLE *h = NULL;
  ONE_AUTOFREE char *tmp = one_xasprintf ("%s.esxmad-part-XXXXXX", local);
  ONE_AUTOFREE char *buf = NULL;
  one_ssh_stat_t st = { 0 };
  uint64_t done = 0;
  int fd, rc = -1, r;

  r = one_ssh_stat (s, remote, true, &st);
  if (r == 1)
    one_error ("download '%s' from '%s': no such file", remote, s->name);
  if (r != 0)
    return -1;
  SSH_LOOP_PTR (s, h, libssh2_sftp_open_ex (s->sftp, remote, strlen (remote),
                                           LIBSSH2_FXF_READ, 0,
                                           LIBSSH2_SFTP_OPENFILE), "download");
  if (!h) {
    if (!s->dead)
      ssh_fail (s, "libssh2_sftp_open", "download",
                libssh2_session_last_errno (s->sess));
    one_error_prefix ("download '%s'", remote);
    return -1;
  }
  fd = mkstemp (tmp);
  if (fd < 0) {
    one_error ("download '%s': mkstemp '%s': %s", remote, tmp,
               strerror (errno));
    SSH_LOOP (s, r, libssh2_sftp_close_handle (h), "download");
    return -1;
  }
  buf = one_xmalloc (UP_BUF);
  for (;;) {
    ssize_t n = libssh2_sftp_read (h, buf, UP_BUF);
    if (n == LIBSSH2_ERROR_EAGAIN) {
      if (ssh_wait (s, "download") < 0)
        goto out;
      continue;
    }
    if (n < 0) {
      ssh_fail (s, "libssh2_sftp_read", "download", (int) n);
      goto out;
    }
    if (n == 0)
      break;
    /* Blocks of zeros become holes: a thin disk stays sparse. */
    for (ssize_t o = 0; o < n;) {
      ssize_t blk = n - o > 65536 ? 65536 : n - o;
      if (is_zero (buf + o, blk)) {
        if (lseek (fd, blk, SEEK_CUR) < 0) {
          one_error ("download '%s': lseek '%s': %s", remote, local,
                     strerror (errno));
          goto out;
        }
        o += blk;
        continue;
      }
      ssize_t w = write (fd, buf + o, blk);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0) {
        one_error ("download '%s': write '%s': %s", remote, local,
                   strerror (errno));
        goto out;
      }
      o += w;
    }
    done += n;
    if (progress)
      progress (opaque, done, st.size);
  }
  if (ftruncate (fd, done) < 0 || fsync (fd) < 0 || rename (tmp, local) < 0) {
    one_error ("download '%s': rename to '%s': %s", remote, local,
               strerror (errno));
    goto out;
  }
  rc = 0;
 out:
  close (fd);
  if (rc < 0)
    unlink (tmp);
  if (!s->dead)
    SSH_LOOP (s, r, libssh2_sftp_close_handle (h), "download");
  if (rc < 0)
    one_error_prefix ("download '%s'", remote);
  return rc;
}
