"""The exceptions the package raises for files it cannot read or write."""

from __future__ import annotations

import os
import re


def display_name(path) -> str:
    """A path, or a list of paths (a file series), as text for a message."""
    if isinstance(path, (list, tuple)):
        names = [os.fspath(p) for p in path]
        return ", ".join(names) if names else "<no file>"
    return os.fspath(path)


class _FileError(OSError):
    """``str(error)`` names the file and the reason; ``error.filename`` is the path.

    ``path`` may be a list of paths (a file series): the message names them all.
    """

    def __init__(self, path, reason: str):
        self.reason = reason
        name = display_name(path)
        super().__init__(f"{name}: {reason}")
        self.filename = name

    def __str__(self) -> str:
        # OSError's own __str__ would print errno and strerror, both None here.
        return f"{self.filename}: {self.reason}"

    def __reduce__(self):
        return type(self), (self.filename, self.reason)


class ReadError(_FileError):
    """A file could not be read as an image."""


class WriteError(_FileError):
    """An image could not be written to a file; no file was left behind."""


def itk_reason(error: Exception) -> str:
    """The useful line of an ITK exception: its 'Description:' if it has one."""
    text = str(error)
    for line in text.splitlines():
        if "Description:" in line:
            return line.split("Description:", 1)[1].strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # "ITK ERROR: TIFFImageIO(0x55...): why": the object's address tells a user nothing.
    return re.sub(r"^ITK ERROR: \w+\(0x[0-9a-fA-F]+\): ", "", lines[-1]) if lines else type(error).__name__
