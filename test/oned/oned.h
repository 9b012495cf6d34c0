/* oned: a test harness that plays OpenNebula 4.4's oned and its Ruby
 * driver layer (one_vmm_exec, one_tm, one_datastore, one_im_exec) against
 * installed esxmad programs.  See test/oned/README. */
#ifndef ONED_H
#define ONED_H

#include <stdbool.h>
#include <stddef.h>

#include "xml.h"

/* ---- buffers and small helpers (util.c) ---- */
typedef struct buf {
  char *d;
  size_t len, cap;
} buf;
void buf_add (buf *b, const void *p, size_t n);
void buf_puts (buf *b, const char *s);
void buf_printf (buf *b, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
char *buf_take (buf *b);                  /* never NULL */
char *xstrdup (const char *s);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void *xcalloc (size_t n);
char *b64_encode (const char *p, size_t n);
char *b64_decode (const char *s, size_t *n);   /* NULL if invalid */
char *read_file (const char *path, size_t *len);  /* NULL + errno */
int write_file (const char *path, const char *data, size_t len);
int mkdir_p (const char *path);
char *strip (const char *s);              /* new string, white space trimmed */
double now (void);
_Noreturn void die (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* ---- running a program as the driver layer does (exec.c) ---- */
typedef struct result {
  bool success;
  char *info;              /* the reply's info as oned would receive it */
  char *out, *err;         /* raw */
  int code;
  double secs;
} result;

/* Protocol violations found so far (each is printed when found). */
extern int violations;
void violation (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Print a line oned would read from the driver (stdout). */
void proto (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Trace for humans (stderr, only with ONED_TRACE or --trace). */
extern bool trace;
void tracef (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Run 'cmd' through /bin/sh as LocalCommand does, relay the log lines
 * ('relay_always' for remote commands), compute success and info.
 * mode: INFO_RAW = the info is stdout as is (do_action), else stripped
 * (steps); INFO_MULTILINE = base64-encoded reply, several lines are fine;
 * INFO_NO_BLOCK = a failure without ERROR MESSAGE block is not flagged. */
enum { INFO_STRIP = 0, INFO_RAW = 1, INFO_MULTILINE = 2, INFO_NO_BLOCK = 4 };
void run_action (const char *cmd, int id, int mode, bool relay_always,
                 result *r);
void result_free (result *r);
/* The text of the first ERROR MESSAGE block of 'err', NULL if none.
 * Flags a block spanning several lines or left open. */
char *error_block (const char *err);
/* Relay stderr lines as LOG lines, the way OpenNebulaDriver#log does. */
void relay_log (int id, const char *text);

/* ---- checks of what oned parses (parse.c) ---- */
/* parse_vm_info: 0 if oned accepts the monitor string. */
int check_monitor (const char *what, const char *s);
/* Host.cc/MonitorThread: parse the IM output (one line after run_probes)
 * as an OpenNebula template; prints a summary; 0 if usable. */
int check_im (const char *s, int *n_vms, int *n_ds);

/* ---- oned's side (core.c) ---- */
const char *one_location (void);          /* $ONE_LOCATION, required */
const char *remotes_dir (void);           /* $ONE_LOCATION/var/remotes */
const char *vms_dir (void);               /* $ONE_LOCATION/var/vms */
xnode *load_vm (const char *path, char **raw);
int vm_id (const xnode *vm);
xnode *vm_history (const xnode *vm);      /* last HISTORY */
xnode *vm_prev_history (const xnode *vm); /* the one before, or NULL */
int write_deployment (const xnode *vm, const char *path);
int write_context (const xnode *vm, const char *path);
char *transfer_lines (const xnode *vm, const char *op);
char *tm_line (const xnode *vm, const char *kind);
char *vmm_action_data (const xnode *vm, const char *vm_raw, char **kv, int nkv);

/* ---- the driver layer (drivers.c) ---- */
int vmm_action (const char *action, const char *b64data, int vid);
int tm_transfer (int vid, const char *file);
int tm_do (int vid, const char *line, result *r);
int ds_action (const char *action, int id, const char *b64data);
int im_monitor (int host_id, const char *hostname, const char *ds_location);

#endif
