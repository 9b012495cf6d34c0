/* esxmad: a TLS handshake of our own, to check a server certificate by
 * SHA1 thumbprint or against a CA file (see tls.h). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "esxmad.h"

/* Connect to address:port within 'timeout' seconds; the socket keeps
 * 'timeout' as its send/receive timeout.  -1 with one_error set. */
static int
tcp_connect (const char *address, int port, int timeout)
{
  char portstr[16];
  snprintf (portstr, sizeof portstr, "%d", port);
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
  struct addrinfo *res = NULL;
  int r = getaddrinfo (address, portstr, &hints, &res);
  if (r != 0) {
    one_error ("tls '%s:%d': getaddrinfo: %s", address, port, gai_strerror (r));
    return -1;
  }
  int fd = -1, err = 0;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                 ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    if (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0)
      break;
    if (errno == EINPROGRESS) {
      struct pollfd p = { .fd = fd, .events = POLLOUT };
      int n = poll (&p, 1, timeout * 1000);
      socklen_t len = sizeof err;
      if (n == 1 && getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0
          && err == 0)
        break;
      if (n == 0)
        err = ETIMEDOUT;
    }
    else
      err = errno;
    close (fd);
    fd = -1;
  }
  freeaddrinfo (res);
  if (fd < 0) {
    one_error ("tls '%s:%d': connect: %s", address, port, strerror (err));
    return -1;
  }
  int fl = fcntl (fd, F_GETFL);
  fcntl (fd, F_SETFL, fl & ~O_NONBLOCK);
  struct timeval tv = { .tv_sec = timeout };
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

static const char *
ssl_errtext (char *buf, size_t n)
{
  unsigned long e = ERR_get_error ();
  if (e == 0)
    return "handshake failed";
  ERR_error_string_n (e, buf, n);
  ERR_clear_error ();
  return buf;
}

/* Handshake with address:port.  With 'ca_file' the chain is verified
 * against it and the name checked against 'address'; without, nothing is
 * verified.  Returns the live connection (close with one_tls_close),
 * NULL with one_error set. */
static SSL *
tls_open (const char *address, int port, int timeout, const char *ca_file)
{
  SSL_CTX *ctx = NULL;
  SSL *ssl = NULL;
  char ebuf[256];
  int fd = tcp_connect (address, port, timeout > 0 ? timeout : 60);
  if (fd < 0)
    return NULL;
  ctx = SSL_CTX_new (TLS_client_method ());
  if (ctx == NULL) {
    one_error ("tls '%s:%d': SSL_CTX_new: %s", address, port,
               ssl_errtext (ebuf, sizeof ebuf));
    goto err;
  }
  if (ca_file) {
    if (SSL_CTX_load_verify_locations (ctx, ca_file, NULL) != 1) {
      one_error ("tls ca file '%s': SSL_CTX_load_verify_locations: %s",
                 ca_file, ssl_errtext (ebuf, sizeof ebuf));
      goto err;
    }
    SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER, NULL);
  }
  else
    SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);
  ssl = SSL_new (ctx);
  if (ssl == NULL) {
    one_error ("tls '%s:%d': SSL_new: %s", address, port,
               ssl_errtext (ebuf, sizeof ebuf));
    goto err;
  }
  if (ca_file) {
    X509_VERIFY_PARAM *vp = SSL_get0_param (ssl);
    if (X509_VERIFY_PARAM_set1_ip_asc (vp, address) != 1)
      X509_VERIFY_PARAM_set1_host (vp, address, 0);
  }
  /* SNI for names only, as browsers and curl do. */
  if (strspn (address, "0123456789.:") != strlen (address))
    SSL_set_tlsext_host_name (ssl, address);
  SSL_set_fd (ssl, fd);
  errno = 0;
  if (SSL_connect (ssl) != 1) {
    long vr = SSL_get_verify_result (ssl);
    int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK)
      one_error ("tls '%s:%d': no answer within %d s (timeout): the server "
                 "accepted the connection but did not complete the TLS "
                 "handshake", address, port, timeout > 0 ? timeout : 60);
    else if (ca_file && vr != X509_V_OK)
      one_error ("tls '%s:%d': certificate not trusted by '%s': %s "
                 "(:tls_ca_file: in vmwarerc); refused", address, port,
                 ca_file, X509_verify_cert_error_string (vr));
    else
      one_error ("tls '%s:%d': SSL_connect: %s", address, port,
                 ssl_errtext (ebuf, sizeof ebuf));
    goto err;
  }
  SSL_CTX_free (ctx);           /* the SSL keeps its own reference */
  return ssl;
err:
  SSL_free (ssl);
  SSL_CTX_free (ctx);
  close (fd);
  return NULL;
}

void
one_tls_close (SSL *ssl)
{
  if (ssl == NULL)
    return;
  int fd = SSL_get_fd (ssl);
  SSL_free (ssl);
  if (fd >= 0)
    close (fd);
}

static X509 *
handshake (const char *address, int port, int timeout, const char *ca_file)
{
  SSL *ssl = tls_open (address, port, timeout, ca_file);
  if (ssl == NULL)
    return NULL;
  X509 *cert = SSL_get1_peer_certificate (ssl);
  if (cert == NULL)
    one_error ("tls '%s:%d': the server sent no certificate", address, port);
  else
    SSL_shutdown (ssl);
  one_tls_close (ssl);
  return cert;
}

static char *
cert_sha1 (X509 *cert)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest (cert, EVP_sha1 (), md, &n) != 1 || n != 20)
    return NULL;
  char *out = one_xmalloc (3 * n);
  for (unsigned int i = 0; i < n; i++)
    snprintf (out + 3 * i, 4, i + 1 < n ? "%02X:" : "%02X", md[i]);
  return out;
}

char *
one_tls_peer_sha1 (const char *address, int port, int timeout)
{
  X509 *cert = handshake (address, port, timeout, NULL);
  if (cert == NULL)
    return NULL;
  char *out = cert_sha1 (cert);
  X509_free (cert);
  if (out == NULL)
    one_error ("tls '%s:%d': X509_digest failed", address, port);
  return out;
}

char *
one_tls_thumbprint_normalise (const char *s)
{
  if (s == NULL)
    return NULL;
  char hex[41];
  size_t n = 0;
  for (const char *p = s; *p; p++) {
    if (*p == ':' || *p == ' ' || *p == '-')
      continue;
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')
          || (*p >= 'A' && *p <= 'F')) || n == 40)
      return NULL;
    hex[n++] = (*p >= 'a' && *p <= 'f') ? *p - 'a' + 'A' : *p;
  }
  if (n != 40)
    return NULL;
  char *out = one_xmalloc (60);
  for (int i = 0; i < 20; i++) {
    out[3 * i] = hex[2 * i];
    out[3 * i + 1] = hex[2 * i + 1];
    out[3 * i + 2] = i < 19 ? ':' : '\0';
  }
  return out;
}

SSL *
one_tls_connect_checked (const one_target *t)
{
  int port = t->api_port > 0 ? t->api_port : 443;
  const char *addr = t->address ? t->address : t->host;
  if (t->tls_thumbprint && *t->tls_thumbprint) {
    ONE_AUTOFREE char *want = one_tls_thumbprint_normalise (t->tls_thumbprint);
    if (want == NULL) {
      one_error ("tls thumbprint '%s': not a SHA1 thumbprint (40 hex digits)",
                 t->tls_thumbprint);
      return NULL;
    }
    SSL *ssl = tls_open (addr, port, t->timeout, NULL);
    if (ssl == NULL)
      return NULL;
    X509 *cert = SSL_get1_peer_certificate (ssl);
    ONE_AUTOFREE char *got = cert ? cert_sha1 (cert) : NULL;
    X509_free (cert);
    if (got == NULL || strcmp (got, want) != 0) {
      one_error ("tls '%s:%d': certificate thumbprint '%s' does not match "
                 "the configured '%s' (:tls_thumbprint: in vmwarerc); refused",
                 addr, port, got ? got : "(none)", want);
      one_tls_close (ssl);
      return NULL;
    }
    return ssl;
  }
  if (t->tls_ca_file && *t->tls_ca_file)
    return tls_open (addr, port, t->timeout, t->tls_ca_file);
  one_error ("tls '%s:%d': no :tls_thumbprint: or :tls_ca_file: to check "
             "the server with", addr, port);
  return NULL;
}

int
one_tls_check_target (const one_target *t)
{
  if (t->tls_http)
    return 0;
  bool pin = t->tls_thumbprint && *t->tls_thumbprint;
  if (!pin && !(t->tls_ca_file && *t->tls_ca_file))
    return 0;
  SSL *ssl = one_tls_connect_checked (t);
  if (ssl == NULL)
    return -1;
  one_debug ("tls '%s:%d': certificate %s", t->address ? t->address : t->host,
             t->api_port > 0 ? t->api_port : 443,
             pin ? "thumbprint verified" : "verified against the CA file");
  SSL_shutdown (ssl);
  one_tls_close (ssl);
  return 1;
}
