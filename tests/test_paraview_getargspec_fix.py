"""The getargspec fix for ParaView 5.11 on Python >= 3.11, run in child Pythons against a stand-in
for ParaView's ``paraview/detail/pythonalgorithm.py`` (which imports ``inspect.getargspec``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "plugin" / "sitkvtk" / "paraview" / "getargspec_fix.py"
IMPORT = (
    "import paraview.detail.pythonalgorithm as a, sys; "
    "print('spec', a.spec(lambda x, y=2: 0)); print('fix', [m for m in sys.modules if 'getargspec' in m])"
)


@pytest.fixture
def paraview_511(tmp_path) -> Path:
    package = tmp_path / "pv" / "paraview" / "detail"
    package.mkdir(parents=True)
    for folder in (package.parent, package):
        (folder / "__init__.py").write_text("")
    (package / "pythonalgorithm.py").write_text("from inspect import getargspec\n\ndef spec(f):\n"
                                                "    return tuple(getargspec(f))\n")
    return tmp_path / "pv"


def _python(pythonpath: list, code: str = IMPORT, site: bool = True) -> subprocess.CompletedProcess:
    """A child Python; without ``site``, no start-up file runs (not even this venv's own, whose
    editable install puts ``plugin/`` and its sitecustomize on the path)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, pythonpath))}
    flags = [] if site else ["-S"]
    return subprocess.run([sys.executable, *flags, "-c", code], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Python < 3.11 still has inspect.getargspec")
def test_without_the_fix_paraview_511_cannot_import_its_plugin_module(paraview_511):
    assert "cannot import name 'getargspec'" in _python([paraview_511], site=False).stderr


def test_the_checkout_s_sitecustomize_runs_the_packaged_fix(paraview_511, tmp_path):
    shadowed = tmp_path / "system"
    shadowed.mkdir()
    (shadowed / "sitecustomize.py").write_text("print('the shadowed sitecustomize ran')\n")
    result = _python([ROOT / "plugin", shadowed, paraview_511])
    assert result.returncode == 0, result.stderr
    assert "spec (['x', 'y'], None, None, (2,))" in result.stdout
    assert "fix ['sitkvtk_getargspec']" in result.stdout  # the file, not the sitkvtk package
    assert "the shadowed sitecustomize ran" in result.stdout


def test_two_copies_of_the_checkout_s_sitecustomize_on_the_path(paraview_511, tmp_path):
    """An exported copy of the tree beside the checkout: each copy runs only what lies after
    it on the path (each used to find the other again, until RecursionError)."""
    copy = tmp_path / "copy"
    (copy / "sitkvtk" / "paraview").mkdir(parents=True)
    (copy / "sitecustomize.py").write_bytes((ROOT / "plugin" / "sitecustomize.py").read_bytes())
    (copy / "sitkvtk" / "paraview" / "getargspec_fix.py").write_bytes(FIX.read_bytes())
    shadowed = tmp_path / "system"
    shadowed.mkdir()
    (shadowed / "sitecustomize.py").write_text("print('the shadowed sitecustomize ran')\n")
    result = _python([ROOT / "plugin", copy, shadowed, paraview_511])
    assert result.returncode == 0, result.stderr
    assert "RecursionError" not in result.stderr
    assert "spec (['x', 'y'], None, None, (2,))" in result.stdout
    assert result.stdout.count("the shadowed sitecustomize ran") == 1


def test_the_installed_copy_works_from_a_pth_import_line(paraview_511, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitkvtk_getargspec.py").write_bytes(FIX.read_bytes())
    code = f"import site; site.addsitedir({str(site)!r}); " + IMPORT
    (site / "sitkvtk-paraview.pth").write_text(f"{site}\nimport sitkvtk_getargspec\n")
    result = _python([paraview_511], code, site=False)
    assert result.returncode == 0, result.stderr
    assert "spec (['x', 'y'], None, None, (2,))" in result.stdout
    # importing the fix does not import inspect: programs that never load ParaView pay nothing
    quiet = _python([], f"import site, sys; site.addsitedir({str(site)!r}); print('inspect' in sys.modules)",
                    site=False)
    assert quiet.stdout.strip() == "False"
