"""Let ParaView 5.11 load Python plugins under Python 3.11 and later.

ParaView 5.11's ``paraview/detail/pythonalgorithm.py`` (the module behind every Python
plugin and ``paraview.util.vtkAlgorithm``) does ``from inspect import getargspec``,
which Python 3.11 removed, so Debian 12's ParaView cannot load any Python plugin.
Python imports ``sitecustomize`` at start-up in every interpreter, including the
GUI's embedded one and each ``mpiexec pvbatch`` rank, so putting this folder on
``PYTHONPATH`` fixes all of them with one line of set-up.

Only adds ``inspect.getargspec`` where it is missing (ParaView 5.12 and later do not
need it, older Pythons still have it), and only when ParaView's module is imported,
so other programs do not pay for importing ``inspect``. A ``sitecustomize`` this file
shadows (Debian ships one for apport) is still run.
"""

from __future__ import annotations

import sys

_PARAVIEW_MODULE = "paraview.detail.pythonalgorithm"


def _add_getargspec() -> None:
    import inspect
    from collections import namedtuple

    if hasattr(inspect, "getargspec"):
        return
    arg_spec = namedtuple("ArgSpec", "args varargs keywords defaults")

    def getargspec(func):
        """What Python 3.10's ``inspect.getargspec`` returned, from ``getfullargspec``."""
        spec = inspect.getfullargspec(func)
        return arg_spec(spec.args, spec.varargs, spec.varkw, spec.defaults)

    inspect.getargspec = getargspec


class _BeforeParaViewAlgorithms:
    """Import hook that patches ``inspect`` just before ParaView's plugin module loads."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == _PARAVIEW_MODULE:
            _add_getargspec()
            sys.meta_path.remove(_BeforeParaViewAlgorithms)
        return None  # the usual finders do the import


def _run_shadowed_sitecustomize() -> None:
    """Run the next ``sitecustomize`` on ``sys.path``, the one this file hides."""
    import importlib.machinery
    import importlib.util
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
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
    if sys.version_info >= (3, 11):
        sys.meta_path.insert(0, _BeforeParaViewAlgorithms)
    _run_shadowed_sitecustomize()
