"""The MRC2014 header as written (the fields that place the voxels), parsed without SimpleITK."""

from __future__ import annotations

import struct
from dataclasses import dataclass

HEADER_BYTES = 1024
#: MRC mode -> bytes of one stored voxel (all components).
MODE_BYTES = {0: 1, 1: 2, 2: 4, 3: 4, 4: 8, 6: 2, 12: 2, 16: 3}


@dataclass(frozen=True)
class MrcHeader:
    """The fields of an MRC header that place the voxels (in file order: column, row, section)."""

    endian: str  # "<" or ">"
    counts: tuple[int, int, int]  # NX, NY, NZ: columns, rows, sections
    mode: int
    starts: tuple[int, int, int]  # NXSTART, NYSTART, NZSTART: of columns, rows, sections
    axes: tuple[int, int, int]  # MAPC, MAPR, MAPS: 1, 2, 3 for x, y, z
    origin: tuple[float, float, float]  # the ORIGIN field, x, y, z
    extended: int  # bytes of extended header after the 1024

    @property
    def offset(self) -> int:
        return HEADER_BYTES + max(self.extended, 0)

    @property
    def world_axes(self) -> tuple[int, int, int]:
        """The world axis (0, 1, 2 for x, y, z) of columns, rows and sections."""
        return (self.axes[0] - 1, self.axes[1] - 1, self.axes[2] - 1)

    @property
    def permuted(self) -> bool:
        return self.axes != (1, 2, 3) and sorted(self.axes) == [1, 2, 3]

    @property
    def placed_by_start(self) -> bool:
        """Whether the EMDB convention places the map (a start, and a zero ORIGIN field)."""
        return any(self.starts) and not any(self.origin)

    def size_xyz(self) -> tuple[int, int, int]:
        size = [0, 0, 0]
        for count, axis in zip(self.counts, self.world_axes, strict=False):
            size[axis] = count
        return (size[0], size[1], size[2])

    def start_xyz(self) -> tuple[int, int, int]:
        start = [0, 0, 0]
        for first, axis in zip(self.starts, self.world_axes, strict=False):
            start[axis] = first
        return (start[0], start[1], start[2])


def read_mrc_header(path: str) -> MrcHeader | None:
    """The header of an MRC file; None where it is not one (or its axis fields are not 1, 2, 3)."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read(HEADER_BYTES)
    except OSError:
        return None
    if len(raw) < HEADER_BYTES:
        return None
    # The machine stamp gives the byte order; a zero stamp (old files) is guessed as ITK does.
    endian = {0x11: ">", 0x44: "<"}.get(raw[212], "<")
    if raw[212] == 0 and not 1 <= struct.unpack_from("<i", raw, 64)[0] <= 3:
        endian = ">"
    words = struct.unpack_from(endian + "10i", raw, 0)
    axes = struct.unpack_from(endian + "3i", raw, 64)
    if sorted(axes) != [1, 2, 3]:
        return None
    return MrcHeader(
        endian=endian,
        counts=(words[0], words[1], words[2]),
        mode=words[3],
        starts=(words[4], words[5], words[6]),
        axes=(axes[0], axes[1], axes[2]),
        origin=struct.unpack_from(endian + "3f", raw, 196),
        extended=struct.unpack_from(endian + "i", raw, 92)[0],
    )
