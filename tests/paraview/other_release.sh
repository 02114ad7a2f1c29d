#!/usr/bin/env bash
# ParaView of the OTHER Debian release (bookworm 5.11 <-> trixie 5.13), in a chroot, so that the
# ParaView tests run against both in one pytest run.
#   bash tests/paraview/other_release.sh [SIMPLEITK_VERSION]
#
# - Builds (debootstrap, then ParaView's packages) and keeps a chroot in
#   ${SITKVTK_CHROOT_CACHE:-/var/cache/sitkvtk}/<codename>; reuses it while it works, rebuilds it
#   when it is missing or broken.
# - Installs SimpleITK (the same version as .venv's, or the one given) for that release's Python in
#   the chroot's /opt/sitkvtk/site, from wheels downloaded on this machine.
# - Writes wrappers in .pvother/bin of the clone (pvbatch, pvpython, paraview, mpiexec, xvfb-run):
#   each enters the chroot with the clone and /tmp mounted at the same paths, and the chroot's
#   /opt/sitkvtk/site as .pvsite's stand-in (tests/paraview/pvtools.py finds them there).
#   Every chroot command runs under `unshare --mount --pid --fork --kill-child`: its proc, sys and
#   dev mounts live in a private namespace and vanish with it, leaving nothing mounted behind.
# Without root, debootstrap or a Debian host, it says so and leaves only the machine's own ParaView;
# in CI (CI=true) that is an error: CI must test both releases.
set -euo pipefail

# --enter DIR COMMAND...: run COMMAND in the chroot DIR, in a private mount and pid namespace, with
# proc, sys and dev, and the clone and /tmp at their own paths, in the current folder.
# --private DIR COMMAND...: run COMMAND (debootstrap, which mounts in DIR) in such a namespace.
# The namespace's mounts are made private first, and checked (none still shared: none can reach
# the machine's own mount table). Its first process is a shell that waits for COMMAND (a program
# that is pid 1 gets no signal it has no handler for: xvfb-run never heard Xvfb say it was ready).
# When the command ends, or this process is killed, the namespace and its mounts go with it.
if [ "${1:-}" = "--enter" ] || [ "${1:-}" = "--private" ]; then
  how=$1
  shift
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  # --propagation unchanged, then make-rprivate by hand: unshare's own fails where / is not a
  # mount point (inside a chroot), where the mounts may be private already.
  exec unshare --mount --pid --fork --kill-child --propagation unchanged /bin/sh -euc '
    how=$1 dir=$2 root=$3 cwd=$4; shift 4
    mount --make-rprivate / 2>/dev/null || true
    if grep -q " shared:" /proc/self/mountinfo; then
      echo "other_release.sh: cannot make this namespace'"'"'s mounts private" >&2
      exit 1
    fi
    set +e
    if [ "$how" = "--private" ]; then "$@"; exit $?; fi
    set -e
    mount -t proc proc "$dir/proc"
    mount --rbind /sys "$dir/sys"
    mount --rbind /dev "$dir/dev"
    mount --bind /tmp "$dir/tmp"
    mkdir -p "$dir$root"
    mount --bind "$root" "$dir$root"
    set +e
    chroot "$dir" /bin/sh -c "cd \"\$0\" 2>/dev/null || cd /; \"\$@\"; exit \$?" "$cwd" "$@"
    exit $?
  ' sh "$how" "$1" "$here" "$PWD" "${@:2}"
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
wrappers="$root/.pvother"

say() { echo "other_release.sh: $*" >&2; }
give_up() {
  rm -rf "$wrappers"
  if [ "${CI:-}" = "true" ]; then
    say "ERROR: $* (CI must run the ParaView tests in both Debian releases)"
    exit 1
  fi
  say "$*: the ParaView tests run against this machine's ParaView only"
  exit 0
}

[ "${SITKVTK_OTHER_RELEASE:-1}" != "0" ] || give_up "SITKVTK_OTHER_RELEASE=0"
[ "$(id -u)" -eq 0 ] || give_up "not root (a chroot needs root)"
command -v unshare >/dev/null || give_up "no unshare (util-linux)"
host_release=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
case "$host_release" in
  bookworm) codename=trixie ;;
  trixie) codename=bookworm ;;
  *) give_up "host is '${host_release:-not Debian}', not Debian 12 or 13" ;;
esac
if ! command -v debootstrap >/dev/null; then
  if command -v apt-get >/dev/null; then
    say "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null \
      || give_up "could not install debootstrap"
  else
    give_up "no debootstrap"
  fi
fi

# The mirror this machine's apt uses (deb822 first, then one-line sources).
mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) {print $i; exit}}' \
  /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

cache="${SITKVTK_CHROOT_CACHE:-/var/cache/sitkvtk}"
target="$cache/$codename"
packages=(paraview python3-paraview openmpi-bin xvfb xauth libgl1-mesa-dri libegl1 libegl-mesa0)
sitk_version="${1:-$(.venv/bin/python -c 'import SimpleITK; print(SimpleITK.__version__)')}"
recipe="$codename ${packages[*]} SimpleITK==$sitk_version"

# Run a command inside a chroot: in_chroot DIR COMMAND...
in_chroot() { bash "$root/tests/paraview/other_release.sh" --enter "$@"; }

# Nothing may be mounted under a folder before it is deleted (a bind mount would take the clone
# or /dev with it).
remove_tree() {
  if findmnt -rn -o TARGET | grep -q "^$1\(/\|$\)"; then
    say "ERROR: something is mounted under $1; not deleting it"
    exit 1
  fi
  rm -rf --one-file-system "$1"
}

works() {
  [ -f "$target/.sitkvtk-recipe" ] && [ "$(cat "$target/.sitkvtk-recipe")" = "$recipe" ] || return 1
  [ "$(cat "$target/.sitkvtk-chroot" 2>/dev/null)" = "$codename" ] || return 1
  in_chroot "$target" env PYTHONPATH=/opt/sitkvtk/site \
    pvpython -c "import SimpleITK, paraview.simple; print('chroot works')" 2>/dev/null | grep -q "chroot works"
}

build() {
  local new="$target.new" started=$SECONDS
  remove_tree "$new"
  mkdir -p "$cache"
  say "building a $codename chroot in $target from $mirror (takes minutes)"
  # debootstrap mounts proc and sys in the chroot itself: a private namespace keeps them from
  # outliving it, even when it fails.
  bash "$root/tests/paraview/other_release.sh" --private "$(dirname "$new")" \
    debootstrap --variant=minbase "$codename" "$new" "$mirror" >"$cache/debootstrap-$codename.log" 2>&1 \
    || { tail -n 20 "$cache/debootstrap-$codename.log" >&2; say "debootstrap failed"; return 1; }
  # (set -e does not hold in a function called before ||: each step says when it failed.)
  in_chroot "$new" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || { say "apt-get update failed"; return 1; }
  in_chroot "$new" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >"$cache/apt-$codename.log" 2>&1 \
    || { tail -n 20 "$cache/apt-$codename.log" >&2; say "apt-get install failed"; return 1; }
  in_chroot "$new" apt-get clean || return 1
  # SimpleITK for that release's Python, from wheels downloaded here (the chroot has no CA bundle
  # or pip configuration of this machine's).
  local py
  py=$(in_chroot "$new" python3 -c "import sys; print('%d.%d' % sys.version_info[:2])") || return 1
  .venv/bin/python -m pip install -q --no-deps --only-binary=:all: --python-version "$py" \
    --target "$new/opt/sitkvtk/site" "SimpleITK==$sitk_version" || { say "SimpleITK for Python $py: pip failed"; return 1; }
  echo "$codename" >"$new/.sitkvtk-chroot"  # the wrappers' sign that they already run inside
  echo "$recipe" >"$new/.sitkvtk-recipe"
  remove_tree "$target" && mv "$new" "$target" || return 1
  say "built $target in $((SECONDS - started)) s"
}

started=$SECONDS
mkdir -p "$cache"
exec 9>"$cache/$codename.lock"
flock 9  # one build at a time; a second run waits for the first and then reuses its chroot
if ! works; then
  if [ -d "$target" ]; then say "$target is missing pieces or out of date: rebuilding"; fi
  build || give_up "could not build the $codename chroot"
  works || give_up "the $codename chroot was built but its pvpython cannot import SimpleITK and paraview"
else
  say "reusing the $codename chroot in $target"
fi

# The wrappers. Outside the chroot they enter it; inside (a wrapper handed to mpiexec or xvfb-run
# as a program) they run the chroot's own program.
rm -rf "$wrappers"
mkdir -p "$wrappers/bin"
for tool in pvbatch pvpython paraview mpiexec xvfb-run; do
  cat >"$wrappers/bin/$tool" <<EOF
#!/bin/sh
# Generated by tests/paraview/other_release.sh: $tool of Debian $codename's ParaView, in $target.
if [ "\$(cat /.sitkvtk-chroot 2>/dev/null)" = "$codename" ]; then exec /usr/bin/$tool "\$@"; fi
exec bash "$root/tests/paraview/other_release.sh" --enter "$target" /usr/bin/$tool "\$@"
EOF
  chmod +x "$wrappers/bin/$tool"
done
echo "/opt/sitkvtk/site" >"$wrappers/site"
echo "$codename" >"$wrappers/codename"
say "Debian $codename's ParaView ready in $((SECONDS - started)) s: wrappers in $wrappers/bin"
