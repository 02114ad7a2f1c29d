"""The plugin file ships inside the package: a wheel built from the repo holds it, and pvbatch
loads it from an installed (not editable) copy, with SimpleITK and nothing of the checkout.
The checkout's ``plugin/SimpleITKPlugin.py`` (which runs the packaged code) is what every other
ParaView test loads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from pvtools import ROOT, pv_env, tool
from synthetic import ORIGIN_3D, SPACING_3D, corners, oblique_image, rotation_3d

HERE = Path(__file__).resolve().parent
PACKAGED = "sitkvtk/paraview/SimpleITKPlugin.py"


def _wheel(tmp_path: Path) -> Path:
    """A wheel of the repo's package, built from a copy (the shared checkout stays untouched)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "plugin" / "sitkvtk", source / "plugin" / "sitkvtk",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    built = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(built), str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = built.glob("sitkvtk-*.whl")
    return wheel


@pytest.mark.paraview
def test_a_wheel_holds_the_plugin_and_pvbatch_loads_it_from_an_installed_copy(tmp_path):
    wheel = _wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(PACKAGED) == (ROOT / "plugin" / PACKAGED).read_bytes()
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    plugin = site / PACKAGED
    assert plugin.is_file() and not plugin.is_symlink()

    # ParaView's Python gets the installed copy, SimpleITK, and (5.11) the wheel's own getargspec
    # fix as its sitecustomize; not the checkout's plugin/ folder.
    fix = tmp_path / "fix"
    fix.mkdir()
    shutil.copy(site / "sitkvtk" / "paraview" / "getargspec_fix.py", fix / "sitecustomize.py")
    env = pv_env()
    simpleitk = env["PYTHONPATH"].split(os.pathsep)[-1]  # the set-up's folder with SimpleITK for ParaView
    env["PYTHONPATH"] = os.pathsep.join([str(fix), str(site), simpleitk])
    image = oblique_image(np.float32, size=(6, 5, 4))
    path = str(tmp_path / "oblique.nii.gz")
    sitk.WriteImage(image, path)
    result = subprocess.run([tool("pvbatch"), str(HERE / "pv_installed.py"), str(plugin), path], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=180)
    line = next((x for x in result.stdout.splitlines() if x.startswith("pv_installed ")), None)
    assert line is not None, result.stdout + result.stderr
    seen = json.loads(line.split(" ", 1)[1])
    assert seen["reader"] == "SimpleITKReader"
    assert seen["sitkvtk"].startswith(str(site))
    # origin + direction @ (spacing * index), from the values the image was made with
    world = np.array([np.add(ORIGIN_3D, rotation_3d() @ (np.multiply(SPACING_3D, c))) for c in corners((6, 5, 4))])
    assert np.allclose(seen["bounds"], np.ravel(np.column_stack([world.min(0), world.max(0)])), atol=1e-4)
