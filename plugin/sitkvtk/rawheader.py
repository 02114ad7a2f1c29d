"""What a file's own header says, parsed without SimpleITK.

SimpleITK's readers trust their headers: some crash or hang on hostile values, and
some fields they read are not applied or not reported. The checks (validate.py) and
the reports (fidelity.py) need the header as written: the NIfTI-1 / Analyze binary
header, the MetaImage and NRRD text headers, and the gzip streams around voxels.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from dataclasses import dataclass

# NIfTI datatype code -> bytes per voxel (all components), as niftilib sizes them.
NIFTI_DATATYPE_BYTES = {
    2: 1,
    4: 2,
    8: 4,
    16: 4,
    32: 8,
    64: 8,
    128: 3,
    256: 1,
    512: 2,
    768: 4,
    1024: 8,
    1280: 8,
    1536: 16,
    1792: 16,
    2048: 32,
    2304: 4,
}
NIFTI_DATATYPE_NAMES = {
    2: "uint8",
    4: "int16",
    8: "int32",
    16: "float32",
    32: "complex64",
    64: "float64",
    128: "RGB24",
    256: "int8",
    512: "uint16",
    768: "uint32",
    1024: "int64",
    1280: "uint64",
    1536: "float128",
    1792: "complex128",
    2048: "complex256",
    2304: "RGBA32",
}
#: Float datatypes, whose non-finite values niftilib replaces with 0 on reading.
NIFTI_FLOAT_TYPES = {16: "float32", 32: "complex64", 64: "float64", 1792: "complex128"}

_TEXT_HEADER_LIMIT = 1 << 16


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
        per_voxel = NIFTI_DATATYPE_BYTES.get(self.datatype)
        if per_voxel is None or not 1 <= self.ndim <= 7:
            return None
        return math.prod(max(d, 1) for d in self.dim[1 : self.ndim + 1]) * per_voxel


def read_nifti_header(path: str) -> NiftiHeader | None:
    """The header of a .nii, .nii.gz, .hdr or .hdr.gz file; None if it is not NIfTI-1 / Analyze."""
    try:
        with (gzip.open if path.lower().endswith(".gz") else open)(path, "rb") as stream:
            raw = stream.read(348)
    except (OSError, EOFError, zlib.error):
        return None
    if len(raw) < 348:
        return None
    magic = raw[344:347] in (b"n+1", b"ni1")
    for endian in ("<", ">"):
        # niftilib decides the byte order by dim[0] (1..7 when read right), not sizeof_hdr.
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


def text_header(path: str, limit: int = _TEXT_HEADER_LIMIT) -> str:
    with open(path, "rb") as stream:
        return stream.read(limit).decode("latin-1")


def metaimage_fields(text: str) -> dict[str, str]:
    """``Key = Value`` lines up to ElementDataFile (the last header line)."""
    fields = {}
    for line in text.splitlines():
        key, equals, value = line.partition("=")
        if equals:
            fields[key.strip()] = value.strip()
            if key.strip() == "ElementDataFile":
                break
    return fields


def nrrd_fields(text: str) -> dict[str, str]:
    """``field: value`` lines (lower-case names) up to the first blank line; not ``key:=value``."""
    fields = {}
    for line in text.splitlines()[1:]:
        if not line.strip():
            break
        if line.startswith("#") or ":=" in line:
            continue
        key, colon, value = line.partition(":")
        if colon:
            fields[key.strip().lower()] = value.strip()
    return fields


def inflate_count(path: str, chunk: int = 1 << 20) -> tuple[int, bool]:
    """(bytes a gzip file inflates to, whether its last stream ends intact). Counts and
    drops the output: memory stays at one chunk whatever the file claims."""
    total, intact = 0, False
    inflater = zlib.decompressobj(31)
    try:
        with open(path, "rb") as stream:
            data = stream.read(chunk)
            while data:
                while data:
                    total += len(inflater.decompress(data, chunk))
                    data = inflater.unconsumed_tail
                    if inflater.eof:  # the next gzip member, if any
                        intact, data = True, inflater.unused_data + data
                        inflater = zlib.decompressobj(31)
                    elif data:
                        intact = False
                more = stream.read(chunk)
                if more:
                    intact = False
                data = more
    except (OSError, zlib.error):
        pass
    return total, intact


def gzip_size(path: str) -> int | None:
    """Uncompressed size (mod 2**32) from a gzip file's trailer, or None if not gzip."""
    try:
        with open(path, "rb") as stream:
            if stream.read(2) != b"\x1f\x8b":
                return None
            stream.seek(-4, os.SEEK_END)
            return struct.unpack("<I", stream.read(4))[0]
    except OSError:
        return None
