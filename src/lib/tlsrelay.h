/* esxmad: a loopback TLS relay for libvirt.
 *
 * libvirt 9.0's esx driver cannot pin a certificate: it verifies against
 * the system's CAs or, with no_verify=1, not at all.  Checking the host in
 * a handshake of our own first and then letting libvirt connect unverified
 * leaves a gap: the connection that carries the password is not the one
 * that was checked.  The relay closes it.  It listens on 127.0.0.1 (an
 * ephemeral port) with a throw-away certificate; for every connection
 * libvirt opens to it, it first opens its own TLS connection to the host,
 * checks the certificate there (thumbprint or CA, as vmwarerc says; see
 * tls.h), and only then relays bytes both ways.  A connection from
 * anything but this process is refused.  libvirt is pointed at the relay
 * with no_verify=1, which is safe: it can only reach the relay, and the
 * relay only a host that passed the check.
 *
 * The relay lives, in threads of its own, as long as the process. */
#ifndef ESXMAD_TLSRELAY_H
#define ESXMAD_TLSRELAY_H

#include <stdbool.h>

#include "conf.h"

typedef struct one_tls_relay one_tls_relay;

/* Start a relay to the API port of 't' (which sets :tls_thumbprint: or
 * :tls_ca_file:).  NULL with one_error set. */
one_tls_relay *one_tls_relay_start (const one_target *t);
int one_tls_relay_port (const one_tls_relay *r);
/* The last upstream failure (certificate refused, host unreachable) as a
 * message to free, or NULL; taken, so the next call returns a newer one. */
char *one_tls_relay_error (one_tls_relay *r);

/* Wait up to 'seconds' until 'r' relays no connection (after libvirt
 * closed its own): true when idle.  Called when a libvirt
 * connection is closed, so that no relay thread is half-way through its
 * work when the action exits. */
bool one_tls_relay_wait_idle (one_tls_relay *r, double seconds);

#endif
