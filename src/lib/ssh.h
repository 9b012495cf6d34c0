/* esxmad: SSH to ESX hosts (libssh2).
 *
 * Public-key login only, strict host-key check against an OpenSSH
 * known_hosts file (hashed entries and the "[host]:port" form for ports
 * other than 22): an unknown or changed key refuses the connection with a
 * message saying what to do.  Every call waits at most t->timeout seconds
 * for the server to answer (an inactivity timeout, so long transfers are
 * fine while data flows); one_ssh_set_timeout() changes it.
 *
 * Remote commands run under the remote user's shell (busybox ash on ESX);
 * build them with one_shcmd()/one_shq() only.  A command whose exit status
 * never arrives is a failure, never a success. */
#ifndef ESXMAD_SSH_H
#define ESXMAD_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cleanup.h"
#include "conf.h"
#include "util.h"

typedef struct one_ssh one_ssh;

/* Connect, verify the host key, log in.  NULL with one_error set. */
one_ssh *one_ssh_connect (const one_target *t);
/* Disconnect cleanly (if still connected) and free. */
void one_ssh_free (one_ssh *s);
ONE_DEFINE_AUTO (one_ssh)

/* "user@address:port", for messages. */
const char *one_ssh_name (const one_ssh *s);
/* Inactivity timeout in seconds for the following calls (0 = none). */
void one_ssh_set_timeout (one_ssh *s, int seconds);
int one_ssh_get_timeout (const one_ssh *s);

/* Run 'cmd' remotely, feed 'in' (may be NULL) on its stdin, then EOF;
 * collect stdout into 'out' and stderr into 'err' (either may be NULL to
 * discard) and the exit status into *status (a signal gives 128+N).
 * Returns 0 when the command ran and its status arrived (whatever it is),
 * -1 with one_error set otherwise. */
int one_ssh_run (one_ssh *s, const char *cmd, const void *in, size_t inlen,
                 one_buf *out, one_buf *err, int *status);
/* Like one_ssh_run, but a non-zero status is a failure whose message is
 * "'what': <last line(s) of remote stderr> (exit N)".  'out' may be NULL. */
int one_ssh_run_ok (one_ssh *s, const char *what, const char *cmd,
                    const void *in, size_t inlen, one_buf *out);
/* Run a multi-line sh script: "sh -s" with the script on stdin, prefixed
 * with "export LANG=C LC_ALL=C PATH=/usr/sbin:/sbin:/bin:/usr/bin:$PATH".
 * Non-zero status = failure as in one_ssh_run_ok. */
int one_ssh_script_ok (one_ssh *s, const char *what, const char *script,
                       one_buf *out);

/* Progress callback of transfers: bytes done, total (0 if unknown). */
typedef void (*one_ssh_progress_fn) (void *opaque, uint64_t done,
                                     uint64_t total);
/* A progress callback printing "what: N MiB of M MiB (P%), X MB/s" lines on
 * stderr at most every 2 s, for transfers of 32 MiB or more.  'opaque' is
 * a one_ssh_progress (zero-initialise, set .what). */
typedef struct one_ssh_progress {
  const char *what;
  double start, last;
  uint64_t printed;        /* last 'done' printed */
} one_ssh_progress;
void one_ssh_progress_stderr (void *opaque, uint64_t done, uint64_t total);

/* Upload the local file 'local' to 'remote_final': written to a temporary
 * name in the same remote folder (".<name>.esxmad-part-<random>"), holes
 * of a sparse local file are skipped (the remote file stays sparse), then
 * renamed into place only when complete.  On any failure the temporary is
 * removed (over a new connection if this one died) and nothing is left
 * under the final name.  'progress' may be NULL.  A file with 64 MiB of
 * data or more is sent over ESXMAD_SSH_STREAMS connections (default 2,
 * 1-4) in parallel, each writing its share of the file. */
int one_ssh_upload_file (one_ssh *s, const char *local,
                         const char *remote_final,
                         one_ssh_progress_fn progress, void *opaque);
/* Upload from a stream (a pipe, a download, a decompressor): 'read_fn'
 * fills up to 'n' bytes, returns the count, 0 at the end, -1 on error
 * (with one_error set).  Same temporary-then-rename rule. */
typedef ssize_t (*one_ssh_read_fn) (void *opaque, void *buf, size_t n);
int one_ssh_upload_stream (one_ssh *s, one_ssh_read_fn read_fn,
                           void *read_opaque, uint64_t total_hint,
                           const char *remote_final,
                           one_ssh_progress_fn progress, void *opaque);
/* Upload a buffer (same rule), with the given mode (e.g. 0644). */
int one_ssh_upload_mem (one_ssh *s, const void *data, size_t len,
                        const char *remote_final, int mode);
/* Download a remote file into 'local' (written to a temporary name in the
 * local folder, renamed when complete). */
int one_ssh_download_file (one_ssh *s, const char *remote, const char *local,
                           one_ssh_progress_fn progress, void *opaque);

/* SFTP helpers.  one_ssh_stat: 0 and *st filled, 1 if the path does not
 * exist, -1 on error.  'follow' = stat (true) or lstat (false). */
typedef struct one_ssh_stat_t {
  uint64_t size;
  unsigned mode;           /* st_mode bits (S_IFDIR, S_IFLNK, ...) */
  uint64_t mtime;
} one_ssh_stat_t;
int one_ssh_stat (one_ssh *s, const char *path, bool follow,
                  one_ssh_stat_t *st);
/* mkdir -p over SFTP (mode 0755 for created folders). */
int one_ssh_mkdir_p (one_ssh *s, const char *path);
/* readlink (one level) or realpath; NULL with one_error set. */
char *one_ssh_readlink (one_ssh *s, const char *path);
char *one_ssh_realpath (one_ssh *s, const char *path);
/* Remove a file or an empty folder; 1 if it did not exist. */
int one_ssh_remove (one_ssh *s, const char *path);
int one_ssh_rename (one_ssh *s, const char *from, const char *to);

#endif
