"""The NIfTI-1 / Analyze 7.5 header as written, parsed without SimpleITK, and its tables."""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from dataclasses import dataclass

# NIfTI datatype code -> bytes per voxel (all components), as niftilib sizes them.
DATATYPE_BYTES = {
    2: 1, 4: 2, 8: 4, 16: 4, 32: 8, 64: 8, 128: 3, 256: 1, 512: 2, 768: 4, 1024: 8,
    1280: 8, 1536: 16, 1792: 16, 2048: 32, 2304: 4,
}
DATATYPE_NAMES = {
    2: "uint8", 4: "int16", 8: "int32", 16: "float32", 32: "complex64", 64: "float64",
    128: "RGB24", 256: "int8", 512: "uint16", 768: "uint32", 1024: "int64", 1280: "uint64",
    1536: "float128", 1792: "complex128", 2048: "complex256", 2304: "RGBA32",
}
#: Float datatypes, whose non-finite values niftilib replaces with 0 on reading.
FLOAT_TYPES = {16: "float32", 32: "complex64", 64: "float64", 1792: "complex128"}


@dataclass(frozen=True)
class NiftiHeader:
    """The fields of a NIfTI-1 (or Analyze 7.5) header that matter here."""

    endian: str  # "<" or ">"
    is_nifti: bool  # magic "n+1" / "ni1"; False for Analyze 7.5
    dim: tuple[int, ...]  # dim[0..7]
    intent: tuple[float, float, float]
    intent_code: int
    intent_name: str
    datatype: int
    bitpix: int
    pixdim: tuple[float, ...]  # pixdim[0..7]; pixdim[0] is qfac
    vox_offset: float
    scl_slope: float
    scl_inter: float
    xyzt_units: int
    qform_code: int
    sform_code: int
    quatern: tuple[float, float, float]
    qoffset: tuple[float, float, float]
    srow: tuple[float, ...]  # 12 values: srow_x, srow_y, srow_z

    @property
    def ndim(self) -> int:
        return self.dim[0]

    @property
    def scaled(self) -> bool:
        """Whether niftilib applies scl_slope / scl_inter (a finite, non-zero slope)."""
        slope, inter = self.scl_slope, self.scl_inter
        if not math.isfinite(slope) or slope == 0.0:
            return False
        return slope != 1.0 or (math.isfinite(inter) and inter != 0.0)

    def stored_bytes(self) -> int | None:
        """Bytes of voxels on disk: dims x the datatype's size (not what SimpleITK returns,
        which may be wider: a scaled int16 file reads as float32)."""
        per_voxel = DATATYPE_BYTES.get(self.datatype)
        if per_voxel is None or not 1 <= self.ndim <= 7:
            return None
        return math.prod(max(d, 1) for d in self.dim[1 : self.ndim + 1]) * per_voxel


_PARSED: dict[str, tuple] = {}  # path -> (size, mtime, inode, header): one parse per version of a file
_PARSED_LIMIT = 64


def read_nifti_header(path: str) -> NiftiHeader | None:
    """The header of a .nii, .nii.gz, .hdr or .hdr.gz file; None if it is not NIfTI-1 / Analyze.

    The byte order is decided as niftilib decides it: by dim[0] (1..7 when read right).
    Opening a file asks for its header several times (checks, geometry, notes, layout): it is
    parsed once while the file's size, modification time and inode stay the same.
    """
    try:
        status = os.stat(path)
    except OSError:
        return None
    stamp = (status.st_size, status.st_mtime_ns, status.st_ino)
    cached = _PARSED.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    header = _parse(path)
    if len(_PARSED) >= _PARSED_LIMIT:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[path] = (stamp, header)
    return header


def _parse(path: str) -> NiftiHeader | None:
    try:
        with (gzip.open if path.lower().endswith(".gz") else open)(path, "rb") as stream:
            raw = stream.read(348)
    except (OSError, EOFError, zlib.error):
        return None
    if len(raw) < 348:
        return None
    magic = raw[344:347] in (b"n+1", b"ni1")
    for endian in ("<", ">"):
        if 1 <= struct.unpack_from(endian + "h", raw, 40)[0] <= 7:
            break
    else:
        endian = "<" if struct.unpack("<i", raw[:4])[0] == 348 else ">"
    if struct.unpack(endian + "i", raw[:4])[0] != 348 and not magic:
        return None

    def values(fmt: str, offset: int):
        return struct.unpack_from(endian + fmt, raw, offset)

    return NiftiHeader(
        endian=endian,
        is_nifti=magic,
        dim=values("8h", 40),
        intent=values("3f", 56),
        intent_code=values("h", 68)[0],
        intent_name=raw[328:344].split(b"\0", 1)[0].decode("latin-1"),
        datatype=values("h", 70)[0],
        bitpix=values("h", 72)[0],
        pixdim=values("8f", 76),
        vox_offset=values("f", 108)[0],
        scl_slope=values("f", 112)[0],
        scl_inter=values("f", 116)[0],
        xyzt_units=raw[123],
        qform_code=values("h", 252)[0],
        sform_code=values("h", 254)[0],
        quatern=values("3f", 256),
        qoffset=values("3f", 268),
        srow=values("12f", 280),
    )


def data_file(path: str) -> str | None:
    """The file holding the voxels: the file itself, or the .img of a .hdr (the same
    compression first, as niftilib looks for it)."""
    lower = path.lower()
    if lower.endswith((".nii", ".nii.gz")):
        return path
    if not lower.endswith((".hdr", ".hdr.gz")):
        return None
    compressed = lower.endswith(".gz")
    base = path[: -len(".hdr.gz")] if compressed else path[: -len(".hdr")]
    plain = [base + ".img", base + ".IMG"]
    packed = [base + ".img.gz", base + ".IMG.gz"]
    for candidate in (packed + plain) if compressed else (plain + packed):
        if os.path.exists(candidate):
            return candidate
    return None
