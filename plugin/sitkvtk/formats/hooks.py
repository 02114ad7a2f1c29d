"""The hooks a format module gives the registry, and the layouts they describe.

A format module declares ``HOOKS``: a tuple of :class:`FormatHooks`, one per group of
SimpleITK ImageIOs it knows. Every hook is optional; a missing one means "nothing
special for this format".
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import SimpleITK as sitk

    from ..header import ImageHeader


@dataclass(frozen=True)
class DataLayout:
    """Where a file keeps its voxels (used to check the file can hold them)."""

    path: str  # the file that holds them (the header's own file, or a detached one)
    offset: int  # byte offset of the first voxel (in the inflated stream if compressed)
    compression: str | None  # None, "gzip" (gzip or zlib deflate)
    stored_bytes: int | None = None  # bytes of voxels on disk, where the header says
    problem: str | None = None  # a structural defect found on the way (the file is refused)


@dataclass(frozen=True)
class DirectLayout:
    """Voxels stored exactly as SimpleITK would return them: read without SimpleITK."""

    path: str  # the file holding the voxels
    offset: int  # byte offset of the first voxel (in the inflated stream if compressed)
    dtype: np.dtype  # one component, with the file's byte order
    components: int
    volume_bytes: int  # one 3-D volume, all components
    compressed: bool


@dataclass(frozen=True)
class FormatHooks:
    """What one format family adds to SimpleITK's reading of it."""

    #: SimpleITK ImageIO names this entry is for (``ImageFileReader.GetImageIOFromFileName``).
    io_names: tuple[str, ...]
    #: File name extensions, without the dot (the ParaView plugin offers these).
    extensions: tuple[str, ...] = ()
    #: ``check(path)``: raise ReadError for header values that hang or crash SimpleITK.
    check: Callable[[str], None] | None = None
    #: ``explain(path) -> str | None``: why SimpleITK cannot read the file, where the format knows.
    explain: Callable[[str], str | None] | None = None
    #: ``fix_header(header) -> header``: the geometry the file means where SimpleITK's differs.
    fix_header: Callable[[ImageHeader], ImageHeader] | None = None
    #: ``notes(path, metadata, header) -> dict``: fields SimpleITK reads but does not apply.
    notes: Callable[[str, dict, ImageHeader], dict] | None = None
    #: ``data_layout(path, expected_bytes) -> DataLayout | None``: where the voxels are.
    data_layout: Callable[[str, int], DataLayout | None] | None = None
    #: ``direct_layout(header) -> DirectLayout | None``: voxels readable without SimpleITK.
    direct_layout: Callable[[ImageHeader], DirectLayout | None] | None = None
    #: Whether whole volumes are read directly too (not only boxes): where SimpleITK's own
    #: whole read costs more than the direct one (NIfTI peaks at twice the image).
    whole_volume_direct: bool = False
    #: ``read_voxels(header, start, size, step) -> array | None``: voxels the format reads
    #: itself where SimpleITK reads them wrong (MRC axis order); None leaves them to the rest.
    read_voxels: Callable[..., np.ndarray | None] | None = None
    #: ``restore(header, image, start, size, step) -> image``: put back what SimpleITK changed.
    restore: Callable[..., sitk.Image] | None = None
    #: ``file_name(path)``: a context manager giving the name to hand SimpleITK for ``path``.
    file_name: Callable[[str], AbstractContextManager[str]] | None = None
