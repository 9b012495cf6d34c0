/* esxmad: checking an ESX or vCenter TLS certificate ourselves.
 *
 * libvirt 9.0's esx driver can only verify against the system CA store
 * (or not at all, no_verify=1).  When vmwarerc pins a SHA1 thumbprint
 * (:tls_thumbprint:) or names a CA file (:tls_ca_file:), esxmad checks the
 * certificate in TLS handshakes of its own with OpenSSL: once before
 * libvirt connects (for a clear message), and on every connection libvirt
 * then makes, through the loopback relay of tlsrelay.h. */
#ifndef ESXMAD_TLS_H
#define ESXMAD_TLS_H

#include "conf.h"

/* The SHA1 thumbprint of the certificate the server at address:port
 * presents, as "AA:BB:..." (59 characters, upper case).  Nothing about
 * the certificate is verified.  NULL with one_error set on failure
 * (connect, handshake, timeout of 'timeout' seconds). */
char *one_tls_peer_sha1 (const char *address, int port, int timeout);

/* Normalise a thumbprint written as "aa:bb:..", "AABB..", "aa bb ..":
 * 40 hex digits into upper-case colon form.  NULL if malformed. */
char *one_tls_thumbprint_normalise (const char *s);

/* Check the server of 't' (t->address:t->api_port) as vmwarerc asks:
 *  - :tls_thumbprint: set: the certificate's SHA1 must equal it;
 *  - else :tls_ca_file: set: the chain must verify against that file and
 *    the certificate must name t->address;
 *  - else nothing is checked here (the client verifies against the system
 *    store, or the URI opted out with no_verify=1).
 * Returns 1 when a check was made and passed (the caller may then turn
 * its own verification off), 0 when nothing was to be checked, -1 on
 * failure with one_error set. */
int one_tls_check_target (const one_target *t);

/* A TLS connection to the server of 't', checked as one_tls_check_target
 * checks it (thumbprint, else CA file; one of them must be set), kept
 * open for use.  NULL with one_error set.  Close with one_tls_close. */
struct ssl_st *one_tls_connect_checked (const one_target *t);
void one_tls_close (struct ssl_st *ssl);

/* Appended to a certificate failure when nothing was configured (the
 * system's CAs were used): what the operator can set. */
#define ONE_TLS_UNTRUSTED_HINT                                          \
  "not trusted by the system's CAs: set :tls_thumbprint: (the server's " \
  "SHA1 thumbprint) or :tls_ca_file: in vmwarerc, or no_verify=1 in "   \
  ":libvirt_uri: to skip the check; refused"

#endif
