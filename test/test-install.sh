#!/bin/bash
# make install / make uninstall: the OpenNebula tree (system-wide layout
# under DESTDIR, and the self-contained ONE_LOCATION layout), every
# installed program answers --help, uninstall leaves nothing behind, and an
# existing or edited vmwarerc survives.
set -eu
src=${ESXMAD_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
build=${ESXMAD_BUILD:-$src/build}
[ -d "$build" ] || { echo "SKIP: nothing built in '$build'"; exit 77; }
command -v sha256sum >/dev/null || { echo "SKIP: no sha256sum"; exit 77; }

d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail=0
die () { echo "FAIL: $*"; fail=1; }

# Run make like an operator would, on the already-built tree.
mk () { make -s --no-print-directory -C "$src" BUILD="$build" "$@"; }

progs_of () { # build subdir -> program names
  [ -d "$build/$1" ] || return 0
  for f in "$build/$1"/*; do
    [ -f "$f" ] && [ -x "$f" ] && basename "$f"
  done
  return 0
}

# check_tree ROOT REMOTES ETC BINDIR MANDIR
check_tree () {
  local root=$1 r=$2 e=$3 b=$4 m=$5 grp sub dst p n=0
  for grp in "remotes/vmm/vmware:$r/vmm/vmware" "remotes/im/vmware.d:$r/im/vmware.d" \
             "remotes/tm/vmware:$r/tm/vmware $r/tm/vmfs" \
             "remotes/datastore/vmware:$r/datastore/vmware $r/datastore/vmfs" \
             "remotes/vnm/vmware:$r/vnm/vmware" "bin:$b"; do
    sub=${grp%%:*}
    if [ -z "$(progs_of "$sub")" ]; then
      echo "note: nothing built in $sub yet"
      continue
    fi
    for dst in ${grp#*:}; do
      for p in $(progs_of "$sub"); do
        n=$((n + 1))
        if [ ! -x "$root$dst/$p" ]; then
          die "missing $root$dst/$p"
          continue
        fi
        if ! out=$("$root$dst/$p" --help 2>&1); then
          die "$dst/$p --help failed: $out"
        fi
      done
    done
  done
  echo "checked $n installed programs under $root"
  [ -f "$root$e/vmwarerc" ] || die "missing $e/vmwarerc"
  cmp -s "$src/etc/vmwarerc" "$root$e/vmwarerc" || die "$e/vmwarerc differs from etc/vmwarerc"
  [ -f "$root$e/vmm_exec/vmm_exec_vmware.conf" ] || die "missing $e/vmm_exec/vmm_exec_vmware.conf"
  grep -q '^OS = \[ ARCH = i686 \]' "$root$e/vmm_exec/vmm_exec_vmware.conf" \
    || die "vmm_exec_vmware.conf lacks the OS default"
  for p in "$build"/man/*.1; do
    [ -f "$p" ] || continue
    p=$(basename "$p" .1)
    case "$p" in
      esxmad-vmwarerc) [ -f "$root$m/man5/$p.5" ] || die "missing man5/$p.5" ;;
      *) [ -f "$root$m/man1/$p.1" ] || die "missing man1/$p.1" ;;
    esac
  done
  [ -f "$root$r/.esxmad-manifest" ] || die "no manifest"
}

# 1. System-wide layout under DESTDIR.
root=$d/root
mkdir "$root"
mk install DESTDIR="$root" >"$d/install.log"
cat "$d/install.log"
check_tree "$root" /var/lib/one/remotes /etc/one /usr/bin /usr/share/man
# Installing twice is harmless and writes no .esxmad-new.
mk install DESTDIR="$root" >/dev/null
[ ! -e "$root/etc/one/vmwarerc.esxmad-new" ] || die "second install wrote vmwarerc.esxmad-new"
mk uninstall DESTDIR="$root"
left=$(cd "$root" && find . -mindepth 1 | head -20)
[ -z "$left" ] || die "uninstall left: $left"

# 2. An operator's vmwarerc survives install and uninstall.
root=$d/keep
mkdir -p "$root/etc/one"
printf ':username: "root"\n:password_file: "/etc/one/pw"\n' > "$root/etc/one/vmwarerc"
cp "$root/etc/one/vmwarerc" "$d/orig"
mk install DESTDIR="$root" >"$d/install.log"
grep -q 'vmwarerc.esxmad-new' "$d/install.log" || die "install did not say where the new sample went"
cmp -s "$d/orig" "$root/etc/one/vmwarerc" || die "install overwrote an existing vmwarerc"
cmp -s "$src/etc/vmwarerc" "$root/etc/one/vmwarerc.esxmad-new" || die "no vmwarerc.esxmad-new"
mk uninstall DESTDIR="$root" >/dev/null
cmp -s "$d/orig" "$root/etc/one/vmwarerc" || die "uninstall removed the operator's vmwarerc"
left=$(cd "$root" && find . -mindepth 1 -type f)
[ "$left" = "./etc/one/vmwarerc" ] || die "after uninstall expected only etc/one/vmwarerc, found: $left"

# 3. A vmwarerc edited after install is kept by uninstall.
root=$d/edit
mkdir "$root"
mk install DESTDIR="$root" >/dev/null
echo ':timeout: 30' >> "$root/etc/one/vmwarerc"
mk uninstall DESTDIR="$root" >"$d/uninstall.log"
grep -q "keeping" "$d/uninstall.log" || die "uninstall did not say it kept the edited vmwarerc"
left=$(cd "$root" && find . -mindepth 1 -type f)
[ "$left" = "./etc/one/vmwarerc" ] || die "edited vmwarerc: expected only it left, found: $left"

# 4. Self-contained layout: ONE_LOCATION, no DESTDIR.
loc=$d/one
mkdir "$loc"
mk install ONE_LOCATION="$loc" >/dev/null
check_tree "" "$loc/var/remotes" "$loc/etc" "$loc/bin" "$loc/share/man"
mk uninstall ONE_LOCATION="$loc" >/dev/null
left=$(cd "$loc" && find . -mindepth 1 | head -20)
[ -z "$left" ] || die "uninstall (ONE_LOCATION) left: $left"

# 5. Every group, with stand-in programs (so that tm/vmfs, datastore/vmfs
# and the other groups are checked even before their programs exist);
# files of other drivers in the tree are left alone.
fb=$d/fakebuild
for sub in remotes/vmm/vmware remotes/im/vmware.d remotes/tm/vmware \
           remotes/datastore/vmware remotes/vnm/vmware bin man; do
  mkdir -p "$fb/$sub"
done
for p in remotes/vmm/vmware/deploy remotes/vmm/vmware/poll remotes/im/vmware.d/vmware.rb \
         remotes/tm/vmware/clone remotes/tm/vmware/delete remotes/datastore/vmware/cp \
         remotes/vnm/vmware/pre bin/esxmad-check; do
  printf '#!/bin/sh\n[ "$1" = --help ] && echo usage && exit 0\nexit 1\n' > "$fb/$p"
  chmod +x "$fb/$p"
done
echo '.TH X 1' > "$fb/man/esxmad-check.1"
echo '.TH X 5' > "$fb/man/esxmad-vmwarerc.1"
root=$d/fake
mkdir -p "$root/var/lib/one/remotes/vmm/kvm"
echo kvm > "$root/var/lib/one/remotes/vmm/kvm/deploy"
it () { "$src/scripts/install-tree" --destdir "$root" --remotes /var/lib/one/remotes \
          --etc /etc/one --bindir /usr/bin --mandir /usr/share/man "$@"; }
it --build "$fb" >/dev/null
for f in vmm/vmware/deploy vmm/vmware/poll im/vmware.d/vmware.rb tm/vmware/clone tm/vmfs/clone \
         tm/vmware/delete tm/vmfs/delete datastore/vmware/cp datastore/vmfs/cp vnm/vmware/pre; do
  [ -x "$root/var/lib/one/remotes/$f" ] || die "fake tree: missing remotes/$f"
  "$root/var/lib/one/remotes/$f" --help >/dev/null || die "fake tree: $f --help"
done
[ -x "$root/usr/bin/esxmad-check" ] || die "fake tree: missing usr/bin/esxmad-check"
[ -f "$root/usr/share/man/man1/esxmad-check.1" ] || die "fake tree: missing man1/esxmad-check.1"
[ -f "$root/usr/share/man/man5/esxmad-vmwarerc.5" ] || die "fake tree: missing man5/esxmad-vmwarerc.5"
it --uninstall >/dev/null
left=$(cd "$root" && find . -mindepth 1 | sort | tr '\n' ' ')
[ "$left" = "./var ./var/lib ./var/lib/one ./var/lib/one/remotes ./var/lib/one/remotes/vmm ./var/lib/one/remotes/vmm/kvm ./var/lib/one/remotes/vmm/kvm/deploy " ] \
  || die "fake tree: uninstall left or removed the wrong things: $left"

# 6. Uninstall with nothing installed is an error, not a silent success.
if mk uninstall DESTDIR="$d/none" >/dev/null 2>&1; then
  die "uninstall without a manifest succeeded"
fi

[ $fail = 0 ] && echo "install tree ok"
exit $fail
