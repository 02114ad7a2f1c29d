"""The one registry: a SimpleITK ImageIO name -> what the project adds for that format.

Every question the package asks about a format goes through here. Adding a format is
one module in this folder with a ``HOOKS`` tuple (see :class:`~.hooks.FormatHooks`) and
its name in ``_MODULES``.
"""

from __future__ import annotations

import contextlib
import os
import struct

import numpy as np
import SimpleITK as sitk

from . import metaimage, minc, mrc, nifti, nrrd, others, tiff
from .hooks import DataLayout, DirectLayout, FormatHooks

_MODULES = (nifti, metaimage, nrrd, minc, mrc, tiff, others)

REGISTRY: dict[str, FormatHooks] = {
    name: hooks for module in _MODULES for hooks in module.HOOKS for name in hooks.io_names
}

_NONE = FormatHooks(io_names=())

#: What SimpleITK writes for a metadata value it cannot print.
_UNPRINTABLE = "[UNKNOWN_PRINT_CHARACTERISTICS]"


def hooks(io_name: str) -> FormatHooks:
    """The hooks of ``io_name`` (empty ones for a format with nothing to add)."""
    return REGISTRY.get(io_name, _NONE)


def extensions() -> tuple[str, ...]:
    """Every file name extension of the formats SimpleITK reads, registry order."""
    return tuple(ext for module in _MODULES for entry in module.HOOKS for ext in entry.extensions)


def check_before_simpleitk(path: str, io_name: str) -> None:
    """Raise ReadError for header values that hang or crash SimpleITK's reader of ``io_name``."""
    check = hooks(io_name).check
    if check is not None:
        check(path)


def explain(path: str, io_name: str) -> str | None:
    """Why SimpleITK cannot read ``path``, in the words of its format (the one of ``io_name``,
    or where no ImageIO took the file, those its name's extension belongs to); None where
    the format module knows no more than SimpleITK said."""
    if io_name:
        candidates = [hooks(io_name)]
    else:
        lower = os.path.basename(path).lower()
        candidates = [
            entry for module in _MODULES for entry in module.HOOKS
            if any(lower.endswith("." + ext) for ext in entry.extensions)
        ]
    for entry in candidates:
        if entry.explain is None:
            continue
        try:
            reason = entry.explain(path)
        except (OSError, ValueError, struct.error):
            reason = None
        if reason:
            return reason
    return None


def simpleitk_file_name(path: str, io_name: str):
    """A context manager giving the name to hand SimpleITK for ``path``."""
    name = hooks(io_name).file_name
    return name(path) if name is not None else contextlib.nullcontext(path)


def fix_header(header):
    """``header`` with the geometry the file means, where SimpleITK's differs."""
    fix = hooks(header.io_name).fix_header
    return fix(header) if fix is not None else header


def reported_fields(path: str, io_name: str, metadata: dict, header) -> dict[str, str]:
    """Metadata entries for what SimpleITK read from ``path`` but did not apply or show."""
    notes: dict[str, str] = {}
    dim = header.dimension
    direction = np.reshape(header.direction, (dim, dim))
    if np.all(np.isfinite(direction)) and not np.allclose(direction.T @ direction, np.eye(dim), atol=1e-4):
        notes["sitkvtk_direction"] = (
            "not orthonormal (a sheared grid): voxels are placed with the matrix as the file gives it"
        )
    report = hooks(io_name).notes
    if report is not None:
        notes.update(report(path, metadata, header))
    return notes


def replace_unprintable(metadata: dict, notes: dict) -> dict:
    """``metadata`` without values SimpleITK could not print, then ``notes``."""
    cleaned = {k: v for k, v in metadata.items() if not v.startswith(_UNPRINTABLE)}
    cleaned.update(notes)
    return cleaned


def data_layout(path: str, io_name: str, expected: int) -> DataLayout | None:
    """Where ``path`` keeps its voxels (``expected`` bytes of them in memory); None where
    not known (formats whose readers check for themselves, or that nothing here parses)."""
    layout = hooks(io_name).data_layout
    if layout is None:
        return None
    try:
        return layout(path, expected)
    except (OSError, ValueError, struct.error):
        return None


def direct_layout(header) -> DirectLayout | None:
    """Where ``header``'s file keeps voxels that can be read without SimpleITK, else None.

    An uncompressed file must be exactly as long as its header says: anything else is
    SimpleITK's to judge.
    """
    find = hooks(header.io_name).direct_layout
    if find is None:
        return None
    try:
        layout = find(header)
    except (OSError, ValueError):
        return None
    if layout is None or layout.compressed:
        return layout
    try:
        if os.path.getsize(layout.path) != layout.offset + layout.volume_bytes * header.time_steps:
            return None
    except OSError:
        return None
    return layout


def whole_volume_direct(io_name: str) -> bool:
    return hooks(io_name).whole_volume_direct


def read_voxels(header, start, size, step: int = 0) -> np.ndarray | None:
    """Voxels of ``header``'s file read by its format module where SimpleITK reads them
    wrong, as a (z, y, x[, c]) array; None where SimpleITK's (or a direct read) are right."""
    read = hooks(header.io_name).read_voxels
    return read(header, start, size, step) if read is not None else None


def restore(header, image: sitk.Image, start, size, step: int = 0) -> sitk.Image:
    """``image`` as read by SimpleITK, with what its reader changed put back."""
    fix = hooks(header.io_name).restore
    return fix(header, image, start, size, step) if fix is not None else image
