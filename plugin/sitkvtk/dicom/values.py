"""Stored values to the values a DICOM file means (its modality values), where GDCM errs.

GDCM is used wherever it decodes a kind of file right (:mod:`.faults` tries each kind once
per process). Where it does not, and for multi-frame files sitkvtk reads itself, the stored
values are decoded in numpy (:mod:`.decode`) and turned into modality values here:

- a Modality LUT Sequence, where the file has one, maps stored values (PS3.3 C.11.1);
- otherwise stored * RescaleSlope + RescaleIntercept, whatever PhotometricInterpretation
  says: MONOCHROME1 only tells a viewer to invert the display, it is not a value change;
- RT dose: stored * DoseGridScaling, float64 in the file's DoseUnits (Gy for every file seen);
- 1-bit data keeps its 0/1.

The output type follows GDCM's rule so a series mixing both paths has one type: the
stored type where the rescale is the identity, the smallest integer type holding the
range of an integer rescale, float64 for a fractional one.
"""

from __future__ import annotations

import struct

import numpy as np

from .decode import can_decode, stored_frames
from .faults import wrong_kind
from .parse import EXPLICIT_BE, DicomFile, item_elements

_LUT_DESCRIPTOR, _LUT_DATA = 0x00283002, 0x00283006


def decoded_by_sitkvtk(info: DicomFile) -> bool:
    """Whether sitkvtk decodes this file itself (GDCM gets its kind wrong, or it has a
    Modality LUT or a dose scaling GDCM does not apply)."""
    if not can_decode(info):
        return False
    return wrong_kind(info) is not None or modality_lut(info) is not None or is_dose(info)


def is_dose(info: DicomFile) -> bool:
    return info.get("Modality") == "RTDOSE" and "DoseGridScaling" in info.tags


def refuse_unscaled_dose(info: DicomFile, dtype) -> None:
    """Raise ReadError for a dose grid GDCM decodes (a syntax sitkvtk does not decode, e.g.
    deflate or JPEG) into integers: SimpleITK does not apply DoseGridScaling, and stored
    integers are no dose. A GDCM that applied it would give floats, and pass."""
    if is_dose(info) and np.dtype(dtype).kind != "f":
        from ..errors import ReadError

        raise ReadError(info.path, f"an RT dose grid in transfer syntax {info.transfer_syntax}, which "
                        "sitkvtk does not decode itself, and SimpleITK's reading does not apply its "
                        f"DoseGridScaling {info.get('DoseGridScaling')}: refused rather than read unscaled")


def output_dtype(info: DicomFile) -> np.dtype:
    """The dtype :func:`modality_values` returns for this file."""
    lut = modality_lut(info)
    if lut is not None:
        return lut[1].dtype
    if is_dose(info):
        return np.dtype(np.float64)
    stored = _stored_dtype(info)
    slope, intercept = _rescale(info)
    if slope == 1.0 and intercept == 0.0:
        return stored
    if slope != int(slope) or intercept != int(intercept):
        return np.dtype(np.float64)
    bits = int(info.number("BitsStored", stored.itemsize * 8))
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if stored.kind == "i" else (0, (1 << bits) - 1)
    ends = sorted((low * slope + intercept, high * slope + intercept))
    for candidate in (stored, np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.int64)):
        info_range = np.iinfo(candidate)
        if info_range.min <= ends[0] and ends[1] <= info_range.max and candidate.itemsize >= stored.itemsize:
            return candidate
    return np.dtype(np.float64)


def modality_values(info: DicomFile, count: int) -> np.ndarray:
    """The first ``count`` frames as modality values, (frames, rows, columns[, samples])."""
    stored = stored_frames(info, count)
    lut = modality_lut(info)
    if lut is not None:
        first, table = lut
        index = np.clip(stored.astype(np.int64) - first, 0, len(table) - 1)
        return table[index]
    if is_dose(info):
        return stored * info.number("DoseGridScaling", 1.0)
    slope, intercept = _rescale(info)
    dtype = output_dtype(info)
    if slope == 1.0 and intercept == 0.0:
        return stored.astype(dtype, copy=False)
    return (stored * slope + intercept).astype(dtype, copy=False)


def gdcm_values_wrong(info: DicomFile) -> bool:
    """Whether GDCM's values of this file need :func:`fix_gdcm_values` (a MONOCHROME1 file,
    where this SimpleITK inverts it; see :mod:`.faults`)."""
    return wrong_kind(info) == "MONOCHROME1 inverted"


def fix_gdcm_values(info: DicomFile, values: np.ndarray) -> np.ndarray:
    """GDCM's decoding of a file sitkvtk cannot decode itself (JPEG and the like), corrected
    where the fault is a known function of the value: an inverted MONOCHROME1 gives
    (K - s) * m + b, with K = 2^BitsStored - 1 unsigned and K = -1 signed, so
    s * m + b = K * m + 2 * b - value."""
    if not gdcm_values_wrong(info):
        return values
    slope, intercept = _rescale(info)
    signed = info.get("PixelRepresentation", "0") == "1"
    top = -1 if signed else (1 << int(info.number("BitsStored", 16))) - 1
    return (top * slope + 2 * intercept - values.astype(np.float64)).astype(values.dtype)


def modality_lut(info: DicomFile) -> tuple[int, np.ndarray] | None:
    """(first stored value mapped, table) of the file's Modality LUT Sequence, or None."""
    raw = info.sequences.get("ModalityLUTSequence")
    if not raw:
        return None
    found = item_elements(raw, info.transfer_syntax, (_LUT_DESCRIPTOR, _LUT_DATA))
    if _LUT_DESCRIPTOR not in found or _LUT_DATA not in found or len(found[_LUT_DESCRIPTOR]) < 6:
        return None
    endian = ">" if info.transfer_syntax == EXPLICIT_BE else "<"
    entries, first, bits = struct.unpack(endian + "HHH", found[_LUT_DESCRIPTOR][:6])
    if info.get("PixelRepresentation", "0") == "1" and first >= 1 << 15:
        first -= 1 << 16  # the first mapped value is signed where the pixels are (PS3.3 C.11.1.1)
    entries = entries or 1 << 16
    dtype = np.dtype(endian + ("u1" if bits <= 8 and len(found[_LUT_DATA]) == entries else "u2"))
    table = np.frombuffer(found[_LUT_DATA], dtype)[:entries]
    if len(table) < entries:
        return None
    return first, table.astype(dtype.newbyteorder("="))


def _stored_dtype(info: DicomFile) -> np.dtype:
    bits = int(info.number("BitsAllocated", 16))
    if bits == 1:
        return np.dtype(np.uint8)
    signed = info.get("PixelRepresentation", "0") == "1"
    return np.dtype(f"{'i' if signed else 'u'}{bits // 8}")


def _rescale(info: DicomFile) -> tuple[float, float]:
    return info.number("RescaleSlope", 1.0), info.number("RescaleIntercept", 0.0)
