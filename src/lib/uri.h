/* esxmad: small URI helpers for libvirt URIs (pure functions). */
#ifndef ESXMAD_URI_H
#define ESXMAD_URI_H

/* 'uri' with query parameter 'key' set to 'value' (replaced if present,
 * duplicates dropped, appended otherwise). */
char *one_uri_set_param (const char *uri, const char *key, const char *value);
/* The value of query parameter 'key' of 'uri' ("" for a bare key, NULL if
 * absent). */
char *one_uri_get_param (const char *uri, const char *key);
/* 'uri' with its host[:port] replaced by host:port (port <= 0: none);
 * user info, path and query kept.  NULL if 'uri' has no "://". */
char *one_uri_set_authority (const char *uri, const char *host, int port);
/* Percent-encode a URI path segment (everything but unreserved bytes). */
char *one_uri_escape (const char *s);

#endif
