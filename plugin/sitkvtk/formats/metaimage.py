"""MetaImage (.mha, .mhd): the text header, where the voxels are, and what crashes MetaIO."""

from __future__ import annotations

import math
import os
import re

import numpy as np

from ..errors import ReadError
from .hooks import DataLayout, DirectLayout, FormatHooks
from .rawio import int_or_zero, lines, text_header, uncompressed_direct_layout

#: MetaIO indexes fixed arrays with NDims: a negative or large value crashes it.
_MAX_DIMS = 10

_MET_TYPES = {
    "MET_CHAR": np.int8, "MET_UCHAR": np.uint8, "MET_SHORT": np.int16, "MET_USHORT": np.uint16,
    "MET_INT": np.int32, "MET_UINT": np.uint32, "MET_LONG_LONG": np.int64,
    "MET_ULONG_LONG": np.uint64, "MET_FLOAT": np.float32, "MET_DOUBLE": np.float64,
}


def fields(text: str) -> dict[str, str]:
    """``Key = Value`` lines up to ElementDataFile (the last header line)."""
    found = {}
    for line in lines(text):
        key, equals, value = line.partition("=")
        if equals:
            found[key.strip()] = value.strip()
            if key.strip() == "ElementDataFile":
                break
    return found


def data_layout(path: str, expected: int) -> DataLayout | None:
    text = text_header(path)
    header = fields(text)
    compressed = header.get("CompressedData", "False").lower() == "true"
    compression = "gzip" if compressed else None
    data_file = header.get("ElementDataFile", "")
    if data_file == "LOCAL":
        match = re.search(r"^[ \t]*ElementDataFile[ \t]*=.*?\n", text, re.MULTILINE)
        # No newline after it: the file ends with the header, and holds no voxels (SimpleITK 2.3
        # reads such a file without an error, its voxels zero).
        return DataLayout(path, match.end() if match else len(text), compression)
    if not data_file or " " in data_file or data_file.upper().startswith("LIST"):
        return None  # a list or pattern of slice files: not checked here
    skip = int_or_zero(header.get("HeaderSize", "0"))
    return DataLayout(os.path.join(os.path.dirname(path), data_file), max(skip, 0), compression)


def direct_layout(header) -> DirectLayout | None:
    found = fields(text_header(header.path))
    element = _MET_TYPES.get(found.get("ElementType", ""))
    channels = int(found.get("ElementNumberOfChannels", "1"))
    if element is None or np.dtype(element) != header.component_dtype or channels != header.components:
        return None
    if found.get("HeaderSize", "0") == "-1":
        return None
    msb = found.get("ElementByteOrderMSB", found.get("BinaryDataByteOrderMSB", "False"))
    return uncompressed_direct_layout(header, data_layout, ">" if msb.lower() == "true" else "<")


def check(path: str) -> None:
    try:
        found = fields(text_header(path))
    except OSError:
        return  # SimpleITK reports it
    for key, value in found.items():
        if key.lower() == "ndims" and not _small_count(value, _MAX_DIMS):
            raise ReadError(path, f"NDims = {value!r} is not a number of dimensions")


def _small_count(text: str, largest: int) -> bool:
    """Whether MetaIO, reading ``text`` as a number (C atof), gets an integer 0..largest."""
    match = re.match(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text)
    if match is None:
        return True  # atof gives 0, which MetaIO refuses by itself
    value = float(match.group(0))
    return math.isfinite(value) and 0 <= value <= largest


HOOKS = (
    FormatHooks(
        io_names=("MetaImageIO",),
        extensions=("mha", "mhd"),
        check=check,
        data_layout=data_layout,
        direct_layout=direct_layout,
    ),
)
