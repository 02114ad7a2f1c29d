"""The exceptions the package raises for files it cannot read or write."""

from __future__ import annotations

import os


class ReadError(OSError):
    """A file could not be read as an image.

    ``str(error)`` names the file and the reason; ``error.filename`` is the path.
    """

    def __init__(self, path: str | os.PathLike, reason: str):
        self.reason = reason
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.filename = os.fspath(path)

    def __str__(self) -> str:
        # OSError's own __str__ would print errno and strerror, both None here.
        return f"{self.filename}: {self.reason}"

    def __reduce__(self):
        return type(self), (self.filename, self.reason)


class WriteError(OSError):
    """An image could not be written to a file; no file was left behind.

    ``str(error)`` names the file and the reason; ``error.filename`` is the path.
    """

    def __init__(self, path: str | os.PathLike, reason: str):
        self.reason = reason
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.filename = os.fspath(path)

    def __str__(self) -> str:
        return f"{self.filename}: {self.reason}"

    def __reduce__(self):
        return type(self), (self.filename, self.reason)
