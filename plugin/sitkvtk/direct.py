"""Voxels read straight from the file, where it stores them exactly as SimpleITK returns them.

Uncompressed NIfTI, MetaImage and NRRD (and gzip NIfTI, whole volumes) whose voxels
need no conversion: no scaling, a pixel type and component count SimpleITK itself
reports, components interleaved. Then

- a whole NIfTI volume is read (or inflated) into one ``np.empty`` buffer: SimpleITK's
  NIfTI read peaks at twice the image (its MetaImage and NRRD reads do not, and are used);
- a box is copied out of a memory map of the file: only its pages are read. SimpleITK
  streams NIfTI slices several times slower and NRRD not at all (a slice costs the file).

The file must be exactly as long as its header says, or SimpleITK reads it instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from . import datalayout, rawheader
from .errors import ReadError
from .header import ImageHeader
from .inflate import inflate_into


@dataclass(frozen=True)
class DirectLayout:
    path: str  # the file holding the voxels
    offset: int  # byte offset of the first voxel (in the inflated stream if compressed)
    dtype: np.dtype  # one component, with the file's byte order
    components: int
    volume_bytes: int  # one 3-D volume, all components
    compressed: bool


def direct_layout(header: ImageHeader) -> DirectLayout | None:
    """Where ``header``'s file keeps voxels that can be read directly, else None."""
    try:
        if header.io_name == "NiftiImageIO":
            from .nifti import plain_layout  # nifti builds on DirectLayout

            layout = plain_layout(header)
        elif header.io_name == "MetaImageIO":
            layout = _metaimage_layout(header)
        elif header.io_name == "NrrdImageIO":
            layout = _nrrd_layout(header)
        else:
            return None
    except (OSError, ValueError):
        return None
    if layout is None or layout.compressed:
        return layout
    try:  # exactly the promised voxels: anything else is SimpleITK's to judge
        if os.path.getsize(layout.path) != layout.offset + layout.volume_bytes * header.time_steps:
            return None
    except OSError:
        return None
    return layout


_MET_TYPES = {
    "MET_CHAR": np.int8, "MET_UCHAR": np.uint8, "MET_SHORT": np.int16, "MET_USHORT": np.uint16,
    "MET_INT": np.int32, "MET_UINT": np.uint32, "MET_LONG_LONG": np.int64,
    "MET_ULONG_LONG": np.uint64, "MET_FLOAT": np.float32, "MET_DOUBLE": np.float64,
}


def _metaimage_layout(header: ImageHeader) -> DirectLayout | None:
    fields = rawheader.metaimage_fields(rawheader.text_header(header.path))
    element = _MET_TYPES.get(fields.get("ElementType", ""))
    channels = int(fields.get("ElementNumberOfChannels", "1"))
    if element is None or np.dtype(element) != header.component_dtype or channels != header.components:
        return None
    if fields.get("HeaderSize", "0") == "-1":
        return None
    msb = fields.get("ElementByteOrderMSB", fields.get("BinaryDataByteOrderMSB", "False"))
    return _raw(header, "MetaImageIO", ">" if msb.lower() == "true" else "<")


_NRRD_TYPES = {
    np.dtype(np.int8): {"signed char", "int8", "int8_t"},
    np.dtype(np.uint8): {"uchar", "unsigned char", "uint8", "uint8_t"},
    np.dtype(np.int16): {"short", "short int", "signed short", "signed short int", "int16", "int16_t"},
    np.dtype(np.uint16): {"ushort", "unsigned short", "unsigned short int", "uint16", "uint16_t"},
    np.dtype(np.int32): {"int", "signed int", "int32", "int32_t"},
    np.dtype(np.uint32): {"uint", "unsigned int", "uint32", "uint32_t"},
    np.dtype(np.int64): {"longlong", "long long", "long long int", "signed long long",
                         "signed long long int", "int64", "int64_t"},
    np.dtype(np.uint64): {"ulonglong", "unsigned long long", "unsigned long long int", "uint64",
                          "uint64_t"},
    np.dtype(np.float32): {"float"},
    np.dtype(np.float64): {"double"},
}


def _nrrd_layout(header: ImageHeader) -> DirectLayout | None:
    fields = rawheader.nrrd_fields(rawheader.text_header(header.path))
    if fields.get("type", "").lower() not in _NRRD_TYPES.get(header.component_dtype, ()):
        return None
    # Scalar voxels on domain axes only: vector, complex or other kinds go through SimpleITK.
    kinds = fields.get("kinds", "").lower().split()
    if header.components != 1 or any(kind not in ("domain", "space", "time") for kind in kinds):
        return None
    endian = fields.get("endian", "little").lower()
    return _raw(header, "NrrdImageIO", ">" if endian == "big" else "<")


def _raw(header: ImageHeader, io_name: str, byte_order: str) -> DirectLayout | None:
    total = header.volume_bytes * header.time_steps
    layout = datalayout.data_layout(header.path, io_name, total)
    if layout is None or layout.problem is not None or layout.compression is not None:
        return None
    dtype = header.component_dtype.newbyteorder(byte_order)
    return DirectLayout(layout.path, layout.offset, dtype, header.components, header.volume_bytes, False)


def read_volume(header: ImageHeader, layout: DirectLayout, step: int) -> np.ndarray:
    """Volume ``step``, read into a new (z, y, x[, c]) array in native byte order."""
    nx, ny, nz = header.volume_size
    shape = (nz, ny, nx) + ((layout.components,) if layout.components > 1 else ())
    out = np.empty(shape, dtype=layout.dtype.newbyteorder("="))
    target = memoryview(out.reshape(-1).view(np.uint8))
    start = layout.offset + step * layout.volume_bytes
    filled = 0
    try:
        if layout.compressed:
            filled = inflate_into(layout.path, start, target)
        else:
            with open(layout.path, "rb") as stream:
                stream.seek(start)
                while filled < layout.volume_bytes:
                    count = stream.readinto(target[filled:])
                    if not count:
                        break
                    filled += count
    except OSError as error:
        raise ReadError(header.path, f"cannot read the voxels ({error})") from None
    if filled < layout.volume_bytes:
        raise ReadError(
            header.path,
            f"the file is truncated: {layout.volume_bytes} bytes of voxels expected, {filled} found",
        )
    if not layout.dtype.isnative:
        out.byteswap(inplace=True)
    return out


def read_box(header: ImageHeader, layout: DirectLayout, start, size, step: int) -> np.ndarray:
    """Voxels ``start .. start + size`` (x, y, z) of volume ``step`` of an uncompressed file,
    as a new (z, y, x[, c]) array, through a memory map."""
    nx, ny, nz = header.volume_size
    shape = (nz, ny, nx) + ((layout.components,) if layout.components > 1 else ())
    try:
        volume = np.memmap(layout.path, dtype=layout.dtype, mode="r",
                           offset=layout.offset + step * layout.volume_bytes, shape=shape)
    except (OSError, ValueError) as error:
        raise ReadError(header.path, f"cannot read the voxels ({error})") from None
    (x0, y0, z0), (sx, sy, sz) = start, size
    box = np.array(volume[z0 : z0 + sz, y0 : y0 + sy, x0 : x0 + sx], dtype=layout.dtype.newbyteorder("="))
    del volume  # unmaps the file
    return box
