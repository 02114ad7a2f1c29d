#!/usr/bin/env bash
# The main job on the embedded sample: install sitkvtk in .venv, read the oblique
# phantom, render three orthogonal slices off screen, and say where the picture went.
#   bash examples/demo.sh [output.png]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
output="${1:-$root/sitkvtk-demo.png}"

# VTK's wheel renders off screen through EGL: it needs libEGL and Mesa's drivers.
missing=()
if command -v dpkg >/dev/null; then
  for package in libegl1 libegl-mesa0 libgl1-mesa-dri; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
fi
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
.venv/bin/sitkvtk info
.venv/bin/sitkvtk render -o "$output"
echo "The picture is in $output"
