"""Lets ParaView 5.11 load Python plugins under Python 3.11 and later: importing this module
gives ``inspect`` back ``getargspec`` just before ParaView's plugin module is imported.

``sitkvtk paraview install`` copies this file, as the top-level module ``sitkvtk_getargspec``,
beside the packages it installs for ParaView's Python, and a ``.pth`` line imports it at
start-up (only for a ParaView whose ``paraview/detail/pythonalgorithm.py`` needs it). It
imports nothing of sitkvtk, and ``inspect`` only when ParaView's module loads, so other
programs that read the same ``.pth`` pay nothing.
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
    """Import hook that patches ``inspect`` just before ParaView's plugin module loads. It
    stays in ``sys.meta_path``: removing itself while the import walks that list would make
    the import skip the next finder."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == _PARAVIEW_MODULE:
            _add_getargspec()
        return None  # the usual finders do the import


if sys.version_info >= (3, 11) and _PARAVIEW_MODULE not in sys.modules:
    sys.meta_path.insert(0, _BeforeParaViewAlgorithms)
