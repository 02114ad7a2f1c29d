"""Where a NIfTI file keeps voxels that need no conversion (for :mod:`sitkvtk.direct`).

SimpleITK's NIfTI reader decodes a whole file into niftilib's own buffer and then
copies it into the ITK image, so a whole read peaks at twice the image. For the
plain case -- one scalar or RGB(A) pixel per voxel, no intensity scaling, a pixel
type SimpleITK itself reports -- the voxels on disk are exactly the voxels SimpleITK
would return, and are read directly. Anything else goes through SimpleITK.
"""

from __future__ import annotations

import gzip
import math
import struct

import numpy as np

from .direct import DirectLayout
from .header import ImageHeader

_DTYPES = {  # NIfTI datatype code -> (numpy type, components)
    2: (np.uint8, 1), 4: (np.int16, 1), 8: (np.int32, 1), 16: (np.float32, 1),
    64: (np.float64, 1), 256: (np.int8, 1), 512: (np.uint16, 1), 768: (np.uint32, 1),
    1024: (np.int64, 1), 1280: (np.uint64, 1), 128: (np.uint8, 3), 2304: (np.uint8, 4),
}


def plain_layout(header: ImageHeader) -> DirectLayout | None:
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
    return DirectLayout(path, offset, np.dtype(dtype).newbyteorder(endian), components, volume_bytes,
                        compressed)


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
