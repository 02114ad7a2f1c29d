"""What ParaView's Python runs at start-up after ``sitkvtk paraview install``: the lines of
the ``.pth`` file and the small files beside the installed packages that they import.

- the install folder itself, on ``sys.path`` (SimpleITK and the sitkvtk copy);
- ``sitkvtk_getargspec`` (``getargspec_fix.py``), only for a ParaView that needs it;
- ``sitkvtk_autoload`` (``autoload.py``) and ``autoload/SimpleITKPlugin.py``: pvpython and
  pvbatch load the plugin with no ``LoadPlugin`` line.
"""

from __future__ import annotations

import os

PTH_NAME = "sitkvtk-paraview.pth"
FIX_MODULE = "sitkvtk_getargspec"
AUTOLOAD_MODULE = "sitkvtk_autoload"
_HERE = os.path.dirname(os.path.abspath(__file__))

# ParaView names a plugin's module after its file, so the folder holds this one file only.
_AUTOLOAD_PLUGIN = '''"""Runs the installed SimpleITK plugin (../sitkvtk/paraview/SimpleITKPlugin.py) in this module."""

import os

__file__ = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sitkvtk", "paraview",
                        "SimpleITKPlugin.py")
with open(__file__, encoding="utf-8") as _source:
    exec(compile(_source.read(), __file__, "exec"))
'''


def _source(name: str) -> str:
    with open(os.path.join(_HERE, name), encoding="utf-8") as f:
        return f.read()


def startup_files(target: str, needs_getargspec_fix: bool) -> tuple[dict[str, str], str]:
    """({path in ``target``: text}, the ``.pth`` text) for an install in ``target``."""
    files = {
        os.path.join(target, f"{AUTOLOAD_MODULE}.py"): _source("autoload.py"),
        os.path.join(target, "autoload", "SimpleITKPlugin.py"): _AUTOLOAD_PLUGIN,
    }
    lines = [target, f"import {AUTOLOAD_MODULE}"]
    if needs_getargspec_fix:
        files[os.path.join(target, f"{FIX_MODULE}.py")] = _source("getargspec_fix.py")
        lines.insert(1, f"import {FIX_MODULE}")
    return files, "\n".join(lines) + "\n"
