/* esxmad: vmwarerc, the YAML configuration (libyaml).
 *
 * Reads OpenNebula's original file unchanged (symbol keys with a leading
 * colon, the literal single quotes inside :libvirt_uri:, @HOST@) plus
 * esxmad's own keys.  Unknown keys and bad values are errors that name the
 * key and the line. */
#ifndef ESXMAD_CONF_H
#define ESXMAD_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"

/* Per-host overrides, from the :hosts: map (key = OpenNebula host name,
 * or the :vcenter: name). */
typedef struct one_host_conf {
  char *name;
  char *address;           /* :address:  (NULL: the name itself) */
  int api_port;            /* :api_port: (0: unset) */
  int ssh_port;            /* :ssh_port: (0: unset) */
  char *tls_thumbprint;    /* :tls_thumbprint: */
  char *libvirt_uri;       /* :libvirt_uri: */
} one_host_conf;

typedef struct one_conf {
  char *path;              /* the file read */
  char *libvirt_uri;       /* raw, as written (quotes and @HOST@ kept) */
  char *username;
  char *password;          /* from :password: or :password_file: ("" if none) */
  char *password_file;
  char *datacenter;        /* default "ha-datacenter" */
  char *vcenter;           /* NULL or "" when none */
  char *cluster;           /* :cluster: (esxmad): vCenter cluster of the hosts, for vpx paths */
  bool reserve_memory_in_disk;   /* default true */
  char *ssh_user;          /* default: username */
  int ssh_port;            /* default 22 */
  char *ssh_identity;      /* default NULL: ~/.ssh/id_ed25519, id_ecdsa, id_rsa */
  char *ssh_known_hosts;   /* default ~/.ssh/known_hosts */
  char *tls_thumbprint;    /* "AA:BB:..." SHA1, upper or lower case */
  char *tls_ca_file;
  int timeout;             /* seconds for one remote operation, default 60 */
  int shutdown_timeout;    /* :shutdown_timeout: (esxmad), seconds, default 300 */
  int libvirt_timeout;     /* :libvirt_timeout: (esxmad), seconds one libvirt
                              call may take, default 1800 */
  char *cache_dir;         /* :cache_dir: (esxmad), session cookies; default /var/tmp/esxmad-<uid> */
  size_t n_hosts;
  one_host_conf *hosts;
} one_conf;

/* Everything needed to reach one host (ESX or vCenter), with the
 * overrides applied.  Built by one_conf_target(). */
typedef struct one_target {
  char *host;              /* OpenNebula host name as given */
  char *address;           /* where to connect */
  int api_port;            /* 443 unless overridden */
  int ssh_port;
  char *libvirt_uri;       /* @HOST@ replaced, surrounding quotes stripped;
                              if :address:/:api_port: are set and the URI
                              came from the default, host[:port] inside it
                              are the address and port */
  bool tls_no_verify;      /* no_verify=1 in the URI and no thumbprint/CA set */
  bool tls_http;           /* transport=http in the URI: plain http */
  char *tls_thumbprint;    /* normalised "AA:BB:..." upper case, or NULL */
  char *tls_ca_file;
  char *username;
  char *password;          /* never printed, logged, or put in argv/env */
  char *ssh_user;
  char *ssh_identity;
  char *ssh_known_hosts;
  int timeout;
  int libvirt_timeout;
  char *cache_dir;
} one_target;

/* $VMWARERC, else $ONE_LOCATION/etc/vmwarerc, else /etc/one/vmwarerc. */
char *one_conf_default_path (void);
/* Load and validate; NULL with one_error set ("config '<path>' line N: ..."). */
one_conf *one_conf_load (const char *path);
one_conf *one_conf_load_default (void);
/* The same from text in memory; 'path' names it in messages and anchors
 * relative paths.  No file-mode warnings for the text itself. */
one_conf *one_conf_parse (const char *path, const char *data, size_t len);
void one_conf_free (one_conf *c);
ONE_DEFINE_AUTO (one_conf)

/* The :hosts: entry of 'host', or NULL. */
const one_host_conf *one_conf_host (const one_conf *c, const char *host);

/* The connection settings for 'host' (an OpenNebula host name or the
 * vCenter name).  NULL with one_error set on a bad value. */
one_target *one_conf_target (const one_conf *c, const char *host);
void one_target_free (one_target *t);
/* A deep copy (strings included). */
one_target *one_target_dup (const one_target *t);
ONE_DEFINE_AUTO (one_target)

#endif
