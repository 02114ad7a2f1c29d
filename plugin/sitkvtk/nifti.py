"""NIfTI voxels read straight into one preallocated image.

SimpleITK's NIfTI reader decodes a whole file into niftilib's own buffer and then
copies it into the ITK image, so a whole read peaks at twice the image. For the
plain case -- one scalar or RGB(A) pixel per voxel, no intensity scaling, a pixel
type SimpleITK itself reports -- the voxels on disk are exactly the voxels SimpleITK
would return, so they are read (or inflated, for .nii.gz) into the image's buffer
directly. Anything else goes through SimpleITK.
"""

from __future__ import annotations

import gzip
import math
import struct
from dataclasses import dataclass

import numpy as np

from .errors import ReadError
from .inflate import inflate_into
from .header import ImageHeader

_DTYPES = {  # NIfTI datatype code -> (numpy type, components)
    2: (np.uint8, 1), 4: (np.int16, 1), 8: (np.int32, 1), 16: (np.float32, 1),
    64: (np.float64, 1), 256: (np.int8, 1), 512: (np.uint16, 1), 768: (np.uint32, 1),
    1024: (np.int64, 1), 1280: (np.uint64, 1), 128: (np.uint8, 3), 2304: (np.uint8, 4),
}


@dataclass(frozen=True)
class PlainLayout:
    offset: int  # byte offset of the first voxel
    dtype: np.dtype  # with the file's byte order
    components: int
    volume_bytes: int
    compressed: bool


def plain_layout(header: ImageHeader) -> PlainLayout | None:
    """The layout of a .nii / .nii.gz file whose voxels need no conversion, else None."""
    path = header.path
    lower = path.lower()
    if header.io_name != "NiftiImageIO" or not lower.endswith((".nii", ".nii.gz")):
        return None
    compressed = lower.endswith(".gz")
    try:
        with (gzip.open if compressed else open)(path, "rb") as stream:
            raw = stream.read(540)
    except (OSError, EOFError):
        return None
    fields = _parse(raw)
    if fields is None:
        return None
    dims, code, _bitpix, offset, slope, inter, endian = fields
    if code not in _DTYPES or any(d != 1 for d in dims[4:]):
        return None
    if not (slope in (0.0, 1.0) and inter == 0.0):
        return None  # scaled: SimpleITK turns it to float
    dtype, components = _DTYPES[code]
    if np.dtype(dtype) != header.component_dtype or components != header.components:
        return None
    volume = list(dims[:3]) + [1] * (3 - len(dims[:3]))
    if tuple(volume) != tuple(header.volume_size) or dims[3:4] not in ([], [header.time_steps]):
        return None
    volume_bytes = math.prod(volume) * np.dtype(dtype).itemsize * components
    return PlainLayout(offset, np.dtype(dtype).newbyteorder(endian), components, volume_bytes, compressed)


def _parse(raw: bytes):
    """(dims, datatype, bitpix, vox_offset, scl_slope, scl_inter, endian) of a NIfTI-1
    (or Analyze 7.5) header; None for anything else (SimpleITK 2.5 reads no NIfTI-2)."""
    if len(raw) < 348:
        return None
    for endian in ("<", ">"):
        if struct.unpack(endian + "i", raw[:4])[0] == 348:
            dim = struct.unpack(endian + "8h", raw[40:56])
            code, bitpix = struct.unpack(endian + "2h", raw[70:74])
            offset, slope, inter = struct.unpack(endian + "3f", raw[108:120])
            break
    else:
        return None
    ndim = dim[0]
    if not 1 <= ndim <= 7 or not math.isfinite(offset) or offset < 0:
        return None
    # niftilib treats a non-finite scale as no scaling
    slope = slope if math.isfinite(slope) else 0.0
    inter = inter if math.isfinite(inter) else 0.0
    return [int(d) for d in dim[1 : ndim + 1]], code, int(bitpix), int(offset), slope, inter, endian


def stored_bytes(path: str) -> int | None:
    """Bytes of voxel data the header of a .nii/.nii.gz/.hdr file describes on disk.

    Not what SimpleITK returns: a scaled int16 file holds 2 bytes per voxel and reads as float32.
    """
    try:
        with (gzip.open if path.lower().endswith(".gz") else open)(path, "rb") as stream:
            fields = _parse(stream.read(348))
    except (OSError, EOFError):
        return None
    if fields is None or fields[2] <= 0:
        return None
    dims, bitpix = fields[0], fields[2]
    return math.prod(max(d, 1) for d in dims) * bitpix // 8


def read_volume(header: ImageHeader, layout: PlainLayout, step: int, out: np.ndarray) -> None:
    """Fill ``out`` (the image's own buffer) with volume ``step``."""
    target = memoryview(out.reshape(-1).view(np.uint8))
    if target.nbytes != layout.volume_bytes:
        raise ValueError("output buffer does not match the volume")
    start = layout.offset + step * layout.volume_bytes
    filled = 0
    try:
        if layout.compressed:
            filled = inflate_into(header.path, start, target)
        else:
            with open(header.path, "rb") as stream:
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


def read_box(header: ImageHeader, layout: PlainLayout, start, size, step: int) -> np.ndarray:
    """Voxels ``start .. start + size`` (x, y, z) of volume ``step`` of an uncompressed file.

    Through a memory map: only the pages of the box are read (SimpleITK's own streamed
    NIfTI read of one slice costs several times more).
    """
    nx, ny, nz = header.volume_size
    shape = (nz, ny, nx) + ((layout.components,) if layout.components > 1 else ())
    try:
        volume = np.memmap(header.path, dtype=layout.dtype, mode="r",
                           offset=layout.offset + step * layout.volume_bytes, shape=shape)
    except (OSError, ValueError) as error:
        raise ReadError(header.path, f"cannot read the voxels ({error})") from None
    (x0, y0, z0), (sx, sy, sz) = start, size
    box = np.array(volume[z0 : z0 + sz, y0 : y0 + sy, x0 : x0 + sx], dtype=layout.dtype.newbyteorder("="))
    del volume  # unmaps the file
    return box
