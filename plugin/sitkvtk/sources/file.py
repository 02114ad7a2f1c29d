"""One image file: its header through SimpleITK (and the format's hooks), its voxels on demand.

:func:`read_header` wraps ``ImageFileReader.ReadImageInformation``; :class:`FileSource`
reads boxes through ``ImageFileReader`` (streamed where the format allows) or directly
where the format registry says the file stores voxels exactly as SimpleITK returns them.
"""

from __future__ import annotations

import os
from dataclasses import replace

import SimpleITK as sitk

from ..errors import ReadError, itk_reason
from ..formats import rawio, registry
from ..formats.gzindex import GzipIndex
from ..header import ImageHeader
from ..pixeltypes import COMPONENT_DTYPES
from .checks import check_data_fits, check_path

_UNKNOWN = object()  # a cached value not worked out yet


def read_header(path: str | os.PathLike) -> ImageHeader:
    """Read size, geometry, pixel type and metadata of ``path`` (no voxels).

    Raises
    ------
    ReadError
        The path does not exist, is not a file, cannot be opened, no SimpleITK image
        IO can read it, or its header holds values that would hang or crash SimpleITK.
    """
    path = os.fspath(path)
    check_path(path, folder_ok=False)
    reader = sitk.ImageFileReader()
    try:
        io_name = reader.GetImageIOFromFileName(path)
    except RuntimeError:
        io_name = ""
    if not io_name:
        raise ReadError(path, registry.explain(path, "") or "not an image format SimpleITK can read (unknown format)")
    registry.check_before_simpleitk(path, io_name)
    reader.SetImageIO(io_name)  # not the factory's search through every ImageIO a second time
    with registry.simpleitk_file_name(path, io_name) as name:
        reader.SetFileName(name)
        try:
            reader.ReadImageInformation()
        except RuntimeError as error:
            reason = registry.explain(path, io_name) or f"cannot read the header ({itk_reason(error)})"
            raise ReadError(path, reason) from None
    pixel_id = reader.GetPixelID()
    if pixel_id not in COMPONENT_DTYPES:
        raise ReadError(path, f"unsupported pixel type {reader.GetPixelIDValue()}")
    header = registry.fix_header(ImageHeader(
        path=path,
        io_name=io_name,
        size=tuple(int(s) for s in reader.GetSize()),
        spacing=tuple(float(s) for s in reader.GetSpacing()),
        origin=tuple(float(o) for o in reader.GetOrigin()),
        direction=tuple(float(d) for d in reader.GetDirection()),
        pixel_id=pixel_id,
        components=int(reader.GetNumberOfComponents()),
    ))
    metadata = _metadata(reader)
    notes = registry.reported_fields(path, io_name, metadata, header)
    return replace(header, metadata=registry.replace_unprintable(metadata, notes))


def _metadata(reader: sitk.ImageFileReader) -> dict[str, str]:
    metadata = {}
    try:
        keys = reader.GetMetaDataKeys()
    except (RuntimeError, TypeError, UnicodeError):  # keys that are not text
        return metadata
    for key in keys:
        try:
            metadata[key] = reader.GetMetaData(key)
        except (RuntimeError, TypeError, UnicodeError):  # a value SimpleITK cannot turn into text
            continue
    return metadata


class FileSource:
    """One image file, read through ``ImageFileReader`` (streamed where the format allows).

    The header, the check that the file holds its voxels, and where its voxels lie are
    worked out once per source: the reader opens a new source when the file changes. Boxes
    of a compressed file come from inflate checkpoints kept with the source (bounded; they
    are dropped when the file changes).
    """

    def __init__(self, path: str):
        self.path = path
        self._header: ImageHeader | None = None
        self._fits = False
        self._direct = _UNKNOWN
        self._index: GzipIndex | None = None  # checkpoints into a compressed file, made on first use

    @property
    def header(self) -> ImageHeader:
        if self._header is None:
            self._header = read_header(self.path)
        return self._header

    def _direct_layout(self):
        if self._direct is _UNKNOWN:
            self._direct = registry.direct_layout(self.header)
        return self._direct

    def read_box(self, start, size, step=0, progress=None):
        header = self.header
        if not self._fits:
            check_data_fits(header)
            self._fits = True
        voxels = registry.read_voxels(header, start, size, step)
        if voxels is not None:
            return voxels
        layout = self._direct_layout()
        if layout is not None:
            whole = list(size) == list(header.volume_size)
            # Whole volumes directly where SimpleITK's own read costs more: NIfTI (twice the
            # image), and every uncompressed file, whose buffer's pages are mapped on another
            # core meanwhile (formats/pages.py; SimpleITK's MetaImage read took 1.2x as long).
            if whole and (registry.whole_volume_direct(header.io_name) or not layout.compressed):
                volume = rawio.read_volume(header, layout, step)
                if progress is not None:
                    progress(1.0)
                return volume
            if not whole and not layout.compressed:
                return rawio.read_box(header, layout, start, size, step)
            if not whole:  # inflated from the nearest checkpoint, not from the start
                if self._index is None:
                    self._index = GzipIndex(layout.path)
                return rawio.read_inflated_box(header, layout, start, size, step, self._index.read_into)
        return self._read_with_simpleitk(header, list(start), list(size), step, progress)

    def _read_with_simpleitk(self, header: ImageHeader, start, size, step, progress) -> sitk.Image:
        dim = header.dimension
        box = (list(start), list(size))
        reader = sitk.ImageFileReader()
        reader.SetImageIO(header.io_name)  # the one the header was read with: no factory search
        if size != list(header.volume_size) or header.time_steps > 1:
            if dim >= 4:
                # One volume: a zero size collapses the 4th (and later) axes.
                start, size = start + [step] + [0] * (dim - 4), size + [0] * (dim - 3)
            reader.SetExtractIndex(start[:dim])
            reader.SetExtractSize(size[:dim])
        if progress is not None:
            reader.AddCommand(sitk.sitkProgressEvent, lambda: progress(reader.GetProgress()))
        with registry.simpleitk_file_name(self.path, header.io_name) as name:
            reader.SetFileName(name)
            try:
                image = reader.Execute()
            except (RuntimeError, MemoryError) as error:
                raise ReadError(self.path, f"cannot read the voxels ({itk_reason(error)})") from None
            finally:
                # The command holds the lambda, the lambda the reader: a cycle through C++
                # that Python cannot collect, keeping the caller (and its output) alive.
                reader.RemoveAllCommands()
        return registry.restore(header, image, *box, step)
