"""Stored pixel values decoded in numpy: native (little- or big-endian, 1 to 32 bits) and RLE.

:func:`native_layout` / :func:`read_native` are the fast path of a series' plain slices
(little-endian MONOCHROME2, read straight into the output, checked against GDCM once).

Used where GDCM (through SimpleITK) decodes a kind of file wrongly (see :mod:`.faults`) and
for multi-frame files whose frame count only the pixel data can tell. The output is the
stored values, (frames, rows, columns[, samples]), with the bits above the high bit masked
and signed values sign-extended, before any modality transform (see :mod:`.values`).

RLE is DICOM PS3.5 Annex G: one fragment per frame, a 64-byte header of segment offsets,
one PackBits segment per byte plane (most significant byte first, sample by sample).
"""

from __future__ import annotations

import struct

import numpy as np

from ..errors import ReadError
from .parse import EXPLICIT_BE, IMPLICIT_LE, DicomFile

RLE = "1.2.840.10008.1.2.5"
_NATIVE = (IMPLICIT_LE, "1.2.840.10008.1.2.1", EXPLICIT_BE)
_ITEM, _SEQ_END = 0xFFFEE000, 0xFFFEE0DD


def can_decode(info: DicomFile) -> bool:
    """Whether :func:`stored_frames` reads this file's pixel data."""
    if info.data_offset is None or info.transfer_syntax not in _NATIVE + (RLE,):
        return False
    allocated = int(info.number("BitsAllocated", 0))
    if info.transfer_syntax == RLE:
        return allocated in (8, 16, 32)
    return allocated in (1, 8, 16, 32)


def frame_layout(info: DicomFile) -> tuple[int, int, int, int]:
    """(rows, columns, samples, bits allocated) of one frame."""
    return (int(info.number("Rows", 0)), int(info.number("Columns", 0)),
            int(info.number("SamplesPerPixel", 1)), int(info.number("BitsAllocated", 0)))


def declared_frames(info: DicomFile) -> int:
    """Frames the header says the file holds: NumberOfFrames, else one per
    GridFrameOffsetVector entry (RT dose files without NumberOfFrames exist), else 1."""
    count = int(info.number("NumberOfFrames", 0))
    if count < 1:
        count = len(info.numbers("GridFrameOffsetVector") or [1])
    return count


def holds_frames(info: DicomFile) -> bool:
    """Whether the file is multi-frame by its header, or by its native pixel data's length."""
    if declared_frames(info) > 1:
        return True
    if info.data_length is None or info.transfer_syntax == RLE or not can_decode(info):
        return False
    rows, columns, samples, bits = frame_layout(info)
    return info.data_length * 8 >= 2 * rows * columns * samples * bits > 0


def frames_held(info: DicomFile) -> int | None:
    """How many whole frames the pixel data holds, or None if that is not a whole number.

    Native data may carry one pad byte (values have even length); an RLE stream holds one
    fragment per frame.
    """
    rows, columns, samples, bits = frame_layout(info)
    if info.transfer_syntax == RLE:
        return len(_fragments(info))
    frame_bits = rows * columns * samples * bits
    total_bits = int(info.data_length) * 8
    if frame_bits == 0:
        return None
    count = total_bits // frame_bits
    used = (count * frame_bits + 7) // 8  # 1-bit frames are packed back to back
    return count if info.data_length - used in (0, 1) else None


def stored_frames(info: DicomFile, count: int) -> np.ndarray:
    """The first ``count`` frames' stored values, (frames, rows, columns[, samples])."""
    rows, columns, samples, bits = frame_layout(info)
    signed = info.get("PixelRepresentation", "0") == "1"
    if info.transfer_syntax == RLE:
        frames = [_rle_frame(info, fragment, rows, columns, samples, bits)
                  for fragment in _fragments(info)[:count]]
        values = np.stack(frames) if frames else np.empty((0, rows, columns, samples))
    else:
        values = _native(info, count, rows, columns, samples, bits)
    values = values.reshape(count, rows, columns, samples)
    if bits == 1:
        values = values.astype(np.uint8)
    else:
        values = _mask(values, int(info.number("BitsStored", bits)), signed)
    return values[..., 0] if samples == 1 else values


def _read(info: DicomFile, offset: int, length: int) -> bytes:
    try:
        with open(info.path, "rb") as stream:
            stream.seek(offset)
            data = stream.read(length)
    except OSError as error:
        raise ReadError(info.path, f"cannot read the pixel data ({error.strerror})") from None
    if len(data) < length:
        raise ReadError(info.path, f"pixel data cut short: {len(data)} of {length} bytes")
    return data


def _native(info, count, rows, columns, samples, bits) -> np.ndarray:
    voxels = count * rows * columns * samples
    data = _read(info, info.data_offset, (voxels * bits + 7) // 8)
    if bits == 1:  # bit 0 of each byte is the first pixel (PS3.5 8.1.1)
        return np.unpackbits(np.frombuffer(data, np.uint8), bitorder="little")[:voxels]
    endian = ">" if info.transfer_syntax == EXPLICIT_BE else "<"
    values = np.frombuffer(data, f"{endian}u{bits // 8}").astype(f"=u{bits // 8}")
    if samples > 1 and info.get("PlanarConfiguration", "0") == "1":  # colour by plane
        values = values.reshape(count, samples, rows, columns).transpose(0, 2, 3, 1)
    return values


def _mask(values: np.ndarray, stored: int, signed: bool) -> np.ndarray:
    bits = values.dtype.itemsize * 8
    if stored < bits:
        values = values & np.array((1 << stored) - 1, values.dtype)
    if not signed:
        return values
    if stored < bits:  # sign-extend from the high bit
        values = (values.astype(np.int64) ^ (1 << (stored - 1))) - (1 << (stored - 1))
    return values.astype(f"=i{bits // 8}")


def _fragments(info: DicomFile) -> list[tuple[int, int]]:
    """(offset, length) of each fragment after the basic offset table."""
    if info.data_length != 0xFFFFFFFF:
        raise ReadError(info.path, "RLE pixel data is not encapsulated")
    fragments, position = [], info.data_offset
    with open(info.path, "rb") as stream:
        size = stream.seek(0, 2)
        first = True
        while position + 8 <= size:
            stream.seek(position)
            group, element, length = struct.unpack("<HHI", stream.read(8))
            tag = group << 16 | element
            if tag == _SEQ_END:
                break
            if tag != _ITEM or position + 8 + length > size:
                raise ReadError(info.path, "RLE pixel data: broken fragment list")
            if not first:
                fragments.append((position + 8, length))
            first = False
            position += 8 + length
    return fragments


def _rle_frame(info, fragment, rows, columns, samples, bits) -> np.ndarray:
    data = _read(info, *fragment)
    if len(data) < 64:
        raise ReadError(info.path, "RLE frame shorter than its 64-byte header")
    count = struct.unpack_from("<I", data, 0)[0]
    planes = samples * bits // 8
    if count != planes:
        raise ReadError(info.path, f"RLE frame has {count} segments, expected {planes}")
    offsets = list(struct.unpack_from("<15I", data, 4)[:count]) + [len(data)]
    size = rows * columns
    if size > 64 * len(data):  # a 2-byte run gives at most 128 bytes: Rows/Columns lie
        raise ReadError(info.path, f"RLE frame of {len(data)} bytes cannot hold {columns}x{rows} pixels")
    out = np.empty((samples, bits // 8, size), np.uint8)
    for n in range(count):
        segment = _unpack_bits(data[offsets[n]:offsets[n + 1]], size)
        if segment is None:
            raise ReadError(info.path, f"RLE segment {n + 1} does not decode to {size} bytes")
        out[n // (bits // 8), n % (bits // 8)] = segment
    # Byte planes are most significant first: assemble big-endian words.
    words = out.transpose(2, 0, 1).copy().view(f">u{bits // 8}")[..., 0]
    return words.astype(f"=u{bits // 8}").reshape(rows, columns, samples)


def _unpack_bits(segment: bytes, size: int) -> np.ndarray | None:
    out = bytearray()
    i, end = 0, len(segment)
    while i < end and len(out) < size:
        n = segment[i]
        if n < 128:  # n + 1 literal bytes
            out += segment[i + 1:i + 2 + n]
            i += 2 + n
        elif n > 128:  # the next byte 257 - n times
            if i + 1 < end:
                out += segment[i + 1:i + 2] * (257 - n)
            i += 2
        else:
            i += 1
    return np.frombuffer(bytes(out[:size]), np.uint8) if len(out) >= size else None


def native_layout(info: DicomFile) -> tuple[np.dtype, int] | None:
    """(stored dtype, bits stored) when the voxels can be read raw, else None.

    Raw means: native little-endian, one frame, greyscale MONOCHROME2, 8/16/32 bits,
    high bit = bits stored - 1. GDCM handles everything else (and must agree: tested).
    """
    if info.pixel_offset is None or info.get("SamplesPerPixel", "1") != "1":
        return None
    if info.get("PhotometricInterpretation") != "MONOCHROME2" \
            or info.number("NumberOfFrames", 1) != 1:
        return None
    allocated = int(info.number("BitsAllocated", 0))
    stored = int(info.number("BitsStored", allocated))
    if allocated not in (8, 16, 32) or not 0 < stored <= allocated:
        return None
    if int(info.number("HighBit", stored - 1)) != stored - 1:
        return None
    signed = info.get("PixelRepresentation", "0") == "1"
    return np.dtype(f"<{'i' if signed else 'u'}{allocated // 8}"), stored


def read_native(info: DicomFile, layout: tuple[np.dtype, int], rows: int, columns: int,
                out: np.ndarray | None = None) -> np.ndarray:
    """The stored values of a native file, (rows, columns), as GDCM gives them before rescale.

    ``out``: a C-contiguous (rows, columns) array of the stored dtype to read into.
    """
    dtype, stored = layout
    count = rows * columns
    values = np.empty(count, dtype) if out is None else out.reshape(count)
    with open(info.path, "rb") as stream:
        stream.seek(info.pixel_offset)
        got = stream.readinto(memoryview(values).cast("B"))
    if got != values.nbytes:
        raise ValueError(f"pixel data truncated: {got} of {values.nbytes} bytes")
    bits = dtype.itemsize * 8
    if stored < bits:
        # Bits above the high bit may hold overlays or garbage: GDCM masks them,
        # then sign-extends a signed value.
        unsigned = values.view(dtype.newbyteorder("=").str.replace("i", "u"))
        np.bitwise_and(unsigned, (1 << stored) - 1, out=unsigned)
        if dtype.kind == "i":
            unsigned ^= 1 << (stored - 1)
            values -= 1 << (stored - 1)
    return values.reshape(rows, columns)
