/* esxmad: where OpenNebula keeps a VM's deployment files, and what the
 * VMM actions derive from a deployment (one.h reads the file itself). */
#ifndef ESXMAD_DEPLOYMENT_H
#define ESXMAD_DEPLOYMENT_H


struct one_domain;

/* The .vmx libvirt writes for domain 'd' (one.h): in the folder of the
 * first file-based hard disk, "[ds] dir/<name>.vmx"; NULL with one_error
 * if the domain has no file-based hard disk. */
char *one_domain_vmx_dspath (const struct one_domain *d);

/* DATA_VMX of 'd': <metadata><datavmx>, or (OpenNebula 4.0) the text of
 * <metadata> itself; NULL when none.  Literal "\n" kept. */
const char *one_domain_datavmx_raw (const struct one_domain *d);

/* "[ds] a/b" -> "/vmfs/volumes/ds/a/b"; NULL if not of that form. */
char *one_dspath_to_path (const char *dspath);

/* The folder holding OpenNebula's files for VM 'vid':
 * $ESXMAD_VMS_DIR/<vid> if set, else $ONE_LOCATION/var/vms/<vid>, else
 * /var/lib/one/vms/<vid>. */
char *one_vms_dir (const char *vid);
/* The newest deployment file of 'dir' by sequence number
 * (deployment.10 after deployment.9).  NULL with one_error if none. */
char *one_deployment_latest (const char *dir);

#endif
