"""Raw voxel and gzip machinery the format modules share.

- Text headers (MetaImage, NRRD) read as Latin-1 up to a limit.
- gzip streams: their trailer size, and an inflate that counts without keeping.
- Direct reads: a whole volume into one ``np.empty`` buffer (read or inflated), a box
  copied out of a memory map (only its pages are read), or a box of a compressed file
  inflated from the nearest checkpoint (:mod:`.gzindex`). Used where a format module
  says the file stores voxels exactly as SimpleITK returns them
  (:class:`~.hooks.DirectLayout`).
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable

import numpy as np

from ..errors import ReadError
from .hooks import DataLayout, DirectLayout
from .inflate import inflate_into
from .pages import map_ahead

_TEXT_HEADER_LIMIT = 1 << 16


def text_header(path: str, limit: int = _TEXT_HEADER_LIMIT) -> str:
    with open(path, "rb") as stream:
        return stream.read(limit).decode("latin-1")


def lines(text: str):
    """The lines of ``text`` one at a time: a parse that stops at the end of a header splits
    no more (a text header's 64 KiB usually run on into voxels; splitting them all cost
    0.3 ms a parse)."""
    start, length = 0, len(text)
    while start < length:
        end = text.find("\n", start)
        if end < 0:
            end = length
        yield text[start:end].rstrip("\r")
        start = end + 1


def int_or_zero(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


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


def uncompressed_direct_layout(
    header, data_layout: Callable[[str, int], DataLayout | None], byte_order: str
) -> DirectLayout | None:
    """The direct layout of an uncompressed file whose voxels ``data_layout`` locates."""
    total = header.volume_bytes * header.time_steps
    try:
        layout = data_layout(header.path, total)
    except (OSError, ValueError, struct.error):
        return None
    if layout is None or layout.problem is not None or layout.compression is not None:
        return None
    dtype = header.component_dtype.newbyteorder(byte_order)
    return DirectLayout(layout.path, layout.offset, dtype, header.components, header.volume_bytes, False)


def read_volume(header, layout: DirectLayout, step: int) -> np.ndarray:
    """Volume ``step``, read into a new (z, y, x[, c]) array in native byte order."""
    nx, ny, nz = header.volume_size
    shape = (nz, ny, nx) + ((layout.components,) if layout.components > 1 else ())
    out = np.empty(shape, dtype=layout.dtype.newbyteorder("="))
    target = memoryview(out.reshape(-1).view(np.uint8))
    start = layout.offset + step * layout.volume_bytes
    filled = 0
    mapping = map_ahead(out)  # the buffer's pages mapped on another core meanwhile
    try:
        if layout.compressed:
            filled = inflate_into(layout.path, start, target)
        else:
            with open(layout.path, "rb") as stream:
                stream.seek(start)
                while filled < layout.volume_bytes:
                    count = stream.readinto(target[filled:])
                    if not count:
                        break
                    filled += count
    except OSError as error:
        raise ReadError(header.path, f"cannot read the voxels ({error})") from None
    finally:
        if mapping is not None:
            mapping.join()
    if filled < layout.volume_bytes:
        raise ReadError(
            header.path,
            f"the file is truncated: {layout.volume_bytes} bytes of voxels expected, {filled} found",
        )
    if not layout.dtype.isnative:
        out.byteswap(inplace=True)
    return out


def read_inflated_box(header, layout: DirectLayout, start, size, step: int,
                      read_into: Callable[[int, memoryview], int]) -> np.ndarray:
    """Voxels ``start .. start + size`` (x, y, z) of volume ``step`` of a compressed file, as a
    new (z, y, x[, c]) array: the box's z slab is inflated by ``read_into(offset, target)``
    (a :class:`~.gzindex.GzipIndex`), then cut to the box."""
    nx, ny, _nz = header.volume_size
    (x0, y0, z0), (sx, sy, sz) = start, size
    tail = (layout.components,) if layout.components > 1 else ()
    slab = np.empty((sz, ny, nx) + tail, dtype=layout.dtype.newbyteorder("="))
    target = memoryview(slab.reshape(-1).view(np.uint8))
    slice_bytes = layout.volume_bytes // max(_nz, 1)
    offset = layout.offset + step * layout.volume_bytes + z0 * slice_bytes
    try:
        filled = read_into(offset, target)
    except OSError as error:
        raise ReadError(header.path, f"cannot read the voxels ({error})") from None
    if filled < target.nbytes:
        raise ReadError(header.path, "the file is truncated: its compressed data ends before the voxels do")
    if not layout.dtype.isnative:
        slab.byteswap(inplace=True)
    if (sx, sy) == (nx, ny):
        return slab
    return np.ascontiguousarray(slab[:, y0 : y0 + sy, x0 : x0 + sx])


def read_box(header, layout: DirectLayout, start, size, step: int) -> np.ndarray:
    """Voxels ``start .. start + size`` (x, y, z) of volume ``step`` of an uncompressed file,
    as a new (z, y, x[, c]) array, through a memory map."""
    nx, ny, nz = header.volume_size
    shape = (nz, ny, nx) + ((layout.components,) if layout.components > 1 else ())
    try:
        volume = np.memmap(layout.path, dtype=layout.dtype, mode="r",
                           offset=layout.offset + step * layout.volume_bytes, shape=shape)
    except (OSError, ValueError) as error:
        raise ReadError(header.path, f"cannot read the voxels ({error})") from None
    (x0, y0, z0), (sx, sy, sz) = start, size
    box = np.array(volume[z0 : z0 + sz, y0 : y0 + sy, x0 : x0 + sx], dtype=layout.dtype.newbyteorder("="))
    del volume  # unmaps the file
    return box
