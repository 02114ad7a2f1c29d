"""The other formats SimpleITK reads: GIPL, VTK legacy, BMP, TIFF/LSM, JPEG, and the rest.

SimpleITK reads several of these cut short without an error, returning zeros or garbage
where the voxels are missing (GIPL, VTK legacy, TIFF, BMP, JPEG in 2.5). For each, the byte
range the voxels need is worked out from the file's own header so that the checks before
reading (:func:`sitkvtk.sources.checks.check_data_fits`) can refuse a short file.
Formats with nothing to add are listed for their extensions only.
"""

from __future__ import annotations

import os
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


_TIFF_TYPE_BYTES = {
    1: 1,
    2: 1,
    3: 2,
    4: 4,
    5: 8,
    6: 1,
    7: 1,
    8: 2,
    9: 4,
    10: 8,
    11: 4,
    12: 8,
    13: 4,
    16: 8,
    17: 8,
    18: 8,
}
_TIFF_LIST_FORMATS = {3: "H", 4: "I", 16: "Q"}
_TIFF_STRIPS = {273: 279, 324: 325}  # strip / tile offsets -> their byte counts


def _tiff_layout(path: str, expected: int) -> DataLayout:
    """Every image directory, every value it points to, and every strip or tile must lie in
    the file (read by seeking: a TIFF may be large)."""
    size = os.path.getsize(path)
    with open(path, "rb") as stream:

        def read(offset: int, fmt: str):
            stream.seek(offset)
            raw = stream.read(struct.calcsize(fmt))
            return struct.unpack(fmt, raw) if len(raw) == struct.calcsize(fmt) else None

        endian = {b"II": "<", b"MM": ">"}.get(stream.read(2))
        if endian is None:
            return DataLayout(path, 0, None, 0, "not a TIFF file")
        big = read(2, endian + "H") == (43,)
        entry, count_fmt, word = (20, "Q", "Q") if big else (12, "H", "I")
        word_size = struct.calcsize(word)
        ifd, seen, needed = read(8 if big else 4, endian + word)[0], set(), 0
        while ifd:
            if ifd in seen or len(seen) > 1_000_000:
                return DataLayout(path, 0, None, 0, "its image directories loop")
            seen.add(ifd)
            count = read(ifd, endian + count_fmt)
            first = ifd + struct.calcsize(count_fmt)
            if count is None or first + count[0] * entry + word_size > size:
                return _cut(path, f"an image directory at byte {ifd} runs past its end")
            lists = {}
            for k in range(count[0]):
                at = first + k * entry
                tag, kind, number = read(at, endian + "HH" + word)
                value_bytes = _TIFF_TYPE_BYTES.get(kind, 1) * number
                where = at + 4 + word_size
                if value_bytes > word_size:
                    where = read(where, endian + word)[0]
                    if where + value_bytes > size:
                        return _cut(path, f"the values of TIFF tag {tag} lie past its end")
                if kind in _TIFF_LIST_FORMATS and (
                    tag in _TIFF_STRIPS or tag in _TIFF_STRIPS.values()
                ):
                    lists[tag] = read(where, endian + _TIFF_LIST_FORMATS[kind] * number)
            for offsets, counts in _TIFF_STRIPS.items():
                for start, length in zip(lists.get(offsets) or (), lists.get(counts) or ()):
                    needed = max(needed, start + length)
            ifd = read(first + count[0] * entry, endian + word)[0]
    return DataLayout(path, 0, None, needed)


def _cut(path: str, what: str) -> DataLayout:
    return DataLayout(path, 0, None, 0, f"the file is truncated: {what}")


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
    FormatHooks(io_names=("TIFFImageIO",), extensions=("tif", "tiff"), data_layout=_tiff_layout),
    FormatHooks(io_names=("PNGImageIO",), extensions=("png",)),
    FormatHooks(io_names=("JPEGImageIO",), extensions=("jpg", "jpeg"), data_layout=_jpeg_layout),
    FormatHooks(io_names=("BMPImageIO",), extensions=("bmp",), data_layout=_bmp_layout),
    FormatHooks(io_names=("VTKImageIO",), extensions=("vtk",), data_layout=_vtk_layout),
    FormatHooks(io_names=("LSMImageIO",), extensions=("lsm",), data_layout=_tiff_layout),
    FormatHooks(io_names=("BioRadImageIO",), extensions=("pic",)),
    FormatHooks(io_names=("HDF5ImageIO",), extensions=("hdf5", "h5", "hdf", "he5")),
    FormatHooks(io_names=("StimulateImageIO",), extensions=("spr",)),
    FormatHooks(io_names=("JPEG2000ImageIO",), extensions=("j2k", "jp2")),
)
