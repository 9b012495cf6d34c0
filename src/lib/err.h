/* esxmad: errors and logging, in OpenNebula's driver conventions.
 *
 * An error is reported once, where it happens, with one_error(); every
 * other layer only returns -1 or NULL.  main() then calls one_fail(),
 * which prints the message inside OpenNebula's ERROR MESSAGE block on
 * stderr (spec §2.1), always on one line. */
#ifndef ESXMAD_ERR_H
#define ESXMAD_ERR_H

#include <stdarg.h>
#include <stdbool.h>

/* Exit codes of every program (see each man page's EXIT STATUS). */
enum {
  ONE_EXIT_OK = 0,
  ONE_EXIT_FAIL = 1,            /* the action failed */
  ONE_EXIT_USAGE = 2,           /* usage or configuration error */
};

/* The program name used in messages ("deploy", "tm/clone", ...). */
extern const char *one_progname;

/* Record the error of the current thread (replaces an earlier one). */
void one_error (const char *fmt, ...)
  __attribute__ ((format (printf, 1, 2)));
void one_verror (const char *fmt, va_list ap);
/* Prefix the recorded error with more context: "ctx: old". */
void one_error_prefix (const char *fmt, ...)
  __attribute__ ((format (printf, 1, 2)));
/* The recorded message, or NULL when none.  Owned by the library. */
const char *one_errmsg (void);
void one_error_reset (void);

/* Print the recorded error (or a generic one) in the ERROR MESSAGE block
 * and return 'code', for "return one_fail (ONE_EXIT_FAIL);" in main(). */
int one_fail (int code);
/* Print a message given here directly, as one_fail would. */
/* From any thread: print 'msg' as the error block and end the process
 * at once with 'code' (_exit: no cleanup runs).  For a watchdog. */
_Noreturn void one_fail_now (int code, const char *msg);
int one_fail_msg (int code, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

/* Log lines on stderr, relayed by the driver layer to oned's log:
 * one_log() plain (I), one_debug() "DEBUG: ..." (D, only when
 * ESXMAD_DEBUG or ONE_MAD_DEBUG is set), one_warn() "WARNING: ..." */
void one_log (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void one_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void one_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
bool one_debug_enabled (void);

/* Secrets registered here are replaced by "***" in every message that
 * goes through this module (errors and logs), as a last line of defence;
 * code must still never format a password into a message. */
void one_secret_register (const char *secret);

#endif
