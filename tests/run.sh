#!/usr/bin/env bash
# Install what the tests need, then run them all.
#   bash tests/run.sh [pytest arguments]
# - a virtual environment in .venv with sitkvtk and its test dependencies;
# - ParaView, Xvfb and MPI from Debian's packages (when missing and apt-get is usable);
# - SimpleITK for ParaView's own Python, in .pvsite (ParaView does not use .venv).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
apt_install() {
  command -v apt-get >/dev/null || { echo "run.sh: no apt-get; install $* yourself" >&2; return 0; }
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# ParaView (pvbatch, pvpython, GUI, MPI), a virtual X screen, and EGL for VTK's wheel.
missing=()
if command -v dpkg >/dev/null; then
  for package in paraview python3-paraview openmpi-bin xvfb xauth libegl1 libegl-mesa0 libgl1-mesa-dri; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
fi
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

# SimpleITK for ParaView's Python: same version as the venv's, no dependencies
# (ParaView brings its own numpy).
if command -v pvpython >/dev/null; then
  version=$(.venv/bin/python -c "import SimpleITK; print(SimpleITK.__version__)")
  pv_python_version=$(pvpython -c "import sys; print('%d.%d' % sys.version_info[:2])" 2>/dev/null | tail -n 1)
  if [ ! -f ".pvsite/SimpleITK-$version.stamp" ]; then
    rm -rf .pvsite
    .venv/bin/python -m pip install -q --no-deps --only-binary=:all: \
      --python-version "$pv_python_version" --target .pvsite "SimpleITK==$version"
    touch ".pvsite/SimpleITK-$version.stamp"
  fi
  # isal: ISA-L inflate for .nii.gz (sitkvtk falls back to zlib without it).
  if [ ! -d .pvsite/isal ]; then
    .venv/bin/python -m pip install -q --no-deps --only-binary=:all: \
      --python-version "$pv_python_version" --target .pvsite isal
  fi
fi

# The other Debian release's ParaView (bookworm 5.11 <-> trixie 5.13), in a chroot kept in
# /var/cache/sitkvtk: the ParaView tests run against it and this machine's in one pytest run.
# It needs root and debootstrap; without them it says so (and fails in CI). SITKVTK_OTHER_RELEASE=0
# leaves it out.
bash tests/paraview/other_release.sh

# The package tests at the oldest and newest versions sitkvtk supports, in .venv-oldest and .venv-newest (SITKVTK_VERSIONS=0 leaves them out).
bash tests/versions.sh "$@"

exec .venv/bin/python -m pytest "$@"
