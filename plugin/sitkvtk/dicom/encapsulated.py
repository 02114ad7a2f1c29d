"""Encapsulated (compressed) DICOM pixel data checked against its header, before decoding.

The items (Basic Offset Table, then fragments) must lie inside the file and end with a
sequence delimiter; there must be a fragment per frame; and each frame's codestream must
be of the transfer syntax's kind (JPEG, JPEG-LS, JPEG 2000, RLE), of the header's Rows x
Columns x SamplesPerPixel, and whole. GDCM decodes a cut or mislabelled codestream into a
full-size image of garbage or zeros without a word.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from ..errors import ReadError
from .parse import DicomFile

_RLE = "1.2.840.10008.1.2.5"
_JPEG = ("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57",
         "1.2.840.10008.1.2.4.70")
_JPEG_LS = ("1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81")
_JPEG_2000 = ("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91")
_ITEM, _SEQ_END = 0xFFFEE000, 0xFFFEE0DD
_UNDEFINED = 0xFFFFFFFF
_HEAD = 1 << 20  # JPEG tables and APP segments (an ICC profile) come before the frame header
#: JPEG start-of-frame markers (baseline to lossless, and JPEG-LS's SOF55).
_SOF = (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7)


def check_encapsulated(info: DicomFile, frames: int, data, offset: int) -> None:
    """Items of the encapsulated Pixel Data: Basic Offset Table, then fragments."""
    items, pos, closed = [], offset, False
    while pos + 8 <= len(data):
        tag = (struct.unpack_from("<H", data, pos)[0] << 16) | struct.unpack_from("<H", data, pos + 2)[0]
        length = struct.unpack_from("<I", data, pos + 4)[0]
        if tag == _SEQ_END:
            closed = True
            break
        if tag != _ITEM or length == _UNDEFINED:
            raise ReadError(info.path, f"encapsulated Pixel Data: element ({tag >> 16:04X},{tag & 0xFFFF:04X}) "
                            f"at byte {pos} where an item was expected")
        if pos + 8 + length > len(data):
            raise ReadError(info.path, f"encapsulated Pixel Data: an item of {length} bytes at byte {pos} "
                            f"runs past the end of the file ({len(data)} bytes)")
        items.append((pos + 8, length))
        pos += 8 + length
    if not closed:
        raise ReadError(info.path, "encapsulated Pixel Data is cut short (no sequence delimiter)")
    if len(items) < 2:
        raise ReadError(info.path, "encapsulated Pixel Data holds no fragment")
    table, fragments = items[0], items[1:]
    if len(fragments) < frames:
        raise ReadError(info.path, f"encapsulated Pixel Data holds {len(fragments)} fragments for "
                        f"NumberOfFrames {frames}")
    for number, frame in enumerate(_frames(info, data, table, fragments, frames)):
        _check_codestream(info, frame, number)


class _Frame(NamedTuple):
    """What the checks read of one frame: never the whole codestream (a frame may be large)."""

    head: bytes  # its first _HEAD bytes (the markers before the image data)
    tail: bytes  # its last 4 bytes (the end-of-image marker, maybe a padding byte)
    size: int


def _frame(data, pieces) -> _Frame:
    """A frame made of fragments ``pieces`` ((start, length) in ``data``)."""
    head, size = b"", 0
    for start, length in pieces:
        if len(head) < _HEAD:
            head += bytes(data[start : start + min(length, _HEAD - len(head))])
        size += length
    start, length = pieces[-1]
    return _Frame(head, bytes(data[start + max(length - 4, 0) : start + length]), size)


def _frames(info, data, table, fragments, frames):
    """Each frame: all fragments for one frame, one fragment per frame, or as the offset table says."""
    if frames == 1:
        yield _frame(data, fragments)
        return
    if len(fragments) == frames:
        for fragment in fragments:
            yield _frame(data, [fragment])
        return
    start, length = table
    if length == 0:  # frames over several fragments and no offset table (allowed): the first is checked
        yield _frame(data, fragments[:1])
        return
    if length != 4 * frames:
        raise ReadError(info.path, f"encapsulated Pixel Data: {len(fragments)} fragments for {frames} frames "
                        f"and a Basic Offset Table of {length // 4} entries; frames cannot be told apart")
    first = fragments[0][0] - 8
    offsets = struct.unpack_from(f"<{frames}I", data, start)
    index = {begin - 8 - first: i for i, (begin, _) in enumerate(fragments)}  # offset -> fragment number
    for number, value in enumerate(offsets):
        if value not in index:
            raise ReadError(info.path, f"encapsulated Pixel Data: frame {number} starts at offset {value}, "
                            "where no fragment starts")
    bounds = sorted(index[value] for value in offsets) + [len(fragments)]
    for value in offsets:
        begin = index[value]
        end = next(b for b in bounds if b > begin)  # up to the next frame's first fragment
        yield _frame(data, fragments[begin:end])


def _check_codestream(info: DicomFile, frame: _Frame, number: int) -> None:
    """The frame's own header agrees with Rows, Columns and SamplesPerPixel."""
    syntax = info.transfer_syntax
    if syntax == _RLE:
        _check_rle(info, frame, number)
        return
    stream = frame.head
    if syntax in _JPEG or syntax in _JPEG_LS:
        found = _jpeg_size(stream)
        kind = "JPEG-LS" if syntax in _JPEG_LS else "JPEG"
    elif syntax in _JPEG_2000:
        found = _j2k_size(stream)
        kind = "JPEG 2000"
    else:
        return  # MPEG, HTJ2K and others: GDCM's own checks
    where = f"frame {number}: " if int(info.number("NumberOfFrames", 1)) > 1 else ""
    if found is None:
        raise ReadError(info.path, f"{where}the pixel data is not a {kind} codestream "
                        f"(transfer syntax {syntax}), or its header is cut short")
    width, height, components = found
    expected = (int(info.get("Columns")), int(info.get("Rows")), int(info.get("SamplesPerPixel", "1") or 1))
    if (width, height, components) != expected:
        raise ReadError(info.path, f"{where}the {kind} codestream is {width}x{height} with {components} "
                        f"component(s); the header says Columns x Rows {expected[0]}x{expected[1]} with "
                        f"SamplesPerPixel {expected[2]}")
    if int(info.number("NumberOfFrames", 1)) == 1 and b"\xff\xd9" not in frame.tail:
        raise ReadError(info.path, f"the {kind} codestream is cut short (no end-of-image marker)")


def _jpeg_size(stream: bytes) -> tuple[int, int, int] | None:
    """(width, height, components) from a JPEG / JPEG-LS start-of-frame marker."""
    if not stream.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(stream):
        if stream[pos] != 0xFF:
            return None
        marker = stream[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = struct.unpack_from(">H", stream, pos + 2)[0]
        if marker in _SOF:
            if pos + 10 > len(stream):
                return None
            height, width = struct.unpack_from(">HH", stream, pos + 5)
            return width, height, stream[pos + 9]
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header before
            return None
        pos += 2 + length
    return None


def _j2k_size(stream: bytes) -> tuple[int, int, int] | None:
    """(width, height, components) from a JPEG 2000 codestream's SIZ marker."""
    pos = stream.find(b"\xff\x4f\xff\x51")  # SOC then SIZ (after a JP2 header, if any)
    if pos < 0 or (pos > 0 and stream[4:8] != b"jP  "):
        return None
    if pos + 42 > len(stream):
        return None
    xsiz, ysiz, xosiz, yosiz = struct.unpack_from(">IIII", stream, pos + 8)
    components = struct.unpack_from(">H", stream, pos + 40)[0]
    return xsiz - xosiz, ysiz - yosiz, components


def _check_rle(info: DicomFile, frame: _Frame, number: int) -> None:
    """An RLE frame: its 64-byte header names one segment per sample byte, inside the frame."""
    if frame.size < 64 or len(frame.head) < 64:
        raise ReadError(info.path, f"RLE frame {number} is {frame.size} bytes, shorter than its header")
    count, *offsets = struct.unpack_from("<16I", frame.head, 0)
    bits = int(info.get("BitsAllocated") or 16)
    expected = int(info.get("SamplesPerPixel", "1") or 1) * max(bits // 8, 1)
    if count != expected:
        raise ReadError(info.path, f"RLE frame {number} has {count} segments; SamplesPerPixel x "
                        f"BitsAllocated / 8 needs {expected}")
    used = offsets[:count]
    if used[0] != 64 or any(used[i + 1] <= used[i] for i in range(count - 1)) or used[-1] >= frame.size:
        raise ReadError(info.path, f"RLE frame {number}: segment offsets {used} do not fit its "
                        f"{frame.size} bytes")
