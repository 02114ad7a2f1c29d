"""NRRD (.nrrd, .nhdr): the text header, where the voxels are, and the measurement frame.

SimpleITK's NRRD reader does not stream (a slice costs the whole file): uncompressed
scalar files are read directly (:func:`direct_layout`), boxes through a memory map.
"""

from __future__ import annotations

import itertools
import os
import re

import numpy as np

from .hooks import DataLayout, DirectLayout, FormatHooks
from .rawio import int_or_zero, lines, text_header, uncompressed_direct_layout

_TYPES = {
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


def fields(text: str) -> dict[str, str]:
    """``field: value`` lines (lower-case names) up to the first blank line; not ``key:=value``."""
    found = {}
    for line in itertools.islice(lines(text), 1, None):
        if not line.strip():
            break
        if line.startswith("#") or ":=" in line:
            continue
        key, colon, value = line.partition(":")
        if colon:
            found[key.strip().lower()] = value.strip()
    return found


def data_layout(path: str, expected: int) -> DataLayout | None:
    text = text_header(path)
    header = fields(text)
    compression = {"raw": None, "gzip": "gzip", "gz": "gzip"}.get(header.get("encoding", "raw").lower(), "other")
    if compression == "other":
        return None  # text, hex and bzip2 encodings: sizes not checked here
    data_file = header.get("data file", header.get("datafile"))
    if data_file is None:
        blank = re.search(r"\r?\n\r?\n", text)
        return DataLayout(path, blank.end(), compression) if blank else None
    if data_file.upper().startswith("LIST") or "%" in data_file or " " in data_file:
        return None  # one file per slice: not checked here
    skip = int_or_zero(header.get("byte skip", "0"))  # -1: the data are the last bytes
    return DataLayout(os.path.join(os.path.dirname(path), data_file), max(skip, 0), compression)


def direct_layout(header) -> DirectLayout | None:
    found = fields(text_header(header.path))
    if found.get("type", "").lower() not in _TYPES.get(header.component_dtype, ()):
        return None
    # Scalar voxels on domain axes only: vector, complex or other kinds go through SimpleITK.
    kinds = found.get("kinds", "").lower().split()
    if header.components != 1 or any(kind not in ("domain", "space", "time") for kind in kinds):
        return None
    endian = found.get("endian", "little").lower()
    return uncompressed_direct_layout(header, data_layout, ">" if endian == "big" else "<")


def notes(path: str, metadata: dict, header) -> dict[str, str]:
    """The measurement frame, which SimpleITK reads but does not apply to vector values."""
    if "NRRD_measurement frame" not in metadata:
        return {}
    try:
        frame = fields(text_header(path)).get("measurement frame")
    except OSError:
        frame = None
    if not frame:
        return {}
    return {
        "NRRD_measurement frame": frame,
        "NRRD_measurement frame applied": "no: vector and tensor values are as stored",
    }


HOOKS = (
    FormatHooks(
        io_names=("NrrdImageIO",),
        extensions=("nrrd", "nhdr"),
        notes=notes,
        data_layout=data_layout,
        direct_layout=direct_layout,
    ),
)
