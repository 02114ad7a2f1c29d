"""The one dispatch from a path to a source: a file, a list of files, or DICOM."""

from __future__ import annotations

import os

from .base import ImageSource
from .checks import check_path
from .file import FileSource
from .series import FileSeriesSource


def open_source(
    path: str | os.PathLike | list, series_id: str | None = None, whole_series: bool = True,
) -> ImageSource:
    """The source for ``path``: one file, a list of files read as time steps, or DICOM.

    A DICOM folder reads series ``series_id`` (default: the one with the most slices);
    a DICOM file reads its whole series unless ``whole_series`` is False.
    """
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return FileSeriesSource(list(path))
        path = path[0]
    path = os.fspath(path)
    check_path(path)  # before anything opens it: a pipe would block
    if not may_be_dicom(path):
        return FileSource(path)
    from ..dicom.source import open_dicom  # DICOM code loads only where a file may be DICOM

    source = open_dicom(path, series_id, whole_series)
    return source if source is not None else FileSource(path)


def may_be_dicom(path: str) -> bool:
    """A folder, a file with DICOM's "DICM" mark, or a name DICOM files carry: worth the
    DICOM probe."""
    if os.path.isdir(path):
        return True
    extension = os.path.splitext(path)[1].lower()
    if extension in ("", ".dcm", ".dicom", ".ima", ".img") or extension[1:].isdigit():
        return True
    try:
        with open(path, "rb") as stream:
            return stream.read(132)[128:] == b"DICM"
    except OSError:
        return True  # let the probe report it
