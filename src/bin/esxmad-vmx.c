/* esxmad-vmx: an operator's tool for VMware .vmx files.
 *
 *   esxmad-vmx [--lenient] to-template FILE.vmx   OpenNebula template on stdout
 *   esxmad-vmx [--lenient] merge FILE.vmx         DATA_VMX lines from stdin
 *                                                  applied, the result on stdout
 *   esxmad-vmx [--lenient] check FILE.vmx         parse and read the facts
 */
#include <string.h>
#include <unistd.h>

#include "esxmad.h"

static const struct one_prog prog = {
  .name = "esxmad-vmx",
  .args = "[--lenient] to-template|merge|check FILE.vmx",
  .summary = "Read a VMware .vmx file: print it as an OpenNebula template "
    "(to-template), apply DATA_VMX lines read from stdin and print the "
    "result (merge), or only check it (check).",
  .min_args = 2,
  .max_args = 3,
};

int
main (int argc, char **argv)
{
  int i = one_prog_init (&prog, argc, argv);
  unsigned flags = 0;
  if (strcmp (argv[i], "--lenient") == 0) {
    flags |= ONE_VMX_LENIENT;
    i++;
  }
  if (argc - i != 2)
    return one_fail_msg (ONE_EXIT_USAGE, "usage: %s %s", prog.name, prog.args);
  const char *cmd = argv[i], *path = argv[i + 1];
  if (strcmp (cmd, "to-template") != 0 && strcmp (cmd, "merge") != 0
      && strcmp (cmd, "check") != 0)
    return one_fail_msg (ONE_EXIT_USAGE, "unknown command '%s'; usage: %s %s",
                         cmd, prog.name, prog.args);

  ONE_AUTO (one_vmx) *v = one_vmx_read_file (path, flags);
  if (!v)
    return one_fail (ONE_EXIT_FAIL);

  if (strcmp (cmd, "merge") == 0) {
    one_buf in = { 0 };
    char tmp[65536];
    ssize_t r;
    while ((r = read (0, tmp, sizeof tmp)) != 0) {
      if (r < 0) {
        one_buf_free (&in);
        one_error ("read stdin: %m");
        return one_fail (ONE_EXIT_FAIL);
      }
      if (in.len + (size_t) r > ONE_VMX_MAX_SIZE) {
        one_buf_free (&in);
        one_error ("read stdin: more than %u bytes", ONE_VMX_MAX_SIZE);
        return one_fail (ONE_EXIT_FAIL);
      }
      one_buf_append (&in, tmp, r);
    }
    if (memchr (in.data ? in.data : "", '\0', in.len)) {
      one_buf_free (&in);
      one_error ("DATA_VMX on stdin: NUL byte");
      return one_fail (ONE_EXIT_FAIL);
    }
    ONE_AUTOFREE char *data = one_buf_steal (&in);
    if (one_vmx_merge (v, data) < 0)
      return one_fail (ONE_EXIT_FAIL);
    ONE_AUTOFREE char *out = one_vmx_format (v);
    fputs (out, stdout);
    return fflush (stdout) == 0 ? ONE_EXIT_OK : ONE_EXIT_FAIL;
  }

  one_vmx_ctx ctx = { one_vmx_esx_file_name, (void *) path };
  ONE_AUTO (one_vmx_facts) *f = one_vmx_facts_read (v, &ctx);
  if (!f)
    return one_fail (ONE_EXIT_FAIL);
  if (strcmp (cmd, "to-template") == 0) {
    ONE_AUTOFREE char *t = one_vmx_template (f);
    fputs (t, stdout);
  }
  return fflush (stdout) == 0 ? ONE_EXIT_OK : ONE_EXIT_FAIL;
}
