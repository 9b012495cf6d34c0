/* esxmad: datastore action helpers (see ds.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "ds.h"
#include "err.h"
#include "one.h"
#include "shq.h"
#include "storage.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* The request */

void
one_ds_free (one_ds *d)
{
  if (!d)
    return;
  one_xml_doc_free (d->doc);
  free (d->id);
  free (d->base_path);
  free (d->bridge);
  free (d);
}

const char *
one_ds_get (const one_ds *d, const char *path)
{
  const char *v = one_ds_action_get (d->doc, path);
  return v && *v ? v : NULL;
}

bool
one_ds_is_cdrom (const one_ds *d)
{
  const char *t = one_ds_get (d, "IMAGE/TYPE");
  return t && (!strcmp (t, "1") || !strcasecmp (t, "CDROM"));
}

one_ds *
one_ds_open (const char *b64, const char *id, bool need_base,
             bool random_bridge)
{
  ONE_AUTO (one_ds) *d = one_xcalloc (1, sizeof *d);
  int64_t n;
  d->id = one_xstrdup (id);
  if (one_parse_int64 (id, 0, INT64_MAX, &n) < 0) {
    one_error ("id '%s': expected a number", id);
    return NULL;
  }
  if (!(d->doc = one_ds_action_parse (b64)))
    return NULL;
  if (need_base) {
    const char *bp = one_ds_get (d, "DATASTORE/BASE_PATH");
    ONE_AUTOFREE char *probe = NULL;
    ONE_AUTOFREE char *ds = NULL;
    if (!bp) {
      one_error ("DS_DRIVER_ACTION_DATA: no DATASTORE/BASE_PATH");
      return NULL;
    }
    d->base_path = one_xstrdup (bp);
    size_t l = strlen (d->base_path);
    while (l > 1 && d->base_path[l - 1] == '/')
      d->base_path[--l] = 0;
    probe = one_xasprintf ("%s/x", d->base_path);
    if (one_vmfs_path_check (probe, &ds) < 0 ||
        strcmp (probe + strlen ("/vmfs/volumes/") + strlen (ds), "/x")) {
      one_error ("datastore BASE_PATH '%s': expected /vmfs/volumes/<datastore> "
                 "(set DATASTORE_LOCATION=/vmfs/volumes)", bp);
      return NULL;
    }
  }
  /* The bridge: word (id mod N) of BRIDGE_LIST. */
  const char *bl = one_ds_get (d, "DATASTORE/TEMPLATE/BRIDGE_LIST");
  char *words[256];
  size_t nw = 0;
  ONE_AUTOFREE char *copy = one_xstrdup (bl ? bl : "");
  char *save = NULL;
  for (char *w = strtok_r (copy, " \t\n,", &save); w && nw < 256;
       w = strtok_r (NULL, " \t\n,", &save))
    words[nw++] = w;
  if (nw == 0)
    d->bridge = NULL;           /* one_ds_connect() reports it */
  else if (random_bridge) {
    unsigned r = (unsigned) (one_now () * 1000) ^ (unsigned) getpid ();
    d->bridge = one_xstrdup (words[r % nw]);
  }
  else
    d->bridge = one_xstrdup (words[n % nw]);
  return one_steal_pointer (&d);
}

char *
one_ds_new_source (const one_ds *d)
{
  ONE_AUTOFREE char *rnd = one_store_random_hex (8);
  ONE_AUTOFREE char *seed = one_xasprintf ("%lld:%s:%s", (long long) time (NULL),
                                           d->id, rnd);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  char hex[2 * EVP_MAX_MD_SIZE + 1];
  EVP_Digest (seed, strlen (seed), md, &mdlen, EVP_md5 (), NULL);
  for (unsigned i = 0; i < mdlen; i++)
    snprintf (hex + 2 * i, 3, "%02x", md[i]);
  return one_xasprintf ("%s/%s", d->base_path, hex);
}

static bool
under (const char *path, const char *dir)
{
  size_t l = strlen (dir);
  while (l > 1 && dir[l - 1] == '/')
    l--;
  return !strncmp (path, dir, l) && (path[l] == '/' || path[l] == 0);
}

int
one_ds_path_allowed (const one_ds *d, const char *path)
{
  const char *home = getenv ("HOME");
  const char *rd = one_ds_get (d, "DATASTORE/TEMPLATE/RESTRICTED_DIRS");
  const char *sd = one_ds_get (d, "DATASTORE/TEMPLATE/SAFE_DIRS");
  ONE_AUTOFREE char *restricted = one_xasprintf ("%s /var/lib/one/ /etc/one/ %s/",
                                                 rd ? rd : "", home ? home : "/root");
  ONE_AUTOFREE char *safe = one_xstrdup (sd ? sd : "");
  char real[PATH_MAX];
  char *save = NULL;
  bool bad = false;

  if (!realpath (path, real)) {
    one_error ("image file '%s': %s", path, strerror (errno));
    return -1;
  }
  for (char *w = strtok_r (restricted, " \t\n", &save); w;
       w = strtok_r (NULL, " \t\n", &save)) {
    char r[PATH_MAX];
    if (under (real, w) || (realpath (w, r) && under (real, r)))
      bad = true;
  }
  save = NULL;
  for (char *w = strtok_r (safe, " \t\n", &save); w && bad;
       w = strtok_r (NULL, " \t\n", &save)) {
    char r[PATH_MAX];
    if (under (real, w) || (realpath (w, r) && under (real, r)))
      bad = false;
  }
  if (bad) {
    one_error ("Not allowed to copy image file %s", path);
    return -1;
  }
  return 0;
}

one_ssh *
one_ds_connect (const one_ds *d, bool *usage)
{
  *usage = false;
  if (!d->bridge) {
    one_error ("Datastore template missing 'BRIDGE_LIST' attribute.");
    *usage = true;
    return NULL;
  }
  ONE_AUTO (one_ssh) *s = one_store_connect (d->bridge, usage);
  if (!s || !d->base_path)
    return one_steal_pointer (&s);
  /* Never create a datastore: BASE_PATH must be a folder on the host
   * (mkdir -p of a new image would otherwise make it under /vmfs/volumes). */
  one_ssh_stat_t st;
  int r = one_ssh_stat (s, d->base_path, true, &st);
  if (r < 0)
    return NULL;
  if (r == 1 || (st.mode & S_IFMT) != S_IFDIR) {
    one_error ("datastore BASE_PATH '%s': no such datastore on '%s' (is it "
               "mounted there, and named after the datastore id?)",
               d->base_path, d->bridge);
    return NULL;
  }
  return one_steal_pointer (&s);
}

/* ------------------------------------------------------------------ */
/* Local sources */

int
one_ds_src_kind (const char *path, enum one_src_kind *kind)
{
  struct stat st;
  unsigned char b[0x8010];
  ssize_t n;
  int fd;
  if (stat (path, &st) < 0) {
    one_error ("image '%s': %s", path, strerror (errno));
    return -1;
  }
  if (S_ISDIR (st.st_mode)) {
    *kind = ONE_SRC_DIR;
    return 0;
  }
  if (!S_ISREG (st.st_mode)) {
    one_error ("image '%s': neither a file nor a folder", path);
    return -1;
  }
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    one_error ("image '%s': %s", path, strerror (errno));
    return -1;
  }
  memset (b, 0, sizeof b);
  n = pread (fd, b, sizeof b, 0);
  close (fd);
  if (n < 0) {
    one_error ("image '%s': read: %s", path, strerror (errno));
    return -1;
  }
  if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
    *kind = ONE_SRC_ARCHIVE;                 /* gzip (tar.gz) */
  else if (n >= 3 && !memcmp (b, "BZh", 3))
    *kind = ONE_SRC_ARCHIVE;                 /* bzip2 */
  else if (n >= 6 && !memcmp (b, "\xfd" "7zXZ", 5))
    *kind = ONE_SRC_ARCHIVE;                 /* xz */
  else if (n >= 4 && !memcmp (b, "PK\3\4", 4))
    *kind = ONE_SRC_ARCHIVE;                 /* zip */
  else if (n >= 262 && !memcmp (b + 257, "ustar", 5))
    *kind = ONE_SRC_ARCHIVE;                 /* tar */
  else if (n >= 0x8006 && !memcmp (b + 0x8001, "CD001", 5))
    *kind = ONE_SRC_ISO;
  else if (n >= 4 && !memcmp (b, "KDMV", 4))
    *kind = ONE_SRC_SPARSE_VMDK;
  else if (n >= 21 && memmem (b, n < 1024 ? n : 1024, "# Disk DescriptorFile", 21))
    *kind = ONE_SRC_DESCRIPTOR;
  else
    *kind = ONE_SRC_OTHER;
  return 0;
}

int
one_ds_check_hash (const char *path, const char *md5, const char *sha1)
{
  if (!md5 && !sha1)
    return 0;
  EVP_MD_CTX *c[2] = { md5 ? EVP_MD_CTX_new () : NULL,
                       sha1 ? EVP_MD_CTX_new () : NULL };
  const char *want[2] = { md5, sha1 };
  const char *names[2] = { "MD5", "SHA1" };
  int fd = open (path, O_RDONLY | O_CLOEXEC), rc = -1;
  ONE_AUTOFREE char *buf = one_xmalloc (1 << 20);
  if (fd < 0) {
    one_error ("image '%s': %s", path, strerror (errno));
    goto out;
  }
  if (c[0])
    EVP_DigestInit_ex (c[0], EVP_md5 (), NULL);
  if (c[1])
    EVP_DigestInit_ex (c[1], EVP_sha1 (), NULL);
  for (;;) {
    ssize_t n = read (fd, buf, 1 << 20);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      one_error ("image '%s': read: %s", path, strerror (errno));
      goto out;
    }
    if (n == 0)
      break;
    for (int k = 0; k < 2; k++)
      if (c[k])
        EVP_DigestUpdate (c[k], buf, n);
  }
  for (int k = 0; k < 2; k++) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int l = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    if (!c[k])
      continue;
    EVP_DigestFinal_ex (c[k], md, &l);
    for (unsigned i = 0; i < l; i++)
      snprintf (hex + 2 * i, 3, "%02x", md[i]);
    if (strcasecmp (hex, want[k])) {
      one_error ("image '%s': %s mismatch: expected %s, got %s", path,
                 names[k], want[k], hex);
      goto out;
    }
  }
  rc = 0;
 out:
  if (fd >= 0)
    close (fd);
  for (int k = 0; k < 2; k++)
    if (c[k])
      EVP_MD_CTX_free (c[k]);
  return rc;
}

void
one_img_free (one_img *m)
{
  if (!m)
    return;
  for (size_t i = 0; i < m->n; i++) {
    free (m->files[i].local);
    free (m->files[i].name);
  }
  free (m->files);
  free (m);
}

static void
img_add (one_img *m, const char *local, const char *name)
{
  struct stat st;
  m->files = one_xrealloc (m->files, (m->n + 1) * sizeof *m->files);
  m->files[m->n].local = one_xstrdup (local);
  m->files[m->n].name = one_xstrdup (name);
  m->n++;
  if (stat (local, &st) == 0)
    m->bytes += st.st_size;
}

static bool
is_extent_name (const char *n)
{
  size_t l = strlen (n);
  if (l < 6 || strcmp (n + l - 5, ".vmdk"))
    return false;
  if ((l > 10 && !strcmp (n + l - 10, "-flat.vmdk")) ||
      (l > 11 && !strcmp (n + l - 11, "-delta.vmdk")))
    return true;
  /* -sNNN.vmdk */
  const char *s = n + l - 5;
  const char *p = s;
  while (p > n && isdigit ((unsigned char) p[-1]))
    p--;
  return p < s && p - n >= 2 && p[-1] == 's' && p[-2] == '-';
}

one_img *
one_img_from_dir (const char *dir)
{
  ONE_AUTO (one_img) *m = one_xcalloc (1, sizeof *m);
  DIR *dh = opendir (dir);
  struct dirent *e;
  ONE_AUTOFREE char *desc = NULL;
  int ndesc = 0;
  bool has_disk = false;
  if (!dh) {
    one_error ("image folder '%s': %s", dir, strerror (errno));
    return NULL;
  }
  while ((e = readdir (dh))) {
    ONE_AUTOFREE char *p = one_xasprintf ("%s/%s", dir, e->d_name);
    struct stat st;
    if (e->d_name[0] == '.' || stat (p, &st) < 0 || !S_ISREG (st.st_mode))
      continue;
    if (!strcmp (e->d_name, "disk.vmdk"))
      has_disk = true;
    else if (one_str_endswith (e->d_name, ".vmdk") &&
             !is_extent_name (e->d_name) && st.st_size < (1 << 20)) {
      enum one_src_kind k;
      if (one_ds_src_kind (p, &k) == 0 && k == ONE_SRC_DESCRIPTOR) {
        ndesc++;
        free (desc);
        desc = one_xstrdup (e->d_name);
      }
    }
  }
  rewinddir (dh);
  if (!has_disk && ndesc != 1) {
    closedir (dh);
    one_error ("image folder '%s': %s", dir, ndesc ? "more than one "
               "descriptor (.vmdk) and no disk.vmdk"
               : "no disk.vmdk and no VMDK descriptor");
    return NULL;
  }
  while ((e = readdir (dh))) {
    ONE_AUTOFREE char *p = one_xasprintf ("%s/%s", dir, e->d_name);
    struct stat st;
    if (e->d_name[0] == '.' || stat (p, &st) < 0 || !S_ISREG (st.st_mode))
      continue;
    img_add (m, p, !has_disk && !strcmp (e->d_name, desc) ? "disk.vmdk"
             : e->d_name);
  }
  closedir (dh);
  return one_steal_pointer (&m);
}

one_img *
one_img_from_descriptor (const char *file)
{
  ONE_AUTO (one_img) *m = one_xcalloc (1, sizeof *m);
  ONE_AUTOFREE char *text = NULL, *dir = NULL, *base = NULL;
  size_t len;
  if (one_read_file (file, 1 << 20, &text, &len) < 0)
    return NULL;
  one_store_split (file, &dir, &base);
  img_add (m, file, "disk.vmdk");
  char *save = NULL;
  for (char *l = strtok_r (text, "\n", &save); l; l = strtok_r (NULL, "\n", &save)) {
    /* RW 2048 VMFS "x-flat.vmdk" [offset] */
    char *q1, *q2;
    if (strncmp (l, "RW ", 3) && strncmp (l, "RDONLY ", 7) &&
        strncmp (l, "NOACCESS ", 9))
      continue;
    if (!(q1 = strchr (l, '"')) || !(q2 = strchr (q1 + 1, '"')))
      continue;
    *q2 = 0;
    const char *name = q1 + 1;
    if (!*name || strchr (name, '/') || !strcmp (name, "..")) {
      one_error ("descriptor '%s': extent '%s' must be a file next to it",
                 file, name);
      return NULL;
    }
    ONE_AUTOFREE char *p = one_xasprintf ("%s/%s", dir, name);
    if (access (p, R_OK) < 0) {
      one_error ("descriptor '%s': extent '%s': %s", file, p, strerror (errno));
      return NULL;
    }
    img_add (m, p, name);
  }
  if (m->n < 2) {
    one_error ("descriptor '%s': no extent found", file);
    return NULL;
  }
  return one_steal_pointer (&m);
}

char *
one_ds_extract (const char *archive, const char *into)
{
  unsigned char b[4] = { 0 };
  FILE *f = fopen (archive, "rb");
  if (f) {
    if (fread (b, 1, 4, f) < 4)
      b[0] = 0;
    fclose (f);
  }
  if (!memcmp (b, "PK\3\4", 4)) {
    char *argv[] = { "unzip", "-q", "-o", "-j", (char *) archive, "-d",
                     (char *) into, NULL };
    if (one_store_exec (argv, NULL) < 0)
      return NULL;
  }
  else {
    char *argv[] = { "tar", "-x", "--no-same-owner", "--no-same-permissions",
                     "-f", (char *) archive, "-C", (char *) into, NULL };
    if (one_store_exec (argv, NULL) < 0)
      return NULL;
  }
  /* The disk is in 'into' or in its only sub-folder. */
  char *dir = one_xstrdup (into);
  for (int depth = 0; depth < 4; depth++) {
    DIR *dh = opendir (dir);
    struct dirent *e;
    int nfiles = 0, ndirs = 0;
    char *sub = NULL;
    if (!dh)
      break;
    while ((e = readdir (dh))) {
      if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, ".."))
        continue;
      ONE_AUTOFREE char *p = one_xasprintf ("%s/%s", dir, e->d_name);
      struct stat st;
      if (lstat (p, &st) < 0)
        continue;
      if (S_ISDIR (st.st_mode)) {
        ndirs++;
        free (sub);
        sub = one_steal_pointer (&p);
      }
      else if (S_ISREG (st.st_mode))
        nfiles++;
    }
    closedir (dh);
    if (nfiles == 0 && ndirs == 1) {
      free (dir);
      dir = sub;
      continue;
    }
    free (sub);
    break;
  }
  return dir;
}

/* ------------------------------------------------------------------ */
/* Uploads */

static void
remote_cleanup (one_ssh **s, const char *host, const char *path)
{
  ONE_AUTOFREE char *saved = one_xstrdup (one_errmsg ());
  ONE_AUTOFREE char *vars = one_shcmd ("p=%s\n", path);
  int r = -1;
  if (*s)
    r = one_store_script (*s, "cleanup", vars, "rm -rf \"$p\"\n", NULL);
  if (r < 0) {
    bool usage;
    one_ssh_free (*s);
    *s = one_store_connect (host, &usage);
    if (*s)
      r = one_store_script (*s, "cleanup", vars, "rm -rf \"$p\"\n", NULL);
  }
  if (r < 0)
    one_warn ("could not remove the partial upload '%s' on '%s'", path, host);
  one_error ("%s", saved ? saved : "upload failed");
}

int
one_ds_upload_img (one_ssh **s, const char *host, const one_img *m,
                   const char *final)
{
  ONE_AUTOFREE char *dir = NULL, *base = NULL, *rnd = one_store_random_hex (4);
  ONE_AUTOFREE char *tmp = NULL;
  one_store_split (final, &dir, &base);
  tmp = one_xasprintf ("%s/.%s.esxmad-part-%s", dir, base, rnd);
  if (one_ssh_mkdir_p (*s, tmp) < 0)
    goto fail;
  for (size_t i = 0; i < m->n; i++) {
    ONE_AUTOFREE char *to = one_xasprintf ("%s/%s", tmp, m->files[i].name);
    one_ssh_progress p = { .what = m->files[i].name };
    one_log ("uploading %s to %s:%s/%s", m->files[i].local, host, final,
             m->files[i].name);
    if (one_ssh_upload_file (*s, m->files[i].local, to,
                             one_ssh_progress_stderr, &p) < 0)
      goto fail;
  }
  if (one_ssh_rename (*s, tmp, final) < 0)
    goto fail;
  return 0;
 fail:
  remote_cleanup (s, host, tmp);
  return -1;
}

struct hashsrc {
  int fd;
  EVP_MD_CTX *c[2];
  const char *want[2];
  const char *path;
};

static ssize_t
hash_read (void *opaque, void *buf, size_t n)
{
  struct hashsrc *h = opaque;
  ssize_t r;
  do
    r = read (h->fd, buf, n);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    one_error ("read '%s': %s", h->path, strerror (errno));
    return -1;
  }
  if (r > 0) {
    for (int k = 0; k < 2; k++)
      if (h->c[k])
        EVP_DigestUpdate (h->c[k], buf, r);
    return r;
  }
  for (int k = 0; k < 2; k++) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int l = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    if (!h->c[k])
      continue;
    EVP_DigestFinal_ex (h->c[k], md, &l);
    for (unsigned i = 0; i < l; i++)
      snprintf (hex + 2 * i, 3, "%02x", md[i]);
    if (strcasecmp (hex, h->want[k])) {
      one_error ("image '%s': %s mismatch: expected %s, got %s", h->path,
                 k ? "SHA1" : "MD5", h->want[k], hex);
      return -1;
    }
  }
  return 0;
}

int
one_ds_upload_file (one_ssh *s, const char *local, const char *final,
                    const char *md5, const char *sha1)
{
  struct stat st;
  int rc;
  if (!md5 && !sha1) {
    one_ssh_progress p = { .what = local };
    return one_ssh_upload_file (s, local, final, one_ssh_progress_stderr, &p);
  }
  struct hashsrc h = { .path = local, .want = { md5, sha1 } };
  h.fd = open (local, O_RDONLY | O_CLOEXEC);
  if (h.fd < 0 || fstat (h.fd, &st) < 0) {
    one_error ("image '%s': %s", local, strerror (errno));
    if (h.fd >= 0)
      close (h.fd);
    return -1;
  }
  if (md5) {
    h.c[0] = EVP_MD_CTX_new ();
    EVP_DigestInit_ex (h.c[0], EVP_md5 (), NULL);
  }
  if (sha1) {
    h.c[1] = EVP_MD_CTX_new ();
    EVP_DigestInit_ex (h.c[1], EVP_sha1 (), NULL);
  }
  one_ssh_progress p = { .what = local };
  rc = one_ssh_upload_stream (s, hash_read, &h, st.st_size, final,
                              one_ssh_progress_stderr, &p);
  close (h.fd);
  for (int k = 0; k < 2; k++)
    if (h.c[k])
      EVP_MD_CTX_free (h.c[k]);
  return rc;
}

/* ------------------------------------------------------------------ */
/* URLs */

bool
one_is_url (const char *s)
{
  return s && (!strncmp (s, "http://", 7) || !strncmp (s, "https://", 8));
}

int
one_url_size (const char *url, uint64_t *size)
{
  CURL *c = curl_easy_init ();
  curl_off_t len = -1;
  long code = 0;
  CURLcode r;
  if (!c) {
    one_error ("url '%s': curl_easy_init failed", url);
    return -1;
  }
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_NOBODY, 1L);
  curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, 30L);
  r = curl_easy_perform (c);
  if (r == CURLE_OK) {
    curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo (c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
  }
  curl_easy_cleanup (c);
  if (r != CURLE_OK) {
    one_error ("url '%s': %s", url, curl_easy_strerror (r));
    return -1;
  }
  if (code >= 400 || len < 0) {
    one_error ("url '%s': %s", url, code >= 400 ? "HTTP error" :
               "no Content-Length");
    return -1;
  }
  *size = len;
  return 0;
}

struct dl {
  FILE *f;
  one_ssh_progress p;
  uint64_t done, total;
};

static size_t
dl_write (char *ptr, size_t sz, size_t nm, void *opaque)
{
  struct dl *d = opaque;
  size_t n = fwrite (ptr, sz, nm, d->f);
  d->done += n * sz;
  one_ssh_progress_stderr (&d->p, d->done, d->total);
  return n * sz;
}

int
one_url_download (const char *url, const char *local)
{
  struct dl d = { .p = { .what = url } };
  CURL *c;
  CURLcode r;
  long code = 0;
  curl_off_t len = -1;
  d.f = fopen (local, "wbx");
  if (!d.f) {
    one_error ("download '%s': %s: %s", url, local, strerror (errno));
    return -1;
  }
  c = curl_easy_init ();
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_TIME, 120L);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, dl_write);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, &d);
  r = curl_easy_perform (c);
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_getinfo (c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
  curl_easy_cleanup (c);
  if (fclose (d.f) != 0 && r == CURLE_OK) {
    one_error ("download '%s': write %s: %s", url, local, strerror (errno));
    return -1;
  }
  if (r != CURLE_OK) {
    one_error ("download '%s': %s (HTTP %ld)", url, curl_easy_strerror (r),
               code);
    return -1;
  }
  if (len >= 0 && (uint64_t) len != d.done) {
    one_error ("download '%s': got %llu bytes of %lld", url,
               (unsigned long long) d.done, (long long) len);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Streaming a URL straight into an upload (no temporary file): libcurl's
 * multi interface driven from the upload's read callback. */

#define URL_MAX_BUFFERED (16u << 20)

struct urlsrc {
  const char *url;
  CURLM *m;
  CURL *c;
  one_buf buf;
  size_t off;
  bool done, paused;
  CURLcode res;
  uint64_t got;
  EVP_MD_CTX *h[2];
  const char *want[2];
};

static size_t
url_write (char *ptr, size_t sz, size_t nm, void *opaque)
{
  struct urlsrc *u = opaque;
  if (u->buf.len - u->off > URL_MAX_BUFFERED) {
    u->paused = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  one_buf_append (&u->buf, ptr, sz * nm);
  return sz * nm;
}

static ssize_t
url_read (void *opaque, void *out, size_t n)
{
  struct urlsrc *u = opaque;
  while (u->buf.len == u->off && !u->done) {
    int running = 0, q;
    CURLMsg *msg;
    if (u->paused) {
      u->paused = false;
      curl_easy_pause (u->c, CURLPAUSE_CONT);
    }
    curl_multi_perform (u->m, &running);
    while ((msg = curl_multi_info_read (u->m, &q)))
      if (msg->msg == CURLMSG_DONE) {
        u->done = true;
        u->res = msg->data.result;
      }
    if (u->buf.len == u->off && !u->done)
      curl_multi_poll (u->m, NULL, 0, 1000, NULL);
  }
  if (u->buf.len > u->off) {
    size_t k = u->buf.len - u->off < n ? u->buf.len - u->off : n;
    memcpy (out, u->buf.data + u->off, k);
    u->off += k;
    u->got += k;
    if (u->off == u->buf.len)
      u->buf.len = u->off = 0;
    for (int i = 0; i < 2; i++)
      if (u->h[i])
        EVP_DigestUpdate (u->h[i], out, k);
    return k;
  }
  if (u->res != CURLE_OK) {
    long code = 0;
    curl_easy_getinfo (u->c, CURLINFO_RESPONSE_CODE, &code);
    one_error ("download '%s': %s (HTTP %ld)", u->url,
               curl_easy_strerror (u->res), code);
    return -1;
  }
  curl_off_t len = -1;
  curl_easy_getinfo (u->c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
  if (len >= 0 && (uint64_t) len != u->got) {
    one_error ("download '%s': got %llu bytes of %lld", u->url,
               (unsigned long long) u->got, (long long) len);
    return -1;
  }
  for (int i = 0; i < 2; i++) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int l = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    if (!u->h[i])
      continue;
    EVP_DigestFinal_ex (u->h[i], md, &l);
    EVP_MD_CTX_free (u->h[i]);
    u->h[i] = NULL;
    for (unsigned j = 0; j < l; j++)
      snprintf (hex + 2 * j, 3, "%02x", md[j]);
    if (strcasecmp (hex, u->want[i])) {
      one_error ("image '%s': %s mismatch: expected %s, got %s", u->url,
                 i ? "SHA1" : "MD5", u->want[i], hex);
      return -1;
    }
  }
  return 0;
}

int
one_ds_upload_url (one_ssh *s, const char *url, const char *final,
                   const char *md5, const char *sha1)
{
  struct urlsrc u = { .url = url, .want = { md5, sha1 } };
  one_ssh_progress p = { .what = url };
  uint64_t size = 0;
  int rc;
  (void) one_url_size (url, &size);     /* for progress only */
  one_error_reset ();
  u.m = curl_multi_init ();
  u.c = curl_easy_init ();
  if (!u.m || !u.c) {
    one_error ("download '%s': curl init failed", url);
    rc = -1;
    goto out;
  }
  if (md5) {
    u.h[0] = EVP_MD_CTX_new ();
    EVP_DigestInit_ex (u.h[0], EVP_md5 (), NULL);
  }
  if (sha1) {
    u.h[1] = EVP_MD_CTX_new ();
    EVP_DigestInit_ex (u.h[1], EVP_sha1 (), NULL);
  }
  curl_easy_setopt (u.c, CURLOPT_URL, url);
  curl_easy_setopt (u.c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (u.c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (u.c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt (u.c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt (u.c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (u.c, CURLOPT_LOW_SPEED_TIME, 120L);
  curl_easy_setopt (u.c, CURLOPT_WRITEFUNCTION, url_write);
  curl_easy_setopt (u.c, CURLOPT_WRITEDATA, &u);
  curl_multi_add_handle (u.m, u.c);
  rc = one_ssh_upload_stream (s, url_read, &u, size, final,
                              one_ssh_progress_stderr, &p);
  curl_multi_remove_handle (u.m, u.c);
 out:
  for (int i = 0; i < 2; i++)
    if (u.h[i])
      EVP_MD_CTX_free (u.h[i]);
  if (u.c)
    curl_easy_cleanup (u.c);
  if (u.m)
    curl_multi_cleanup (u.m);
  one_buf_free (&u.buf);
  return rc;
}
