"""Checks made on a header before any voxel is read.

A header can promise anything; SimpleITK believes it, allocates what it says and, for
some formats (NIfTI), fills what the file lacks with garbage without an error. These
checks refuse such files with the reason, before memory is allocated.
"""

from __future__ import annotations

import gzip
import math
import os
import re
import struct

import numpy as np

from . import nifti
from .errors import ReadError
from .header import ImageHeader

# Deflate cannot expand data by more than about 1032:1; a gzip/zlib file that would
# have to expand more than this is lying about its size.
_DEFLATE_MAX_RATIO = 1100


def check_header(header: ImageHeader) -> None:
    """Raise :class:`ReadError` if the header cannot describe a readable image."""
    path = header.path
    if any(s <= 0 for s in header.size):
        raise ReadError(path, f"the header gives an empty size {header.size}")
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

    Exact for uncompressed NIfTI, Analyze, MetaImage and NRRD; a deflate bound for
    gzip-compressed files; for every file, the image must fit in available memory.
    """
    path = header.path
    voxels = math.prod(header.size)
    expected = voxels * header.voxel_bytes
    available = _available_memory()
    if available is not None and expected > available:
        raise ReadError(
            path,
            f"the header promises {_human(expected)} of voxels ({'x'.join(map(str, header.size))}), "
            f"more than the {_human(available)} of memory available",
        )
    layout = _data_layout(header)
    if layout is None:
        return
    data_path, offset, compression = layout
    if header.io_name == "NiftiImageIO":
        # On disk, not in memory: SimpleITK may widen (scaled integers read as float).
        stored_voxels = nifti.stored_bytes(path)
        if stored_voxels is not None:
            expected = stored_voxels
    try:
        stored = os.path.getsize(data_path)
    except OSError:
        raise ReadError(path, f"its data file {data_path} is missing") from None
    if compression is None:
        if stored - offset < expected:
            raise ReadError(
                path,
                f"the file is truncated: the header promises {expected} bytes of voxels, "
                f"the file holds {max(stored - offset, 0)}",
            )
    elif compression == "gzip":
        if expected > _DEFLATE_MAX_RATIO * stored + (1 << 20):
            raise ReadError(
                path,
                f"the header promises {_human(expected)} of voxels, more than "
                f"{_human(stored)} of compressed data can hold",
            )
        inflated = _gzip_size(data_path)
        if inflated is not None and offset + expected < 2**32 and inflated < offset + expected:
            raise ReadError(
                path,
                f"the file is truncated: the header promises {expected} bytes of voxels, "
                f"the compressed data holds {max(inflated - offset, 0)}",
            )


def _data_layout(header: ImageHeader):
    """(data file, byte offset of the voxels, compression) where known, else None."""
    path = header.path
    lower = path.lower()
    io = header.io_name
    if io == "NiftiImageIO":
        if lower.endswith((".hdr", ".hdr.gz")):
            base = path[: -len(".hdr.gz")] if lower.endswith(".gz") else path[:-4]
            for ext in (".img", ".img.gz", ".IMG"):
                if os.path.exists(base + ext):
                    return base + ext, 0, "gzip" if ext.endswith(".gz") else None
            return None
        if lower.endswith(".nii"):
            return path, _nifti_vox_offset(path), None
        if lower.endswith(".nii.gz"):
            return path, _nifti_vox_offset(path), "gzip"
        return None
    if io == "MetaImageIO":
        return _metaimage_layout(path, header)
    if io == "NrrdImageIO":
        return _nrrd_layout(path)
    return None


def _nifti_vox_offset(path: str) -> int:
    opener = gzip.open if path.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            raw = stream.read(352)
    except (OSError, EOFError):
        return 0
    if len(raw) < 112:
        return 0
    sizeof_hdr = struct.unpack("<i", raw[:4])[0]
    endian = "<" if sizeof_hdr in (348, 540) else ">"
    if struct.unpack(endian + "i", raw[:4])[0] == 540:  # NIfTI-2: int64 at byte 168
        return int(struct.unpack(endian + "q", raw[168:176])[0]) if len(raw) >= 176 else 0
    value = struct.unpack(endian + "f", raw[108:112])[0]
    return int(value) if math.isfinite(value) and value > 0 else 0


def _text_header(path: str, limit: int = 65536) -> str:
    with open(path, "rb") as stream:
        return stream.read(limit).decode("latin-1")


def _metaimage_layout(path: str, header: ImageHeader):
    text = _text_header(path)
    fields = dict(re.findall(r"^\s*(\w+)\s*=\s*(.*?)\s*$", text, re.MULTILINE))
    if fields.get("CompressedData", "False").lower() == "true":
        compression = "gzip"
    else:
        compression = None
    data_file = fields.get("ElementDataFile", "")
    if data_file == "LOCAL":
        match = re.search(r"^\s*ElementDataFile\s*=.*?\n", text, re.MULTILINE)
        offset = match.end() if match else 0
        return path, offset, compression
    if not data_file or " " in data_file or data_file.upper().startswith("LIST"):
        return None  # a list or pattern of slice files: not checked here
    data_path = os.path.join(os.path.dirname(path), data_file)
    offset = int(fields.get("HeaderSize", "0") or 0) if fields.get("HeaderSize", "0") != "-1" else 0
    return data_path, offset, compression


def _nrrd_layout(path: str):
    text = _text_header(path)
    fields = {}
    for line in text.splitlines():
        if not line.strip():
            break
        if ":" in line and not line.startswith("#") and ":=" not in line:
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
    encoding = fields.get("encoding", "raw").lower()
    compression = {"raw": None, "gzip": "gzip", "gz": "gzip"}.get(encoding, "other")
    if compression == "other":
        return None
    data_file = fields.get("data file") or fields.get("datafile")
    if data_file is None:
        blank = re.search(r"\r?\n\r?\n", text)
        return (path, blank.end(), compression) if blank else None
    if data_file.upper().startswith("LIST") or "%" in data_file or " " in data_file:
        return None
    return os.path.join(os.path.dirname(path), data_file), int(fields.get("byte skip", "0") or 0) if fields.get("byte skip", "0") != "-1" else 0, compression


def _gzip_size(path: str) -> int | None:
    """Uncompressed size (mod 2**32) from a gzip file's trailer, or None if not gzip."""
    try:
        with open(path, "rb") as stream:
            if stream.read(2) != b"\x1f\x8b":
                return None
            stream.seek(-4, os.SEEK_END)
            return struct.unpack("<I", stream.read(4))[0]
    except OSError:
        return None


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
