"""``sitkvtk paraview install / status / uninstall`` against this machine's ParaView, in a
temporary HOME: after install, pvbatch and the GUI open an oblique .nii.gz with nothing set in
the environment; uninstall takes away exactly what install added."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nibabel
import numpy as np
import pytest
import SimpleITK as sitk

from pvtools import ROOT, tool
from synthetic import oblique_image

HERE = Path(__file__).resolve().parent
SIZE = (7, 6, 5)

pytestmark = pytest.mark.paraview


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """A still copy of the package to install from, as pip would have put it (the checkout may
    change under a running test)."""
    where = tmp_path_factory.mktemp("installed")
    shutil.copytree(ROOT / "plugin" / "sitkvtk", where / "sitkvtk", ignore=shutil.ignore_patterns("__pycache__"))
    return where


def _sitkvtk(home: Path, package: Path, *args: str) -> subprocess.CompletedProcess:
    """``sitkvtk paraview ARGS`` as a user whose HOME is ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_") and k != "PYTHONPATH"}
    env["HOME"] = str(home)
    env["PYTHONPATH"] = str(package)
    command = [sys.executable, "-m", "sitkvtk.cli", "paraview", *args, "--pvpython", tool("pvpython")]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A fresh login's environment: no PYTHONPATH, no PV_PLUGIN_PATH, nothing of the test venv."""
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "LANG": "C.UTF-8", **extra}
    if os.geteuid() == 0:  # OpenMPI refuses root otherwise
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def _tree(home: Path) -> dict[str, bytes | None]:
    """Every folder (None) and file (its bytes) where install may write: ``~/.local`` (the data
    folder and the user site) and ``~/.config`` (the GUI's settings). Elsewhere only other
    programs write (pip's cache, Mesa's shader cache)."""
    found = {}
    for top in (".local", ".config"):
        if (home / top).is_dir():
            found[top] = None
            found.update(_walk(home, home / top))
    return found


def _walk(home: Path, where: Path) -> dict[str, bytes | None]:
    found = {}
    for folder, dirs, files in os.walk(where):
        for name in dirs:
            found[os.path.relpath(os.path.join(folder, name), home)] = None
        for name in files:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, home)] = Path(path).read_bytes()
    return found


def _oblique_nii_gz(folder: Path) -> tuple[str, np.ndarray, float]:
    """An oblique int16 .nii.gz whose voxels are their index; its world bounds from nibabel
    (the file's affine, RAS, turned to ITK's LPS), and its largest value."""
    folder.mkdir()
    path = str(folder / "oblique.nii.gz")
    image = oblique_image(np.int16, size=SIZE)
    sitk.WriteImage(image, path)
    affine = nibabel.load(path).affine
    corners = np.array([affine @ [i, j, k, 1] for i, j, k in itertools.product(*[(0, n - 1) for n in SIZE])])
    lps = corners[:, :3] * [-1, -1, 1]
    bounds = np.ravel(np.column_stack([lps.min(axis=0), lps.max(axis=0)]))
    return path, bounds, float(sitk.GetArrayViewFromImage(image).max())


def _report(result: subprocess.CompletedProcess, marker: str) -> dict:
    for line in (result.stdout + result.stderr).splitlines():
        if line.startswith(marker + " "):
            return json.loads(line.split(" ", 1)[1])
    raise AssertionError(f"no {marker} line:\n{result.stdout}\n{result.stderr}")


def test_after_install_pvbatch_and_the_gui_open_a_nii_gz_and_uninstall_takes_it_all_away(tmp_path, package):
    home = tmp_path / "home"
    home.mkdir()
    image, bounds, largest = _oblique_nii_gz(tmp_path / "data")
    before = _tree(home)

    installed = _sitkvtk(home, package, "install")
    assert installed.returncode == 0, installed.stderr
    plugin = _sitkvtk(home, package, "path").stdout.strip()
    assert plugin.startswith(str(home)) and plugin.endswith("SimpleITKPlugin.py")
    assert f'LoadPlugin("{plugin}", ns=globals())' in installed.stdout

    # pvbatch: one line, LoadPlugin(the printed path); SimpleITK and sitkvtk come from the install.
    batch = subprocess.run([tool("pvbatch"), str(HERE / "pv_installed.py"), plugin, image], env=_clean_env(home),
                           cwd=tmp_path, capture_output=True, text=True, timeout=180)
    seen = _report(batch, "pv_installed")
    assert seen["reader"] == "SimpleITKReader"
    assert np.allclose(seen["bounds"], bounds, atol=1e-4), (seen["bounds"], bounds)
    assert seen["points"] == np.prod(SIZE) and seen["range"] == [0.0, largest]
    assert seen["sitkvtk"].startswith(str(home))  # the install's copy, not the one installed from
    assert seen["isal"] is not None and seen["isal"].startswith(str(home))  # ISA-L for ParaView's Python too

    # pvpython with no line at all: the install's start-up file made ParaView load the plugin.
    bare = subprocess.run([tool("pvpython"), str(HERE / "pv_installed.py"), "-", image], env=_clean_env(home),
                          cwd=tmp_path, capture_output=True, text=True, timeout=180)
    seen = _report(bare, "pv_installed")
    assert seen["reader"] == "SimpleITKReader" and np.allclose(seen["bounds"], bounds, atol=1e-4)

    # The GUI: the script loads nothing; the plugin must have been auto-loaded.
    gui = subprocess.run(
        [tool("xvfb-run"), "-a", "-s", "-noreset", tool("paraview"), f"--script={HERE / 'pv_gui_autoload.py'}",
         "--exit"],
        env=_clean_env(home, SITKVTK_GUI_FILE=image), cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )
    shown = _report(gui, "pv_gui_autoload")
    assert shown["reader"] == "SimpleITKReader"
    assert np.allclose(shown["bounds"], bounds, atol=1e-4)

    removed = _sitkvtk(home, package, "uninstall")
    assert removed.returncode == 0, removed.stderr
    after = _tree(home)
    assert not set(before) - set(after)
    # What is new is only what the GUI itself saved (its settings), with no trace of the plugin.
    for path in set(after) - set(before):
        assert path.split(os.sep)[:2] in ([".config"], [".config", "ParaView"]), f"{path} left behind"
        assert after[path] is None or b"SimpleITK" not in after[path] and b"sitkvtk" not in after[path], path


def test_install_twice_changes_nothing_and_uninstall_restores_a_lived_in_home_byte_for_byte(tmp_path, package):
    home = tmp_path / "home"
    home.mkdir()
    missing = _sitkvtk(home, package, "status")
    assert missing.returncode == 1 and "missing" in missing.stdout
    version, python = missing.stdout.split()[1].rstrip(","), missing.stdout.split()[3].split()[0]
    # What a user's HOME already holds: the GUI's settings with another plugin, another .pth.
    gui = re.search(r"GUI auto-load \((/[^)]*)\)", missing.stdout).group(1)
    settings = home / ".config" / "ParaView" / f"ParaView{version}.ini"
    settings.parent.mkdir(parents=True)
    key = "Local%3A" + gui.replace("/", "\\")
    settings.write_text(
        "[General]\nautoUpdateColorMapEditor2=true\n\n[PluginsList]\n"
        + key + '="<?xml version=\\"1.0\\" ?>\\n<Plugins>\\n  <Plugin name=\\"Other\\" filename=\\"/opt/o.so\\"'
        ' auto_load=\\"1\\" />\\n</Plugins>\\n"\n\n[pqMultiBlockInspectorWidget]\nShowHints=true\n'
    )
    site = home / ".local" / "lib" / f"python{python}" / "site-packages"
    site.mkdir(parents=True)
    (site / "other.pth").write_text("/nowhere\n")
    before = _tree(home)

    first = _sitkvtk(home, package, "install")
    assert first.returncode == 0, first.stderr
    once = _tree(home)
    ini = once[os.path.relpath(settings, home)].decode()
    assert 'name=\\"Other\\"' in ini and 'name=\\"SimpleITKPlugin\\"' in ini and "ShowHints=true" in ini
    assert once[os.path.relpath(site / "other.pth", home)] == b"/nowhere\n"

    again = _sitkvtk(home, package, "install")
    assert again.returncode == 0, again.stderr
    assert _tree(home) == once
    for step in ("SimpleITK", "sitkvtk", "start-up file", "GUI"):
        assert any(line.startswith(step) and ("in place" in line or "already" in line)
                   for line in again.stdout.splitlines()), (step, again.stdout)

    ready = _sitkvtk(home, package, "status")
    assert ready.returncode == 0 and "missing" not in ready.stdout, ready.stdout

    assert _sitkvtk(home, package, "uninstall").returncode == 0
    assert _tree(home) == before
    assert _sitkvtk(home, package, "status").returncode == 1
