"""Checks made before any voxel is read.

A header can promise anything. SimpleITK believes it: it allocates what the header
says and, for some formats (NIfTI), fills what the file lacks with garbage without
an error. These checks refuse such files with the reason, before memory is allocated:

- :func:`check_path`: the path is a file (or a folder) this process can open;
- :func:`check_header`: the size and geometry of a header are usable;
- :func:`check_data_fits`: the file holds the voxels the header promises, and they
  fit in memory.

Header values that hang or crash SimpleITK are each format's to check
(:func:`sitkvtk.formats.registry.check_before_simpleitk`).
"""

from __future__ import annotations

import math
import os
import stat
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ReadError
from ..formats.rawio import gzip_size, inflate_count
from ..formats.registry import data_layout

if TYPE_CHECKING:
    from ..header import ImageHeader

# Deflate cannot expand data by more than about 1032:1; a gzip/zlib file that would
# have to expand more than this is lying about its size.
_DEFLATE_MAX_RATIO = 1100

_VTK_MAX_EXTENT = 2**31 - 1  # VTK extents are int


def check_name(path: str) -> None:
    """Refuse a name that is not valid UTF-8 (Python holds its bytes as lone surrogates):
    SimpleITK aborts the process when handed one. The message shows the name with U+FFFD."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise ReadError(shown, "the file name is not valid UTF-8, which SimpleITK cannot open; "
                        "rename it") from None


def check_path(path: str, folder_ok: bool = True) -> None:
    """Raise :class:`ReadError` unless ``path`` is a regular file this process can open,
    or (``folder_ok``) a folder. A pipe or device is refused: opening one may block forever."""
    check_name(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ReadError(path, "no such file") from None
    except PermissionError:
        raise ReadError(
            path, "permission denied (a folder on the way cannot be searched)"
        ) from None
    except OSError as error:
        raise ReadError(path, f"cannot reach the file ({error.strerror or error})") from None
    if stat.S_ISDIR(mode):
        if not folder_ok:
            raise ReadError(path, "is a folder, not an image file")
        return
    if not stat.S_ISREG(mode):
        raise ReadError(path, "is not a regular file (a pipe, socket or device)")
    try:
        # Opening is the test that tells: os.access answers yes to root, and guesses for ACLs.
        with open(path, "rb"):
            pass
    except PermissionError:
        raise ReadError(path, "permission denied") from None
    except OSError as error:
        raise ReadError(path, f"cannot open the file ({error.strerror or error})") from None


def check_header(header: ImageHeader) -> None:
    """Raise :class:`ReadError` if the header cannot describe a readable image.

    A direction that is not orthonormal but invertible (a sheared grid, which MetaImage
    and NRRD can store and SimpleITK keeps) is accepted: VTK places each voxel with
    the same matrix. the format registry notes it in the header metadata.
    """
    path = header.path
    if any(s <= 0 for s in header.size):
        raise ReadError(path, f"the header gives an empty size {header.size}")
    if any(s > _VTK_MAX_EXTENT for s in header.size):
        # Also what a negative size becomes when a reader wraps it to unsigned.
        raise ReadError(
            path,
            f"the header gives a size {header.size} beyond what VTK indexes (2**31 - 1 per axis)",
        )
    if not all(math.isfinite(s) and s > 0 for s in header.spacing):
        raise ReadError(path, f"the header gives invalid spacing {header.spacing}")
    if not all(math.isfinite(v) for v in header.origin + header.direction):
        raise ReadError(path, "the header gives a non-finite origin or direction")
    dim = header.dimension
    direction = np.reshape(header.direction, (dim, dim))
    if abs(np.linalg.det(direction)) < 1e-6:
        raise ReadError(path, f"the header gives a singular direction matrix {header.direction}")


def check_data_fits(header: ImageHeader) -> None:
    """Raise :class:`ReadError` if the file cannot hold the voxels its header promises.

    Exact for uncompressed NIfTI, Analyze, MetaImage, NRRD, MRC, GIPL, binary VTK, BMP;
    strips and tiles within the file for TIFF; an end for JPEG; a deflate bound and a
    whole stream for gzip; for every file, the image must fit in available memory.
    """
    path = header.path
    in_memory = math.prod(header.size) * header.voxel_bytes
    available = _available_memory()
    if available is not None and in_memory > available:
        raise ReadError(
            path,
            f"the header promises {_human(in_memory)} of voxels "
            f"({'x'.join(map(str, header.size))}), "
            f"more than the {_human(available)} of memory available",
        )
    layout = data_layout(path, header.io_name, in_memory)
    if layout is None:
        return
    if layout.problem is not None:
        raise ReadError(path, layout.problem)
    # On disk, not in memory: SimpleITK may widen (scaled integers read as float).
    expected = layout.stored_bytes if layout.stored_bytes is not None else in_memory
    try:
        stored = os.path.getsize(layout.path)
    except OSError:
        raise ReadError(path, f"its data file {layout.path} is missing") from None
    if layout.compression is None:
        if stored - layout.offset < expected:
            raise ReadError(
                path,
                f"the file is truncated: the header promises {expected} bytes of voxels, "
                f"the file holds {max(stored - layout.offset, 0)}",
            )
        return
    if expected > _DEFLATE_MAX_RATIO * stored + (1 << 20):
        raise ReadError(
            path,
            f"the header promises {_human(expected)} of voxels, more than "
            f"{_human(stored)} of compressed data can hold",
        )
    # The gzip trailer gives the size (mod 2**32) of an intact file; a file cut short ends
    # in arbitrary bytes. niftilib reads a cut .nii.gz without an error (the rest zeros).
    end = layout.offset + expected
    if gzip_size(layout.path) not in (None, end % 2**32):
        inflated, intact = inflate_count(layout.path)
        if inflated < end or not intact:
            raise ReadError(
                path,
                f"the file is truncated: the header promises {expected} bytes of voxels, "
                f"the compressed data holds {max(inflated - layout.offset, 0)}"
                + ("" if intact else " and its stream is cut short"),
            )


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as stream:
            for line in stream:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _human(nbytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes} bytes"
