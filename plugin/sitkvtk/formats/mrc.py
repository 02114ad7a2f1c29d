"""MRC (.mrc, .rec): electron microscopy maps; where the voxels are and where they lie.

SimpleITK 2.5's MRC reader
- ignores MAPC/MAPR/MAPS: a map stored with its columns along y or z comes out with
  its axes (and so its spacings) swapped. :func:`fix_header` gives the size along x, y, z,
  and :func:`read_voxels` reads the voxels into that order itself (one pass over the
  file, straight into the output array; SimpleITK's voxels would be in file order);
- ignores NXSTART/NYSTART/NZSTART: where the ORIGIN field is zero, a map is placed by
  its start (the EMDB convention, origin = start * voxel size), which :func:`fix_header`
  applies;
- refuses a map whose start is not below its size ("Unrecognized header"), valid MRC2014:
  :func:`simpleitk_file_name` hands it the header with the starts set to 0 (the starts
  are applied here), and the voxels are read here.

Each workaround is tied to a probe of what this SimpleITK does (:func:`simpleitk_mrc`),
so it switches itself off with a SimpleITK that gets MRC right.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass, replace

import numpy as np
import SimpleITK as sitk

from ..errors import ReadError
from .hooks import DataLayout, FormatHooks
from .mrc_header import HEADER_BYTES, MODE_BYTES, MrcHeader, read_mrc_header

# -- what this SimpleITK does -----------------------------------------------------------------


@dataclass(frozen=True)
class SimpleITKMrc:
    """What this SimpleITK's MRC reader does with the fields it is known to get wrong."""

    applies_axis_order: bool  # MAPC/MAPR/MAPS
    applies_start: bool  # NXSTART.. where the ORIGIN field is zero
    reads_start_beyond_size: bool  # NXSTART >= NX


def _probe_file(path: str, starts, axes=(2, 1, 3)) -> None:
    """A 3 x 2 x 1 int16 map, columns along ``axes[0]``, unit voxels, ORIGIN field zero."""
    counts = (3, 2, 1)
    sampling = [0, 0, 0]
    for count, axis in zip(counts, axes, strict=False):
        sampling[axis - 1] = count
    header = bytearray(HEADER_BYTES)
    struct.pack_into("<10i", header, 0, *counts, 1, *starts, *sampling)
    struct.pack_into("<3f", header, 40, *map(float, sampling))  # cell: unit voxels
    struct.pack_into("<3f", header, 52, 90.0, 90.0, 90.0)
    struct.pack_into("<3i", header, 64, *axes)
    header[208:212] = b"MAP "
    header[212:214] = b"\x44\x44"
    with open(path, "wb") as stream:
        stream.write(bytes(header) + np.arange(6, dtype="<i2").tobytes())


@functools.lru_cache(maxsize=1)
def simpleitk_mrc() -> SimpleITKMrc:
    """Probe this SimpleITK with two 6-voxel maps in a temporary folder (once per process)."""
    folder = tempfile.mkdtemp(prefix="sitkvtk-mrc-")
    try:
        placed = os.path.join(folder, "placed.mrc")
        _probe_file(placed, starts=(-1, -2, -3))
        reader = sitk.ImageFileReader()
        reader.SetFileName(placed)
        reader.ReadImageInformation()
        beyond = os.path.join(folder, "beyond.mrc")
        _probe_file(beyond, starts=(3, 0, 0), axes=(1, 2, 3))
        try:
            other = sitk.ImageFileReader()
            other.SetFileName(beyond)
            other.ReadImageInformation()
            reads_beyond = True
        except RuntimeError:
            reads_beyond = False
        return SimpleITKMrc(
            applies_axis_order=tuple(reader.GetSize()) == (2, 3, 1),
            applies_start=any(reader.GetOrigin()),
            reads_start_beyond_size=reads_beyond,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _needs_own_voxels(mrc: MrcHeader) -> bool:
    """Whether SimpleITK's voxels would be in the wrong order, or it cannot read the file."""
    if mrc.permuted and not simpleitk_mrc().applies_axis_order:
        return True
    return _start_beyond_size(mrc) and not simpleitk_mrc().reads_start_beyond_size


def _start_beyond_size(mrc: MrcHeader) -> bool:
    return any(start >= count for start, count in zip(mrc.starts, mrc.counts, strict=False))


# -- hooks --------------------------------------------------------------------------------------

_MODE_NAMES = {
    0: "8-bit integer", 1: "16-bit integer", 2: "32-bit float", 3: "complex 16-bit integer",
    4: "complex 32-bit float", 6: "16-bit unsigned integer", 12: "16-bit float", 16: "8-bit RGB", 101: "4-bit",
}
_SIMPLEITK_MODES = (0, 1, 2, 3, 4, 6, 16)  # ITK 5.4's MRC reader
_SIMPLEITK_MAX_COUNT = 65535


def check(path: str) -> None:
    """Refuse an axis order that is no order (SimpleITK reads MAPC, MAPR, MAPS = 1, 1, 3 as x, y, z)."""
    reason = explain(path)
    if reason is not None and reason.startswith("MAPC"):
        raise ReadError(path, reason)


def explain(path: str) -> str | None:
    """Why SimpleITK's MRC reader refused ``path``, where the header says it."""
    with open(path, "rb") as stream:
        raw = stream.read(HEADER_BYTES)
    if len(raw) < HEADER_BYTES:
        return f"not an MRC map: {len(raw)} bytes, shorter than the 1024-byte MRC header"
    if raw[208:212] not in (b"MAP ", bytes(4)):
        return "not an MRC map: no 'MAP ' stamp at byte 208"
    if raw[212] not in (0x11, 0x44, 0):
        return f"unknown MRC machine stamp {raw[212:214].hex()} at byte 212 (the byte order)"
    mrc = read_mrc_header(path)
    if mrc is None:
        endian = ">" if raw[212] == 0x11 else "<"
        axes = ", ".join(str(a) for a in struct.unpack_from(endian + "3i", raw, 64))
        return f"MAPC, MAPR, MAPS are {axes}: not an order of the axes 1, 2, 3"
    if mrc.mode not in _SIMPLEITK_MODES:
        name = _MODE_NAMES.get(mrc.mode, "not an MRC2014 mode")
        return f"MRC mode {mrc.mode} ({name}): SimpleITK's MRC reader reads modes 0, 1, 2, 3, 4, 6 and 16 only"
    if not all(1 <= n <= _SIMPLEITK_MAX_COUNT for n in mrc.counts):
        counts = ", ".join(map(str, mrc.counts))
        return f"NX, NY, NZ are {counts}: SimpleITK's MRC reader reads 1 to 65535 voxels along each axis"
    return None


def data_layout(path: str, expected: int) -> DataLayout:
    # 1024-byte header, then nsymbt bytes of extended header, then the voxels.
    with open(path, "rb") as stream:
        raw = stream.read(1024)
    endian = ">" if raw[212:213] == b"\x11" else "<"  # the machine stamp
    extended = struct.unpack_from(endian + "i", raw, 92)[0]
    return DataLayout(path, 1024 + max(extended, 0), None, expected)


@contextlib.contextmanager
def simpleitk_file_name(path: str):
    """``path``, or a copy of its header with the starts set to 0 where this SimpleITK
    refuses a start beyond the map's size (the voxels are then read by :func:`read_voxels`)."""
    mrc = read_mrc_header(path)
    if mrc is None or not _start_beyond_size(mrc) or simpleitk_mrc().reads_start_beyond_size:
        yield path
        return
    folder = tempfile.mkdtemp(prefix="sitkvtk-")
    try:
        with open(path, "rb") as stream:
            header = bytearray(stream.read(mrc.offset))
        struct.pack_into(mrc.endian + "3i", header, 16, 0, 0, 0)
        copy = os.path.join(folder, "header.mrc")
        with open(copy, "wb") as stream:
            stream.write(header)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fix_header(header):
    """Size along x, y, z (SimpleITK gives columns, rows, sections), and the EMDB origin."""
    mrc = read_mrc_header(header.path)
    if mrc is None or header.dimension != 3:
        return header
    probe = simpleitk_mrc()
    if mrc.permuted and not probe.applies_axis_order:
        # SimpleITK's spacing is already per world axis (cell length / sampling of x, y, z).
        header = replace(header, size=mrc.size_xyz())
    if mrc.placed_by_start and not probe.applies_start:
        origin = tuple(float(s) * d for s, d in zip(mrc.start_xyz(), header.spacing, strict=False))
        header = replace(header, origin=origin)
    return header


def notes(path: str, metadata: dict, header) -> dict[str, str]:
    """What sitkvtk applied that this SimpleITK does not, for ``sitkvtk info`` and ParaView."""
    mrc = read_mrc_header(path)
    if mrc is None:
        return {}
    probe = simpleitk_mrc() if mrc.permuted or mrc.placed_by_start else None
    found = {}
    if mrc.permuted and not probe.applies_axis_order:
        parts = zip(("columns", "rows", "sections"), mrc.world_axes, strict=False)
        names = ", ".join(f"{part} along {'xyz'[axis]}" for part, axis in parts)
        axes = ", ".join(map(str, mrc.axes))
        found["MRC_axis_order"] = f"MAPC, MAPR, MAPS = {axes}: {names}; voxels given along x, y, z"
    if mrc.placed_by_start and not probe.applies_start:
        starts = ", ".join(map(str, mrc.starts))
        found["MRC_origin"] = f"NXSTART, NYSTART, NZSTART = {starts} x voxel size (ORIGIN zero: EMDB convention)"
    return found


def read_voxels(header, start, size, step: int = 0) -> np.ndarray | None:
    """Voxels ``start .. start + size`` (x, y, z) as a new (z, y, x[, c]) array, read here
    where SimpleITK would give them in the wrong order (or cannot read the file); else None.

    The file holds sections of rows of columns; each section is read once and written into
    its place in the output, so memory stays at the output plus one section.
    """
    mrc = read_mrc_header(header.path)
    if mrc is None or header.dimension != 3 or not _needs_own_voxels(mrc):
        return None
    stored = MODE_BYTES.get(mrc.mode)
    if stored != header.voxel_bytes:
        raise ReadError(header.path, f"MRC mode {mrc.mode}: voxels in this mode cannot be reordered here")
    dtype = header.component_dtype.newbyteorder(mrc.endian)
    ncomp = header.components
    (x0, y0, z0), (sx, sy, sz) = start, size
    out = np.empty((sz, sy, sx) + ((ncomp,) if ncomp > 1 else ()), dtype=header.component_dtype)
    # The output seen in file order: axis 0 sections, 1 rows, 2 columns (zyx index = 2 - axis).
    col, row, sec = mrc.world_axes
    in_file_order = np.moveaxis(out, (2 - sec, 2 - row, 2 - col), (0, 1, 2))
    first = (x0, y0, z0)
    c0, r0, s0 = first[col], first[row], first[sec]
    nc, nr, _ = mrc.counts
    rows = in_file_order.shape[1]
    section_bytes = nr * nc * stored
    try:
        with open(header.path, "rb") as stream:
            for k in range(in_file_order.shape[0]):
                stream.seek(mrc.offset + (s0 + k) * section_bytes + r0 * nc * stored)
                raw = stream.read(rows * nc * stored)
                if len(raw) < rows * nc * stored:
                    raise ReadError(header.path, "the file is truncated: it ends inside its voxels")
                section = np.frombuffer(raw, dtype=dtype).reshape((rows, nc) + in_file_order.shape[3:])
                in_file_order[k] = section[:, c0 : c0 + in_file_order.shape[2]]
    except OSError as error:
        raise ReadError(header.path, f"cannot read the voxels ({error})") from None
    return out


HOOKS = (
    FormatHooks(
        io_names=("MRCImageIO",),
        extensions=("mrc", "rec"),
        check=check,
        data_layout=data_layout,
        explain=explain,
        fix_header=fix_header,
        notes=notes,
        read_voxels=read_voxels,
        file_name=simpleitk_file_name,
    ),
)
