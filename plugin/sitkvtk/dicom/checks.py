"""Checks of a DICOM file before any of its pixels is decoded.

GDCM trusts the header: asked for more pixels than the file holds it pads them, a
NumberOfFrames of "abc" is one frame, BitsAllocated 12 is decoded anyway, a cut or
mislabelled codestream comes back as a full image, and a few inputs hang it or corrupt
its heap. Every check here refuses with a ReadError naming the file, the element and
both numbers, before GDCM (or the raw reader) sees the file:

- header values: BitsAllocated 1/8/16/32/64, BitsStored up to it and HighBit one below
  it, SamplesPerPixel 1 or 3 as the PhotometricInterpretation needs (GDCM makes three
  samples of one), NumberOfFrames a positive integer, Rows and Columns positive, a finite
  non-zero RescaleSlope;
- native data: its length must hold Rows x Columns x SamplesPerPixel x BitsAllocated x
  frames, and the file must hold its length;
- encapsulated data: see :mod:`.encapsulated`;
- deflated data sets: see :mod:`.deflate`;
- RLE labelled YBR_FULL_422 (the standard forbids it; GDCM corrupts its heap on it).
"""

from __future__ import annotations

import functools
import math
import mmap
import os
import struct

from ..errors import ReadError
from ..sources.checks import check_name
from .deflate import check_deflated
from .encapsulated import check_encapsulated
from .parse import DEFLATED_LE, EXPLICIT_BE, IMPLICIT_LE, DicomFile, _Truncated, _walk, parse

_RLE = "1.2.840.10008.1.2.5"
_NATIVE = (IMPLICIT_LE, "1.2.840.10008.1.2.1", EXPLICIT_BE)
_PIXEL_DATA = 0x7FE00010
_UNDEFINED = 0xFFFFFFFF
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
ALLOWED_BITS = (1, 8, 16, 32, 64)
_ONE_SAMPLE = ("MONOCHROME1", "MONOCHROME2", "PALETTE COLOR")
_THREE_SAMPLES = ("RGB", "YBR_FULL", "YBR_FULL_422", "YBR_PARTIAL_420", "YBR_ICT", "YBR_RCT")


def check_values(info: DicomFile) -> int:
    """Refuse header values GDCM would decode anyway; the number of frames they give."""
    path = info.path
    bits = info.get("BitsAllocated")
    if bits and (not bits.isdigit() or int(bits) not in ALLOWED_BITS):
        raise ReadError(path, f"BitsAllocated (0028,0100) is {bits!r}; allowed: "
                        f"{', '.join(map(str, ALLOWED_BITS))}")
    stored, high = info.get("BitsStored"), info.get("HighBit")
    if bits and stored and (not stored.isdigit() or not 0 < int(stored) <= int(bits)):
        raise ReadError(path, f"BitsStored (0028,0101) is {stored!r}; it must be 1 to BitsAllocated ({bits})")
    if stored and high and high != str(int(stored) - 1):
        # Readers disagree on where such bits are (GDCM shifts by HighBit, pydicom does not).
        raise ReadError(path, f"HighBit (0028,0102) is {high!r}; with BitsStored {stored} it must be {int(stored) - 1}")
    samples = info.get("SamplesPerPixel", "1") or "1"
    if samples not in ("1", "3"):
        raise ReadError(path, f"SamplesPerPixel (0028,0002) is {samples!r}; allowed: 1 or 3")
    photometric = info.get("PhotometricInterpretation")
    needs = 1 if photometric in _ONE_SAMPLE else 3 if photometric in _THREE_SAMPLES else None
    if needs is not None and int(samples) != needs:
        raise ReadError(path, f"PhotometricInterpretation {photometric} needs SamplesPerPixel {needs}; "
                        f"SamplesPerPixel (0028,0002) is {samples}")
    for name, tag in (("Rows", "0028,0010"), ("Columns", "0028,0011")):
        value = info.get(name)
        if not value.isdigit() or int(value) == 0:
            raise ReadError(path, f"{name} ({tag}) is {value!r}; it must be a positive integer")
    for name, tag in (("RescaleSlope", "0028,1053"), ("RescaleIntercept", "0028,1052")):
        value = info.number(name, 0.0) if info.get(name) else 0.0
        if not math.isfinite(value) or (name == "RescaleSlope" and info.get(name) and value == 0):
            raise ReadError(path, f"{name} ({tag}) is {info.get(name)!r}; it must be a finite number"
                            + (", not 0" if name == "RescaleSlope" else ""))
    frames = info.get("NumberOfFrames").strip()
    if not frames:
        return 1
    if not frames.lstrip("+").isdigit() or int(frames) < 1:
        raise ReadError(path, f"NumberOfFrames (0028,0008) is {frames!r}; it must be a positive integer")
    return int(frames)


def expected_bytes(info: DicomFile, frames: int) -> int:
    """Bytes of native pixel data the header promises (1-bit frames are packed; YBR_FULL_422
    holds two chroma samples per two pixels, so two samples a pixel, PS3.3 C.7.6.3.1.2)."""
    bits = int(info.get("BitsAllocated") or 16)
    samples = int(info.get("SamplesPerPixel", "1") or 1)
    if samples == 3 and info.get("PhotometricInterpretation") == "YBR_FULL_422":
        samples = 2
    return (int(info.get("Rows")) * int(info.get("Columns")) * samples * bits * frames + 7) // 8


def check_file(info: DicomFile) -> None:
    """Every check that applies to ``info`` (a parsed header); raises ReadError."""
    _check_file(info.path, _stamp(info.path), info)


def _stamp(path: str) -> tuple:
    try:
        stat = os.stat(path)
    except OSError as error:
        raise ReadError(path, f"cannot open it ({error.strerror})") from None
    return (stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _check_file_cached(path: str, stamp: tuple, key: tuple) -> None:
    info = DicomFile(path, dict(key[0]), key[1])
    _run_checks(info)


def _check_file(path: str, stamp: tuple, info: DicomFile) -> None:
    # Cached per file version: a series asks once per slice read, GDCM's set-up asks again.
    _check_file_cached(path, stamp, (tuple(sorted(info.tags.items())), info.transfer_syntax))


def _run_checks(info: DicomFile) -> None:
    syntax = info.transfer_syntax
    frames = check_values(info)
    if syntax == _RLE and info.get("PhotometricInterpretation") == "YBR_FULL_422":
        raise ReadError(info.path, "RLE pixel data labelled YBR_FULL_422, which the standard does "
                        "not allow for RLE (GDCM corrupts its memory decoding it)")
    with _mapped(info.path) as data:
        if syntax == DEFLATED_LE:
            check_deflated(info, data, expected_bytes(info, frames), _body_start(data))
            return
        located = _pixel_element(data, syntax)
        if located is None:
            return  # no Pixel Data reached: GDCM will say so
        offset, length = located
        if syntax in _NATIVE:
            _check_native(info, frames, offset, length, len(data))
        elif length != _UNDEFINED:
            raise ReadError(info.path, f"Pixel Data of transfer syntax {syntax} must be encapsulated "
                            f"(undefined length), but has a length of {length} bytes")
        else:
            check_encapsulated(info, frames, data, offset)


class _mapped:
    """The file memory-mapped (read only), closed on exit; b"" for an empty file."""

    def __init__(self, path: str):
        self.path = path

    def __enter__(self):
        try:
            self.stream = open(self.path, "rb")
            size = os.fstat(self.stream.fileno()).st_size
            self.map = mmap.mmap(self.stream.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        except (OSError, ValueError) as error:
            raise ReadError(self.path, f"cannot read it ({error})") from None
        return self.map if self.map is not None else b""

    def __exit__(self, *exc):
        if self.map is not None:
            self.map.close()
        self.stream.close()


def _body_start(data) -> int | None:
    """Where the data set starts after the File Meta group, or None if not Part 10."""
    if len(data) < 144 or data[128:132] != b"DICM":
        return None
    try:
        return _walk(data, 132, len(data), "<", True, {}, (), group_limit=0x0002)
    except Exception:  # noqa: BLE001 - the parser's own refusals: GDCM will say what is wrong
        return None


def _pixel_element(data, syntax: str) -> tuple[int, int] | None:
    """(value offset, value length) of Pixel Data, or None where the walk does not reach it."""
    start = _body_start(data)
    if start is None:
        return None
    endian = ">" if syntax == EXPLICIT_BE else "<"
    found: dict[int, bytes] = {}
    try:
        _walk(data, start, len(data), endian, syntax != IMPLICIT_LE, found, ())
    except Exception:  # noqa: BLE001 - cut before the pixels: reported by the size check below
        pass
    if _PIXEL_DATA not in found:
        return None
    offset = int.from_bytes(found[_PIXEL_DATA][:8], "little")
    return offset, _length_before(data, offset, endian, syntax != IMPLICIT_LE)


def _length_before(data, offset: int, endian: str, explicit: bool) -> int:
    """The length field of the element whose value starts at ``offset``."""
    if explicit and bytes(data[offset - 8 : offset - 6]) not in _LONG_VRS:
        return struct.unpack_from(endian + "H", data, offset - 2)[0]
    return struct.unpack_from(endian + "I", data, offset - 4)[0]


def _check_native(info: DicomFile, frames: int, offset: int, length: int, size: int) -> None:
    needed = expected_bytes(info, frames)
    promise = (f"Rows x Columns x SamplesPerPixel x BitsAllocated x frames = "
               f"{info.get('Rows')} x {info.get('Columns')} x {info.get('SamplesPerPixel', '1') or 1} x "
               f"{info.get('BitsAllocated') or 16} x {frames} bits = {needed} bytes")
    if length == _UNDEFINED:
        raise ReadError(info.path, f"native Pixel Data of undefined length (transfer syntax "
                        f"{info.transfer_syntax} is not encapsulated)")
    if length < needed:
        raise ReadError(info.path, f"Pixel Data (7FE0,0010) holds {length} bytes; the header promises {promise}")
    if size - offset < needed:
        raise ReadError(info.path, f"the file holds {max(size - offset, 0)} bytes of pixel data; "
                        f"the header promises {promise}")


def check_path(path: str) -> None:
    """The checks for any file GDCM is about to open (a file the fast parser did not read too)."""
    check_name(path)  # a file of a folder: the folder's own name was checked, not this one's
    info = parse(path)
    if info is not None:
        check_file(info)
        return
    with _mapped(path) as data:
        start = _body_start(data)
        if start is None:
            return  # not Part 10 (or its meta group is damaged): GDCM's to judge
        meta: dict[int, bytes] = {}
        _walk(data, 132, len(data), "<", True, meta, {0x00020010}, group_limit=0x0002)
        syntax = meta.get(0x00020010, b"").rstrip(b"\0 ").decode("ascii", "replace")
        if syntax == DEFLATED_LE:
            raise ReadError(path, "a deflated data set whose header cannot be read (cut short or damaged)")
        try:
            _walk(data, start, len(data), ">" if syntax == EXPLICIT_BE else "<", syntax != IMPLICIT_LE, {}, ())
        except _Truncated:
            # An element runs past the end of the file: cut short, or the elements are not
            # encoded as the transfer syntax says (GDCM guesses, slowly, and pads).
            raise ReadError(path, f"its elements cannot be read as transfer syntax {syntax or '(none)'}: "
                            "one runs past the end of the file (cut short, or another encoding)") from None
        except Exception:  # noqa: BLE001 - what the parser does not handle (UN of undefined length): GDCM's
            return


def checked_slices(name: str, files: list[DicomFile], notes: list[str]) -> list[DicomFile]:
    """The slices of series ``name`` that can be read and placed.

    A slice with header values no reader may decode (:func:`check_values`) refuses the
    series. A slice whose ImagePositionPatient / ImageOrientationPatient are not finite
    numbers cannot be put anywhere: it is left out and named in ``notes`` (the series'
    warning); a place it leaves inside the stack is a blank slice, as for any missing
    slice. When none can be placed, the series is refused.
    """
    for info in files:
        check_values(info)
    bad = [f for f in files if not _finite_plane(f)]
    if not bad:
        return files
    if len(bad) == len(files):
        raise ReadError(files[0].path, f"{name}: no slice can be placed (ImagePositionPatient "
                        f"{files[0].get('ImagePositionPatient')!r}, ImageOrientationPatient "
                        f"{files[0].get('ImageOrientationPatient')!r})")
    listing = ", ".join(os.path.basename(f.path) for f in bad[:5]) + (" ..." if len(bad) > 5 else "")
    notes.append(f"{name}: {len(bad)} slice(s) cannot be placed (ImagePositionPatient or "
                 f"ImageOrientationPatient not finite, or a zero direction) and are left out: {listing}")
    return [f for f in files if f not in bad]


def check_single(info: DicomFile) -> None:
    """A file read on its own (or a multi-frame file): header values, and a plane it can be put in."""
    check_values(info)
    if not _finite_plane(info):
        raise ReadError(info.path, f"the image cannot be placed: ImagePositionPatient "
                        f"{info.get('ImagePositionPatient')!r}, ImageOrientationPatient "
                        f"{info.get('ImageOrientationPatient')!r} (3 and 6 finite numbers, where given)")


def _finite_plane(info: DicomFile) -> bool:
    position, orientation = info.numbers("ImagePositionPatient"), info.numbers("ImageOrientationPatient")
    if info.get("ImagePositionPatient") and (position is None or len(position) != 3):
        return False
    if info.get("ImageOrientationPatient") and orientation is None:
        return False
    if position is not None and not all(math.isfinite(v) for v in position):
        return False
    if orientation is None:
        return True
    if not all(math.isfinite(v) for v in orientation) or len(orientation) != 6:
        return False
    return math.hypot(*orientation[:3]) > 0 and math.hypot(*orientation[3:]) > 0


def check_pixel_spacing(name: str, info: DicomFile) -> None:
    """PixelSpacing, where given, is two positive finite numbers (row, column spacing)."""
    text = info.get("PixelSpacing")
    values = info.numbers("PixelSpacing")
    if text and (values is None or len(values) != 2 or not all(math.isfinite(v) and v > 0 for v in values)):
        raise ReadError(info.path, f"{name}: PixelSpacing (0028,0030) is {text!r}; it must be two positive numbers")
