"""A deflated DICOM data set checked before GDCM inflates it.

GDCM inflates the whole data set first, with no bound: a stream cut short, or a Pixel Data
length past the data, took it minutes and gigabytes on public test files. Here the stream
is inflated in 1 MiB steps, keeping only its first 16 MiB (the header), and refused when
it is cut short or damaged, inflates to more than the header's pixels and 16 MiB, or holds
a Pixel Data shorter than its length says or than the header promises.
"""

from __future__ import annotations

import zlib

from ..errors import ReadError
from .parse import DicomFile, _walk

_PIXEL_DATA = 0x7FE00010
_UNDEFINED = 0xFFFFFFFF
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
#: What a deflated data set may hold besides its pixels (header, trailing elements).
_DEFLATE_SLACK = 16 << 20
_DEFLATE_STEP = 1 << 20


def check_deflated(info: DicomFile, data, needed: int, start: int | None) -> None:
    """Inflate ``data`` (the file) from ``start`` (after the File Meta group) in bounded steps,
    keeping only the header; ``needed``: the pixel bytes the header promises."""
    if start is None:
        return
    limit = needed + _DEFLATE_SLACK
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    head, total, pos = b"", 0, start
    try:
        while not inflater.eof:
            chunk = inflater.unconsumed_tail or bytes(data[pos : pos + _DEFLATE_STEP])
            if not inflater.unconsumed_tail:
                pos += len(chunk)
            if not chunk:
                raise ReadError(info.path, "the deflated data set is cut short (the stream ends early)")
            out = inflater.decompress(chunk, _DEFLATE_STEP)
            total += len(out)
            if total > limit:
                raise ReadError(info.path, f"the deflated data set inflates to more than {limit} bytes; "
                                f"its header promises {needed} bytes of pixel data")
            if len(head) < _DEFLATE_SLACK:
                head += out
    except zlib.error as error:
        raise ReadError(info.path, f"the deflated data set is damaged ({error})") from None
    found: dict[int, bytes] = {}
    try:
        _walk(head, 0, len(head), "<", True, found, ())
    except Exception:  # noqa: BLE001 - a walk past the end: the Pixel Data check below says it
        pass
    if _PIXEL_DATA not in found:
        return
    offset = int.from_bytes(found[_PIXEL_DATA][:8], "little")
    length = _length_before(head, offset)
    if length == _UNDEFINED:
        raise ReadError(info.path, "deflated data set with encapsulated Pixel Data")
    if length > total - offset:
        raise ReadError(info.path, f"Pixel Data (7FE0,0010) says {length} bytes; the inflated data set "
                        f"holds {total - offset}")
    if length < needed:
        raise ReadError(info.path, f"Pixel Data (7FE0,0010) holds {length} bytes; the header promises "
                        f"{needed} (Rows x Columns x SamplesPerPixel x BitsAllocated x frames)")


def _length_before(data, offset: int) -> int:
    """The length field of the explicit little-endian element whose value starts at ``offset``."""
    if bytes(data[offset - 8 : offset - 6]) not in _LONG_VRS:
        return int.from_bytes(data[offset - 2 : offset], "little")
    return int.from_bytes(data[offset - 4 : offset], "little")
