"""MRC (.mrc, .rec): electron microscopy maps; where the voxels are."""

from __future__ import annotations

import struct

from .hooks import DataLayout, FormatHooks


def data_layout(path: str, expected: int) -> DataLayout:
    # 1024-byte header, then nsymbt bytes of extended header, then the voxels.
    with open(path, "rb") as stream:
        raw = stream.read(1024)
    endian = ">" if raw[212:213] == b"\x11" else "<"  # the machine stamp
    extended = struct.unpack_from(endian + "i", raw, 92)[0]
    return DataLayout(path, 1024 + max(extended, 0), None, expected)


HOOKS = (FormatHooks(io_names=("MRCImageIO",), extensions=("mrc", "rec"), data_layout=data_layout),)
