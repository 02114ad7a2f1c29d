"""Which kinds of DICOM pixel data this SimpleITK's GDCM decodes wrongly, found out by trying.

Each probe writes a tiny file of one kind with known stored values, decodes it through
SimpleITK once per process, and compares. A kind GDCM gets right is left to GDCM, so each
workaround switches itself off with a SimpleITK that is fixed. Seen in SimpleITK 2.5.7:

- MONOCHROME1 comes back inverted, (2^BitsStored - 1 - stored) * slope + intercept, and
  for signed pixels (-1 - stored) * slope + intercept;
- BitsAllocated 1 comes back as 0/255;
- explicit VR big endian, 32 bits: the two 16-bit halves of each value swapped;
- RLE with 16 or 32 bits per sample in colour (and 32-bit greyscale): wrong values.
"""

from __future__ import annotations

import functools
import os
import struct
import tempfile

import numpy as np
import SimpleITK as sitk

from .parse import EXPLICIT_BE

_LE = "1.2.840.10008.1.2.1"
_RLE = "1.2.840.10008.1.2.5"
_SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
_ROWS, _COLUMNS = 16, 16  # smaller RLE images fail in this GDCM whatever their kind


def wrong_kind(info) -> str | None:
    """The name of the GDCM fault that applies to ``info``'s pixel data, or None."""
    allocated = int(info.number("BitsAllocated", 0))
    samples = int(info.number("SamplesPerPixel", 1))
    syntax = info.transfer_syntax
    if allocated == 1 and one_bit_scaled():
        return "1-bit values scaled to 255"
    if info.get("PhotometricInterpretation") == "MONOCHROME1" and samples == 1:
        signed = info.get("PixelRepresentation", "0") == "1"
        if monochrome1_signed_inverted() if signed else monochrome1_inverted():
            return "MONOCHROME1 inverted"
    if syntax == EXPLICIT_BE and allocated == 32 and big_endian_32_swapped():
        return "big-endian 32-bit halves swapped"
    if syntax == _RLE and allocated in (8, 16, 32) and samples in (1, 3) \
            and rle_wrong(allocated, samples):
        return f"RLE {allocated}-bit {'colour' if samples == 3 else 'greyscale'} decoded wrongly"
    return None


@functools.cache
def monochrome1_inverted() -> bool:
    stored = _ramp(np.uint16, 4095)
    return not _decodes_to(stored, stored, photometric="MONOCHROME1", bits_stored=12)


@functools.cache
def monochrome1_signed_inverted() -> bool:
    """Whether a signed MONOCHROME1 value s comes back as -1 - s (only that rule is undone:
    anything else GDCM might do is not detected here and left to GDCM)."""
    stored = (_ramp(np.uint16, 65535).astype(np.int64) - 32768).astype(np.int16)
    return _decodes_to(-1 - stored, stored, photometric="MONOCHROME1", signed=True)


@functools.cache
def one_bit_scaled() -> bool:
    stored = (np.arange(_ROWS * _COLUMNS) % 3 == 0).astype(np.uint8).reshape(_ROWS, _COLUMNS)
    packed = np.packbits(stored.ravel(), bitorder="little").tobytes()
    return not _decodes_to(stored, packed, bits=1)


@functools.cache
def big_endian_32_swapped() -> bool:
    stored = _ramp(np.uint32, 1 << 31) + 7
    return not _decodes_to(stored, stored.astype(">u4").tobytes(), syntax=EXPLICIT_BE)


@functools.cache
def rle_wrong(bits: int, samples: int) -> bool:
    dtype = np.dtype(f"u{bits // 8}")
    stored = _ramp(dtype, np.iinfo(dtype).max, samples)
    return not _decodes_to(stored, _rle_frame(stored), syntax=_RLE, samples=samples)


def _ramp(dtype, top, samples: int = 1) -> np.ndarray:
    """Distinct values that use every byte of ``dtype``, (rows, columns[, samples])."""
    count = _ROWS * _COLUMNS * samples
    values = (np.arange(count, dtype=np.float64) * (top / count) + np.arange(count)) % (top + 1)
    shape = (_ROWS, _COLUMNS) + ((samples,) if samples > 1 else ())
    return values.astype(dtype).reshape(shape)


def _decodes_to(expected: np.ndarray, pixels, *, syntax=_LE, photometric=None, bits=None,
                bits_stored=None, samples: int = 1, signed: bool = False) -> bool:
    """Whether SimpleITK reads a file holding ``pixels`` as ``expected``."""
    if isinstance(pixels, np.ndarray):
        pixels = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
    bits = bits or expected.dtype.itemsize * 8
    photometric = photometric or ("RGB" if samples == 3 else "MONOCHROME2")
    data = _file(pixels, syntax, photometric, bits, bits_stored or bits, samples, signed)
    handle, path = tempfile.mkstemp(suffix=".dcm", prefix="sitkvtk-probe-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        image = sitk.ReadImage(path, imageIO="GDCMImageIO")
    except RuntimeError:
        return False
    finally:
        os.remove(path)
    decoded = sitk.GetArrayViewFromImage(image)  # compared while ``image`` is alive: no copy
    return decoded.size == expected.size and np.array_equal(decoded.reshape(expected.shape), expected)


def _file(pixels: bytes, syntax, photometric, bits, bits_stored, samples, signed: bool = False) -> bytes:
    """A minimal Part-10 secondary-capture file."""
    endian = ">" if syntax == EXPLICIT_BE else "<"
    uid = "1.2.826.0.1.3680043.8.498.99"
    meta = b"".join([_element("<", 0x00020001, "OB", b"\0\1"),
                     _element("<", 0x00020002, "UI", _SECONDARY_CAPTURE),
                     _element("<", 0x00020003, "UI", uid + ".1"),
                     _element("<", 0x00020010, "UI", syntax)])
    meta = _element("<", 0x00020000, "UL", struct.pack("<I", len(meta))) + meta
    body = [_element(endian, 0x00080016, "UI", _SECONDARY_CAPTURE),
            _element(endian, 0x00080018, "UI", uid + ".1"),
            _element(endian, 0x00080060, "CS", "OT"),
            _element(endian, 0x0020000D, "UI", uid + ".2"),
            _element(endian, 0x0020000E, "UI", uid + ".3"),
            _element(endian, 0x00280002, "US", struct.pack(endian + "H", samples)),
            _element(endian, 0x00280004, "CS", photometric)]
    if samples > 1:
        body.append(_element(endian, 0x00280006, "US", struct.pack(endian + "H", 0)))
    for tag, value in ((0x00280010, _ROWS), (0x00280011, _COLUMNS), (0x00280100, bits),
                       (0x00280101, bits_stored), (0x00280102, bits_stored - 1),
                       (0x00280103, int(signed))):
        body.append(_element(endian, tag, "US", struct.pack(endian + "H", value)))
    if syntax == _RLE:
        item = struct.pack("<HHI", 0xFFFE, 0xE000, 0)
        fragment = struct.pack("<HHI", 0xFFFE, 0xE000, len(pixels)) + pixels
        end = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
        body.append(struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, 0xFFFFFFFF) + item + fragment + end)
    else:
        body.append(_element(endian, 0x7FE00010, "OB" if bits <= 8 else "OW", pixels))
    return b"\0" * 128 + b"DICM" + meta + b"".join(body)


def _element(endian: str, tag: int, vr: str, value) -> bytes:
    if isinstance(value, str):
        value = value.encode("ascii")
        value += (b"\0" if vr == "UI" else b" ") * (len(value) % 2)
    elif len(value) % 2:
        value += b"\0"
    head = struct.pack(endian + "HH", tag >> 16, tag & 0xFFFF) + vr.encode("ascii")
    if vr in ("OB", "OW", "UN", "SQ"):
        return head + struct.pack(endian + "HI", 0, len(value)) + value
    return head + struct.pack(endian + "H", len(value)) + value


def _rle_frame(stored: np.ndarray) -> bytes:
    """One RLE frame of literal runs: a byte plane per segment, most significant first."""
    nbytes = stored.dtype.itemsize
    words = stored.reshape(_ROWS * _COLUMNS, -1).astype(f">u{nbytes}")
    planes = words.view(np.uint8).reshape(_ROWS * _COLUMNS, -1, nbytes)
    segments = []
    for sample in range(planes.shape[1]):
        for byte in range(nbytes):
            plane = planes[:, sample, byte].tobytes()
            runs = b"".join(bytes([len(chunk) - 1]) + chunk
                            for chunk in (plane[i:i + 128] for i in range(0, len(plane), 128)))
            segments.append(runs + b"\0" * (len(runs) % 2))
    offsets, position = [], 64
    for segment in segments:
        offsets.append(position)
        position += len(segment)
    header = struct.pack("<16I", len(segments), *(offsets + [0] * (15 - len(offsets))))
    return header + b"".join(segments)
