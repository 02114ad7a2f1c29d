"""Lets pvpython, pvbatch and pvserver load the SimpleITK plugin by themselves, with no
``LoadPlugin`` line: ParaView loads every plugin in ``PV_PLUGIN_PATH`` when it starts its
session, which is after Python has started.

``sitkvtk paraview install`` copies this file, as the top-level module ``sitkvtk_autoload``,
beside the ``autoload`` folder it makes (which holds only a ``SimpleITKPlugin.py`` that runs
the installed plugin), and its ``.pth`` imports it at start-up. Only ParaView's own programs
get the variable: the GUI auto-loads from its settings instead, and other Pythons that read
the same ``.pth`` (Debian's python3) are left alone.
"""

from __future__ import annotations

import os

_PROGRAMS = ("pvpython", "pvbatch", "pvserver", "pvdataserver")


def _in_paraview_program() -> bool:
    try:
        # Debian's are named pvpython3.11, pvbatch3.11, ...
        return os.path.basename(os.readlink("/proc/self/exe")).startswith(_PROGRAMS)
    except OSError:  # no /proc (macOS): the variable is harmless elsewhere
        return True


# SITKVTK_PARAVIEW_AUTOLOAD=0 turns it off (``sitkvtk paraview`` asks pvpython with it off).
if os.environ.get("SITKVTK_PARAVIEW_AUTOLOAD") != "0" and _in_paraview_program():
    _folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "autoload")
    _paths = [p for p in os.environ.get("PV_PLUGIN_PATH", "").split(os.pathsep) if p]
    if os.path.isdir(_folder) and _folder not in _paths:
        os.environ["PV_PLUGIN_PATH"] = os.pathsep.join([*_paths, _folder])
