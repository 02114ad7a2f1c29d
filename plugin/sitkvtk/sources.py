"""Where voxels come from: a header, and any box of any volume, read on demand.

A source knows its :class:`~sitkvtk.header.ImageHeader` and reads a box of voxels
as a SimpleITK image. The reader does geometry and VTK; sources do files only.
"""

from __future__ import annotations

import os
from typing import Callable, Protocol

import SimpleITK as sitk

from .errors import ReadError
from .header import ImageHeader, itk_reason, read_header
from .validate import check_data_fits


class ImageSource(Protocol):
    path: str

    @property
    def header(self) -> ImageHeader: ...

    def read_box(
        self, start: list[int], size: list[int], step: int = 0,
        progress: Callable[[float], None] | None = None,
    ) -> sitk.Image:
        """Voxels ``start .. start + size`` (x, y, z) of volume ``step``: a 2-D or 3-D image."""
        ...


class FileSource:
    """One image file, read through ``ImageFileReader`` (streamed where the format allows)."""

    def __init__(self, path: str):
        self.path = path
        self._header: ImageHeader | None = None

    @property
    def header(self) -> ImageHeader:
        if self._header is None:
            self._header = read_header(self.path)
        return self._header

    def read_box(self, start, size, step=0, progress=None) -> sitk.Image:
        header = self.header
        check_data_fits(header)
        dim = header.dimension
        reader = sitk.ImageFileReader()
        reader.SetFileName(self.path)
        if list(size) != list(header.volume_size) or header.time_steps > 1:
            start, size = list(start), list(size)
            if dim >= 4:
                # One volume: a zero size collapses the 4th (and later) axes.
                start, size = start + [step] + [0] * (dim - 4), size + [0] * (dim - 3)
            reader.SetExtractIndex(start[:dim])
            reader.SetExtractSize(size[:dim])
        if progress is not None:
            reader.AddCommand(sitk.sitkProgressEvent, lambda: progress(reader.GetProgress()))
        try:
            return reader.Execute()
        except (RuntimeError, MemoryError) as error:
            raise ReadError(self.path, f"cannot read the voxels ({itk_reason(error)})") from None


def open_source(path: str | os.PathLike) -> ImageSource:
    """The source for ``path``."""
    return FileSource(os.fspath(path))
