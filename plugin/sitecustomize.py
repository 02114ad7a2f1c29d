"""Let ParaView 5.11 load Python plugins under Python 3.11 and later.

ParaView 5.11's ``paraview/detail/pythonalgorithm.py`` (the module behind every Python
plugin and ``paraview.util.vtkAlgorithm``) does ``from inspect import getargspec``,
which Python 3.11 removed, so Debian 12's ParaView cannot load any Python plugin.
Python imports ``sitecustomize`` at start-up in every interpreter, including the
GUI's embedded one and each ``mpiexec pvbatch`` rank, so putting this folder on
``PYTHONPATH`` fixes all of them with one line of set-up.

Only adds ``inspect.getargspec`` where it is missing (ParaView 5.12 and later do not
need it, older Pythons still have it), and only when ParaView's module is imported,
so other programs do not pay for importing ``inspect``: the fix itself is
``sitkvtk/paraview/getargspec_fix.py``, the file ``sitkvtk paraview install`` uses. A
``sitecustomize`` this file shadows (Debian ships one for apport) is still run.
"""

from __future__ import annotations

import sys

_PARAVIEW_MODULE = "paraview.detail.pythonalgorithm"
_FIX_MODULE = "sitkvtk_getargspec"  # the name ``sitkvtk paraview install`` gives the same file


def _install_the_packaged_fix() -> None:
    """Run sitkvtk/paraview/getargspec_fix.py (the one copy of the fix) as its own module,
    without importing the sitkvtk package (that would import SimpleITK in every interpreter)."""
    import importlib.util
    import os

    if _FIX_MODULE in sys.modules:
        return
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sitkvtk", "paraview", "getargspec_fix.py")
    spec = importlib.util.spec_from_file_location(_FIX_MODULE, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_FIX_MODULE] = module
    spec.loader.exec_module(module)


def _run_shadowed_sitecustomize() -> None:
    """Run the next ``sitecustomize`` on ``sys.path``, the one this file hides."""
    import importlib.machinery
    import importlib.util
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    # Only the entries after this file's folder: those are what it hides. (Looking
    # everywhere else would find an earlier copy of this file, which would find this one...)
    folders = [os.path.abspath(p or os.curdir) for p in sys.path]
    rest = sys.path[folders.index(here) + 1 :] if here in folders else []
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.origin is None or os.path.dirname(spec.origin) == here:
        return
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001  site.py reports and goes on, so do we
        print(f"Error in {spec.origin}: {error!r}", file=sys.stderr)


# ParaView also runs this file as a (proxy-less) plugin when its folder is on
# PV_PLUGIN_PATH; by then its module is loaded and start-up work is done.
if _PARAVIEW_MODULE not in sys.modules:
    _install_the_packaged_fix()
    _run_shadowed_sitecustomize()
