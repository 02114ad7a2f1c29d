"""Where voxels come from: a header, and any box of any volume, read on demand.

A source knows its :class:`~sitkvtk.header.ImageHeader` and reads a box of voxels
as a SimpleITK image, or as a numpy array where it filled its own buffer. The reader
does geometry and VTK; sources do files only.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Callable, Protocol

import numpy as np
import SimpleITK as sitk

from . import direct
from .errors import ReadError
from .fidelity import restore_nonfinite, simpleitk_file_name
from .header import ImageHeader, itk_reason, read_header
from .validate import check_data_fits, check_path


class ImageSource(Protocol):
    path: str

    @property
    def header(self) -> ImageHeader: ...

    def read_box(
        self, start: list[int], size: list[int], step: int = 0,
        progress: Callable[[float], None] | None = None,
    ) -> sitk.Image | np.ndarray:
        """Voxels ``start .. start + size`` (x, y, z) of volume ``step``: a 2-D or 3-D
        SimpleITK image, or a (z, y, x[, c]) numpy array the caller may keep."""
        ...


class FileSource:
    """One image file, read through ``ImageFileReader`` (streamed where the format allows)."""

    def __init__(self, path: str):
        self.path = path
        self._header: ImageHeader | None = None
        self._fits = False

    @property
    def header(self) -> ImageHeader:
        if self._header is None:
            self._header = read_header(self.path)
        return self._header

    def read_box(self, start, size, step=0, progress=None) -> sitk.Image | np.ndarray:
        header = self.header
        if not self._fits:  # once per header: the file cannot change under one source
            check_data_fits(header)
            self._fits = True
        layout = direct.direct_layout(header)
        if layout is not None:
            whole = list(size) == list(header.volume_size)
            # Whole volumes directly only for NIfTI, whose SimpleITK read peaks at twice the
            # image; SimpleITK reads MetaImage and NRRD volumes as fast, at once the image.
            if whole and header.io_name == "NiftiImageIO":
                volume = direct.read_volume(header, layout, step)
                if progress is not None:
                    progress(1.0)
                return volume
            if not whole and not layout.compressed:
                return direct.read_box(header, layout, start, size, step)
        dim = header.dimension
        box = (list(start), list(size))
        reader = sitk.ImageFileReader()
        if list(size) != list(header.volume_size) or header.time_steps > 1:
            start, size = list(start), list(size)
            if dim >= 4:
                # One volume: a zero size collapses the 4th (and later) axes.
                start, size = start + [step] + [0] * (dim - 4), size + [0] * (dim - 3)
            reader.SetExtractIndex(start[:dim])
            reader.SetExtractSize(size[:dim])
        if progress is not None:
            reader.AddCommand(sitk.sitkProgressEvent, lambda: progress(reader.GetProgress()))
        with simpleitk_file_name(self.path) as name:  # not a twin file beside it
            reader.SetFileName(name)
            try:
                image = reader.Execute()
            except (RuntimeError, MemoryError) as error:
                raise ReadError(self.path, f"cannot read the voxels ({itk_reason(error)})") from None
            finally:
                # The command holds the lambda, the lambda the reader: a cycle through C++
                # that Python cannot collect, keeping the caller (and its output) alive.
                reader.RemoveAllCommands()
        return restore_nonfinite(header, image, *box, step)


class FileSeriesSource:
    """Files of one size and pixel type, one volume each: a time series (step = file index).

    The header is the first file's, with a 4th axis of one step per file; each file
    is checked against it when its step is read.
    """

    def __init__(self, paths: list[str]):
        if not paths:
            raise ReadError("<no file>", "an empty list of files")
        self.paths = [os.fspath(p) for p in paths]
        self.path = self.paths[0]
        self._files = [FileSource(p) for p in self.paths]
        self._header: ImageHeader | None = None

    @property
    def header(self) -> ImageHeader:
        if self._header is None:
            first = self._files[0].header
            if first.dimension > 3:
                raise ReadError(self.path, "a file series of 4-D files is not supported")
            dim = first.dimension
            direction = np.eye(4)
            direction[:dim, :dim] = np.reshape(first.direction, (dim, dim))
            pad = 3 - dim
            self._header = replace(
                first,
                size=first.size + (1,) * pad + (len(self.paths),),
                spacing=first.spacing + (1.0,) * pad + (1.0,),
                origin=first.origin + (0.0,) * pad + (0.0,),
                direction=tuple(direction.ravel()),
            )
        return self._header

    def read_box(self, start, size, step=0, progress=None) -> sitk.Image | np.ndarray:
        series = self.header
        source = self._files[step]
        header = source.header
        if header.volume_size != series.volume_size or header.pixel_id != series.pixel_id \
                or header.components != series.components:
            raise ReadError(
                source.path,
                f"does not match the first file of the series ({header.volume_size} "
                f"{header.pixel_type} x{header.components}, expected {series.volume_size} "
                f"{series.pixel_type} x{series.components})",
            )
        return source.read_box(start, size, 0, progress)


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
    if not _may_be_dicom(path):
        return FileSource(path)
    # Imported here: the DICOM sources build on FileSource, defined in this module.
    from .dicomsource import open_dicom

    source = open_dicom(path, series_id, whole_series)
    return source if source is not None else FileSource(path)


def _may_be_dicom(path: str) -> bool:
    """A folder, a file with DICOM's "DICM" mark, or a name DICOM files carry: worth the
    DICOM probe (the DICOM modules are not even imported for other files)."""
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
