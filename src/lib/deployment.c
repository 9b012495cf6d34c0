/* esxmad: a VM's deployment files and what the actions derive from them. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "esxmad.h"

char *
one_domain_vmx_dspath (const one_domain *d)
{
  const char *first = NULL;
  for (size_t i = 0; i < d->n_disks && !first; i++)
    if (one_streq (d->disks[i].type, "file")
        && (d->disks[i].device == NULL || one_streq (d->disks[i].device, "disk")))
      first = d->disks[i].source;
  if (first == NULL) {
    one_error ("deployment '%s': no file-based hard disk to hold the .vmx", d->path);
    return NULL;
  }
  const char *slash = strrchr (first, '/');
  if (slash)
    return one_xasprintf ("%.*s/%s.vmx", (int) (slash - first), first, d->name);
  /* "[ds] disk.vmdk": the datastore's top folder */
  const char *sp = strchr (first, ']');
  if (sp == NULL) {
    one_error ("deployment '%s': disk '%s' is not a datastore path", d->path, first);
    return NULL;
  }
  return one_xasprintf ("%.*s %s.vmx", (int) (sp - first + 1), first, d->name);
}

const char *
one_domain_datavmx_raw (const one_domain *d)
{
  if (d->datavmx && *d->datavmx)
    return d->datavmx;
  one_xml *m = one_xml_child (one_xml_root (d->doc), "metadata");
  if (m == NULL || one_xml_child (m, NULL) != NULL)
    return NULL;
  const char *t = one_xml_text (m);
  if (t == NULL)
    return NULL;
  t += strspn (t, " \t\r\n");
  return *t ? t : NULL;
}

char *
one_dspath_to_path (const char *dspath)
{
  if (dspath == NULL || dspath[0] != '[')
    return NULL;
  const char *close = strchr (dspath, ']');
  if (close == NULL || close == dspath + 1)
    return NULL;
  const char *rest = close + 1;
  while (*rest == ' ')
    rest++;
  return one_xasprintf ("/vmfs/volumes/%.*s%s%s", (int) (close - dspath - 1),
                        dspath + 1, *rest ? "/" : "", rest);
}

char *
one_vms_dir (const char *vid)
{
  const char *e = getenv ("ESXMAD_VMS_DIR");
  if (e && *e)
    return one_xasprintf ("%s/%s", e, vid);
  e = getenv ("ONE_LOCATION");
  if (e && *e)
    return one_xasprintf ("%s/var/vms/%s", e, vid);
  return one_xasprintf ("/var/lib/one/vms/%s", vid);
}

char *
one_deployment_latest (const char *dir)
{
  DIR *dh = opendir (dir);
  if (dh == NULL) {
    one_error ("deployment folder '%s': opendir: %s", dir, strerror (errno));
    return NULL;
  }
  long long best = -1;
  char *best_name = NULL;
  struct dirent *de;
  while ((de = readdir (dh))) {
    if (!one_str_startswith (de->d_name, "deployment."))
      continue;
    int64_t seq;
    if (one_parse_int64 (de->d_name + 11, 0, INT64_MAX, &seq) < 0)
      continue;
    if (seq > best) {
      best = seq;
      free (best_name);
      best_name = one_xstrdup (de->d_name);
    }
  }
  closedir (dh);
  if (best_name == NULL) {
    one_error ("deployment folder '%s': no deployment.<n> file", dir);
    return NULL;
  }
  char *r = one_xasprintf ("%s/%s", dir, best_name);
  free (best_name);
  return r;
}
