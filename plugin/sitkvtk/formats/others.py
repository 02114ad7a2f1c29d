"""The other formats SimpleITK reads: GIPL, VTK legacy, BMP, JPEG, and the rest (TIFF and
LSM are in :mod:`.tiff`).

SimpleITK reads several of these cut short without an error, returning zeros or garbage
where the voxels are missing (GIPL, VTK legacy, BMP, JPEG in 2.5). For each, the byte
range the voxels need is worked out from the file's own header so that the checks before
reading (:func:`sitkvtk.sources.checks.check_data_fits`) can refuse a short file.
Formats with nothing to add are listed for their extensions only.
"""

from __future__ import annotations

import re
import struct

from .hooks import DataLayout, FormatHooks
from .rawio import text_header


def _gipl_layout(path: str, expected: int) -> DataLayout:
    # 256-byte header, then the voxels; .gipl.gz is the same inside gzip.
    compression = "gzip" if path.lower().endswith(".gz") else None
    return DataLayout(path, 256, compression, expected)


def _vtk_layout(path: str, expected: int) -> DataLayout | None:
    text = text_header(path, 4096)
    lines = text.split("\n", 4)
    if len(lines) < 4 or lines[2].strip().upper() != "BINARY":
        return None  # ASCII: the reader parses numbers and counts them itself
    # The voxels follow the first attribute after POINT_DATA (and its LOOKUP_TABLE line).
    point_data = text.upper().find("POINT_DATA")
    attribute = re.compile(
        r"^(SCALARS|COLOR_SCALARS|VECTORS|NORMALS|TENSORS)\b[^\n]*\n", re.M | re.I
    )
    match = attribute.search(text, point_data) if point_data >= 0 else None
    if match is None:
        return None
    end = match.end()
    table = re.compile(r"LOOKUP_TABLE[^\n]*\n", re.I).match(text, end)
    if match.group(1).upper() == "SCALARS" and table is not None:
        end = table.end()
    return DataLayout(path, end, None, expected)


def _bmp_layout(path: str, expected: int) -> DataLayout | None:
    with open(path, "rb") as stream:
        raw = stream.read(54)
    offset, _, width, height, _, bits, compression = struct.unpack_from("<IIiiHHI", raw, 10)
    if compression not in (0, 3) or bits not in (1, 4, 8, 16, 24, 32):
        return None  # run-length coded: no fixed size
    row = (abs(width) * bits + 31) // 32 * 4  # rows pad to 4 bytes
    return DataLayout(path, offset, None, row * abs(height))


def _jpeg_layout(path: str, expected: int) -> DataLayout | None:
    with open(path, "rb") as stream:
        data = stream.read()
    # Entropy-coded data stuff every 0xFF with 0x00: an end-of-image marker after the last
    # start-of-scan is the real end, and a file cut short has none.
    if data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda"):
        return DataLayout(path, 0, None, 0, "the file is truncated: its last scan has no end")
    return None


HOOKS = (
    FormatHooks(io_names=("GiplImageIO",), extensions=("gipl", "gipl.gz"), data_layout=_gipl_layout),
    # DICOM's own knowledge (series, slices, GDCM) lives in sitkvtk.dicom.
    FormatHooks(io_names=("GDCMImageIO",), extensions=("dcm", "dicom")),
    FormatHooks(io_names=("PNGImageIO",), extensions=("png",)),
    FormatHooks(io_names=("JPEGImageIO",), extensions=("jpg", "jpeg"), data_layout=_jpeg_layout),
    FormatHooks(io_names=("BMPImageIO",), extensions=("bmp",), data_layout=_bmp_layout),
    FormatHooks(io_names=("VTKImageIO",), extensions=("vtk",), data_layout=_vtk_layout),
    FormatHooks(io_names=("BioRadImageIO",), extensions=("pic",)),
    FormatHooks(io_names=("HDF5ImageIO",), extensions=("hdf5", "h5", "hdf", "he5")),
    FormatHooks(io_names=("StimulateImageIO",), extensions=("spr",)),
    FormatHooks(io_names=("JPEG2000ImageIO",), extensions=("j2k", "jp2")),
)
