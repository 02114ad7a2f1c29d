"""Progress of long work inside the package (the DICOM folder scan) for whoever shows it.

Nobody listens by default, and reporting then costs one lookup. The command line listens
with a progress bar (``listening``). Pipelines report their own progress through VTK's
ProgressEvent instead (``SimpleITKReader.UpdateProgress``), which ParaView shows.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable

#: listener(what, done, total), or None
_listener: contextvars.ContextVar[Callable[[str, int, int], None] | None] = contextvars.ContextVar(
    "sitkvtk_progress", default=None
)


def report(what: str, done: int, total: int) -> None:
    """``done`` of ``total`` steps of ``what`` are finished."""
    listener = _listener.get()
    if listener is not None:
        listener(what, done, total)


@contextlib.contextmanager
def listening(listener: Callable[[str, int, int], None]):
    """Within the block, ``report`` calls ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
