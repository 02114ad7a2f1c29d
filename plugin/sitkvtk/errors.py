"""The exceptions the package raises for files it cannot read or write, and VTK's error output."""

from __future__ import annotations

import contextlib
import os

from vtkmodules.vtkCommonCore import vtkObject


class _FileError(OSError):
    """``str(error)`` names the file and the reason; ``error.filename`` is the path."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.reason = reason
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.filename = os.fspath(path)

    def __str__(self) -> str:
        # OSError's own __str__ would print errno and strerror, both None here.
        return f"{self.filename}: {self.reason}"

    def __reduce__(self):
        return type(self), (self.filename, self.reason)


class ReadError(_FileError):
    """A file could not be read as an image."""


class WriteError(_FileError):
    """An image could not be written to a file; no file was left behind."""


@contextlib.contextmanager
def quiet_vtk():
    """Silence VTK's error output where the caller reports through an exception instead."""
    previous = vtkObject.GetGlobalWarningDisplay()
    vtkObject.GlobalWarningDisplayOff()
    try:
        yield
    finally:
        vtkObject.SetGlobalWarningDisplay(previous)
