#!/usr/bin/env bash
# The package's tests (not ParaView's) at both ends of the versions sitkvtk supports, each in its
# own virtual environment in the clone:
#   .venv-oldest  Python 3.10 and the lowest numpy, VTK, SimpleITK, isal and tqdm that install from
#                 wheels there: exactly the lower bounds in pyproject.toml;
#   .venv-newest  Python 3.13 and the newest numpy 2.x, VTK, SimpleITK, isal and tqdm verified here.
#   bash tests/versions.sh [pytest arguments]
# Test-only packages come at whatever versions fit each end. A venv is kept while its Python and
# its pins are unchanged (stamps in it); a changed pyproject.toml reinstalls sitkvtk into it.
# The interpreters come from pyenv or PATH; one that is missing is an error in CI (CI=true), else
# that end is left out with a message. SITKVTK_VERSIONS=0 leaves both out; =oldest or =newest runs one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { echo "versions.sh: $*" >&2; }
[ "${SITKVTK_VERSIONS:-1}" != "0" ] || { say "SITKVTK_VERSIONS=0: oldest and newest versions not tested"; exit 0; }

# One end: its name, its Python (major.minor), its pins, and the test packages it cannot have.
# Bump the newest pins to what PyPI has after checking that the tests pass with it.
ends=(oldest newest)
case "${SITKVTK_VERSIONS:-}" in oldest | newest) ends=("$SITKVTK_VERSIONS") ;; esac
declare -A python_of pins_of without_of
python_of[oldest]=3.10
pins_of[oldest]="numpy==1.21.2 vtk==9.2.2 SimpleITK==2.3.0 isal==1.6.0 tqdm==4.60.0"
without_of[oldest]="pyvista"  # PyVista 0.49 needs VTK >= 9.3.1
python_of[newest]=3.13
pins_of[newest]="numpy==2.5.5 vtk==9.7.2 SimpleITK==2.5.7 isal==1.9.1 tqdm==4.70.1"
without_of[newest]=""

# The newest interpreter of a Python minor version: pyenv's, else one on PATH that runs (a pyenv
# shim on PATH fails when that version is not selected).
find_python() {
  local version=$1 candidate pyenv_root
  pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for candidate in $(ls -d "$pyenv_root/versions/$version".* 2>/dev/null | sort -V -r); do
    [ -x "$candidate/bin/python$version" ] && { echo "$candidate/bin/python$version"; return; }
  done
  candidate=$(command -v "python$version" 2>/dev/null) || return 1
  "$candidate" -c "import ensurepip, venv" >/dev/null 2>&1 && echo "$candidate"  # Debian: python3.X-venv
}

# Make (or keep) the venv of one end, and install sitkvtk with its test packages into it. pip's
# output goes to the venv's pip.log, shown when pip fails.
prepare() {
  local end=$1 python=$2 venv="$root/.venv-$1" made installed constraints log
  made="$("$python" -c 'import sys; print(sys.version)' | head -n 1) | ${pins_of[$end]} | without ${without_of[$end]}"
  installed="$made | pyproject.toml $(sha256sum pyproject.toml | cut -c1-16)"
  if [ "$(cat "$venv/.sitkvtk-made" 2>/dev/null)" != "$made" ]; then
    say "$end: making $venv (Python $("$python" -c 'import platform; print(platform.python_version())'); ${pins_of[$end]})"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    echo "$made" >"$venv/.sitkvtk-made"
  elif [ "$(cat "$venv/.sitkvtk-installed" 2>/dev/null)" = "$installed" ]; then
    say "$end: reusing $venv"
    return
  else
    say "$end: reusing $venv; pyproject.toml changed: installing sitkvtk again"
  fi
  # pyproject.toml changed (or a new venv): sitkvtk and the test packages again; pip keeps what fits.
  constraints="$venv/constraints.txt"
  log="$venv/pip.log"
  tr ' ' '\n' <<<"${pins_of[$end]}" >"$constraints"
  pip_in() { "$venv/bin/python" -m pip "$@" >>"$log" 2>&1 || { tail -n 30 "$log" >&2; say "ERROR: pip $* failed in $venv"; return 1; }; }
  pip_in install -q --upgrade pip
  pip_in install -q --only-binary=:all: -c "$constraints" -e .
  # The test extra as the installed metadata lists it, less what this end cannot have.
  local tests
  tests=$("$venv/bin/python" - ${without_of[$end]} <<'EOF'
import re
import sys
from importlib.metadata import requires

for requirement in requires("sitkvtk"):
    spec, _, marker = requirement.partition(";")
    name = re.match(r"[A-Za-z0-9._-]+", spec).group(0)
    if re.search(r"""extra\s*==\s*['"]test['"]""", marker) and name.lower() not in map(str.lower, sys.argv[1:]):
        print(spec.replace(" ", ""))
EOF
)
  # shellcheck disable=SC2086  # one requirement per word
  pip_in install -q --prefer-binary -c "$constraints" $tests
  echo "$installed" >"$venv/.sitkvtk-installed"
}

# A pytest run of the package tests in one end's venv; prints what it ran with.
run_end() {
  local end=$1 venv="$root/.venv-$1" status=0
  shift
  "$venv/bin/python" - <<'EOF' >&2
import platform

import numpy
import SimpleITK
from vtkmodules.vtkCommonCore import vtkVersion

print(f"versions.sh: testing with Python {platform.python_version()}, numpy {numpy.__version__}, "
      f"VTK {vtkVersion.GetVTKVersion()}, SimpleITK {SimpleITK.Version.VersionString()}")
EOF
  # VTK's wheels before 9.4 render through X only (no EGL): a virtual X screen for them.
  local display=()
  if [ -z "${DISPLAY:-}" ] && ! "$venv/bin/python" -c "from vtkmodules.vtkRenderingOpenGL2 import vtkEGLRenderWindow" 2>/dev/null; then
    command -v xvfb-run >/dev/null || { say "ERROR: the $end end's VTK renders through X only: install xvfb"; return 1; }
    display=(xvfb-run -a -s "-noreset")
  fi
  # Left out: the fuzz modules (a minute per end; they probe bad input more than versions).
  "${display[@]}" "$venv/bin/python" -m pytest -p no:cacheprovider -m "not paraview and not mpi" --ignore=tests/paraview \
    --ignore=tests/test_fuzz.py --ignore=tests/test_fuzz_dicom.py \
    "$@" || status=$?
  # 5: nothing collected (the arguments picked ParaView tests only).
  [ "$status" -ne 5 ] || status=0
  return "$status"
}

started=$SECONDS
failed=()
summary=()
for end in "${ends[@]}"; do
  version=${python_of[$end]}
  if ! python=$(find_python "$version"); then
    if [ "${CI:-}" = "true" ]; then
      say "ERROR: no Python $version for the $end end: install it (pyenv install $version, or Debian's python$version with python$version-venv)"
      exit 1
    fi
    say "no Python $version (pyenv install $version): the $end end is not tested"
    summary+=("$end: not tested (no Python $version)")
    continue
  fi
  end_started=$SECONDS
  prepare "$end" "$python"
  if run_end "$end" "$@"; then
    summary+=("$end: passed ($((SECONDS - end_started)) s)")
  else
    summary+=("$end: FAILED ($((SECONDS - end_started)) s)")
    failed+=("$end")
  fi
done
for line in "${summary[@]}"; do say "$line"; done
say "${ends[*]} in $((SECONDS - started)) s"
[ ${#failed[@]} -eq 0 ] || { say "ERROR: the package tests failed at these ends: ${failed[*]}"; exit 1; }
