"""Where each format keeps its voxels, and whether the file is long enough to hold them.

SimpleITK reads several formats cut short without an error, returning zeros or garbage
where the voxels are missing (NIfTI, MRC, GIPL, VTK legacy, TIFF, BMP, JPEG in 2.5).
For each, the byte range the voxels need is worked out from the file's own header and
compared with the file (validate.check_data_fits); MetaImage and NRRD refuse short
files themselves but are checked too, before any allocation.
"""

from __future__ import annotations

import math
import os
import re
import struct
from dataclasses import dataclass

from .rawheader import metaimage_fields, nrrd_fields, read_nifti_header, text_header


@dataclass(frozen=True)
class DataLayout:
    """Where a file keeps its voxels."""

    path: str  # the file that holds them (the header's own file, or a detached one)
    offset: int  # byte offset of the first voxel (in the inflated stream if compressed)
    compression: str | None  # None, "gzip" (gzip or zlib deflate)
    stored_bytes: int | None = None  # bytes of voxels on disk, where the header says
    problem: str | None = None  # a structural defect found on the way (the file is refused)


def data_layout(path: str, io_name: str, expected: int) -> DataLayout | None:
    """Where ``path`` keeps its voxels (``expected`` bytes of them in memory); None where
    not known (formats whose readers check for themselves, or that this does not parse)."""
    parse = _LAYOUTS.get(io_name)
    if parse is None:
        return None
    try:
        return parse(path, expected)
    except (OSError, ValueError, struct.error):
        return None


def nifti_data_file(path: str) -> str | None:
    """The .img file of a .hdr: the same compression first, as niftilib looks for it."""
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


def _nifti_layout(path: str, expected: int) -> DataLayout | None:
    header = read_nifti_header(path)
    data_file = nifti_data_file(path)
    if header is None or data_file is None:
        return None
    offset = header.vox_offset if data_file == path else 0
    offset = int(offset) if math.isfinite(offset) and offset > 0 else 0
    compression = "gzip" if data_file.lower().endswith(".gz") else None
    return DataLayout(data_file, offset, compression, header.stored_bytes())


def _metaimage_layout(path: str, expected: int) -> DataLayout | None:
    text = text_header(path)
    fields = metaimage_fields(text)
    compressed = fields.get("CompressedData", "False").lower() == "true"
    compression = "gzip" if compressed else None
    data_file = fields.get("ElementDataFile", "")
    if data_file == "LOCAL":
        match = re.search(r"^[ \t]*ElementDataFile[ \t]*=.*?\n", text, re.MULTILINE)
        return DataLayout(path, match.end() if match else 0, compression)
    if not data_file or " " in data_file or data_file.upper().startswith("LIST"):
        return None  # a list or pattern of slice files: not checked here
    skip = _int(fields.get("HeaderSize", "0"))
    return DataLayout(os.path.join(os.path.dirname(path), data_file), max(skip, 0), compression)


def _nrrd_layout(path: str, expected: int) -> DataLayout | None:
    text = text_header(path)
    fields = nrrd_fields(text)
    compression = {"raw": None, "gzip": "gzip", "gz": "gzip"}.get(
        fields.get("encoding", "raw").lower(), "other"
    )
    if compression == "other":
        return None  # text, hex and bzip2 encodings: sizes not checked here
    data_file = fields.get("data file", fields.get("datafile"))
    if data_file is None:
        blank = re.search(r"\r?\n\r?\n", text)
        return DataLayout(path, blank.end(), compression) if blank else None
    if data_file.upper().startswith("LIST") or "%" in data_file or " " in data_file:
        return None  # one file per slice: not checked here
    skip = _int(fields.get("byte skip", "0"))  # -1: the data are the last bytes
    return DataLayout(os.path.join(os.path.dirname(path), data_file), max(skip, 0), compression)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def _mrc_layout(path: str, expected: int) -> DataLayout:
    # 1024-byte header, then nsymbt bytes of extended header, then the voxels.
    with open(path, "rb") as stream:
        raw = stream.read(1024)
    endian = ">" if raw[212:213] == b"\x11" else "<"  # the machine stamp
    extended = struct.unpack_from(endian + "i", raw, 92)[0]
    return DataLayout(path, 1024 + max(extended, 0), None, expected)


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


_LAYOUTS = {
    "NiftiImageIO": _nifti_layout,
    "MetaImageIO": _metaimage_layout,
    "NrrdImageIO": _nrrd_layout,
    "MRCImageIO": _mrc_layout,
    "GiplImageIO": _gipl_layout,
    "VTKImageIO": _vtk_layout,
    "BMPImageIO": _bmp_layout,
    "TIFFImageIO": _tiff_layout,
    "LSMImageIO": _tiff_layout,
    "JPEGImageIO": _jpeg_layout,
}
