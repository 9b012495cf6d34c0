/* esxmad: base64 (RFC 4648), as OpenNebula passes driver action data. */
#ifndef ESXMAD_B64_H
#define ESXMAD_B64_H

#include <stddef.h>

char *one_b64_encode (const void *data, size_t len);
/* Decode; whitespace is skipped, anything else invalid is an error
 * (one_error).  The result is NUL-terminated (not counted in *outlen). */
int one_b64_decode (const char *in, char **out, size_t *outlen);

#endif
