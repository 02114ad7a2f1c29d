"""One DICOM file's header, parsed in Python up to the pixel data.

A series scan needs a dozen tags from each of hundreds of files; asking GDCM
(``ReadImageInformation``) costs as much as reading the voxels. This parser reads
the first bytes of a Part-10 file and stops at Pixel Data (7FE0,0010), noting where
native (uncompressed) voxels start so that they can be read straight into their slot
of the output buffer (:func:`.decode.read_native`). Anything it does not understand returns ``None`` and the caller
asks GDCM instead: it is a fast path, never the only path.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from .charset import codecs_of, decode

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
DEFLATED_LE = "1.2.840.10008.1.2.1.99"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
_NATIVE = (IMPLICIT_LE, EXPLICIT_LE)

# Tags kept from each file: tag -> (keyword, binary VR or None for text).
TAGS: dict[int, tuple[str, str | None]] = {
    0x00080005: ("SpecificCharacterSet", None),
    0x00080008: ("ImageType", None),
    0x00080016: ("SOPClassUID", None),
    0x00080018: ("SOPInstanceUID", None),
    0x00080020: ("StudyDate", None),
    0x00080060: ("Modality", None),
    0x00081030: ("StudyDescription", None),
    0x0008103E: ("SeriesDescription", None),
    0x00180050: ("SliceThickness", None),
    0x00180081: ("EchoTime", None),
    0x00180086: ("EchoNumbers", None),
    0x00180088: ("SpacingBetweenSlices", None),
    0x00181060: ("TriggerTime", None),
    0x00185100: ("PatientPosition", None),
    0x0020000D: ("StudyInstanceUID", None),
    0x0020000E: ("SeriesInstanceUID", None),
    0x00200011: ("SeriesNumber", None),
    0x00200012: ("AcquisitionNumber", None),
    0x00200013: ("InstanceNumber", None),
    0x00200020: ("PatientOrientation", None),
    0x00200032: ("ImagePositionPatient", None),
    0x00200037: ("ImageOrientationPatient", None),
    0x00200052: ("FrameOfReferenceUID", None),
    0x00200100: ("TemporalPositionIdentifier", None),
    0x00280002: ("SamplesPerPixel", "US"),
    0x00280004: ("PhotometricInterpretation", None),
    0x00280006: ("PlanarConfiguration", "US"),
    0x00280008: ("NumberOfFrames", None),
    0x00280010: ("Rows", "US"),
    0x00280011: ("Columns", "US"),
    0x00280030: ("PixelSpacing", None),
    0x00280100: ("BitsAllocated", "US"),
    0x00280101: ("BitsStored", "US"),
    0x00280102: ("HighBit", "US"),
    0x00280103: ("PixelRepresentation", "US"),
    0x00281050: ("WindowCenter", None),
    0x00281051: ("WindowWidth", None),
    0x00281052: ("RescaleIntercept", None),
    0x00281053: ("RescaleSlope", None),
    0x00281054: ("RescaleType", None),
    0x00283000: ("ModalityLUTSequence", "SQ"),
    0x3004000C: ("GridFrameOffsetVector", None),
    0x3004000E: ("DoseGridScaling", None),
}
# The same tags under GDCM's metadata keys ("gggg|eeee"), for files GDCM parses.
GDCM_KEYS = {f"{tag >> 16:04x}|{tag & 0xFFFF:04x}": name for tag, (name, _) in TAGS.items()}

_PIXEL_DATA = 0x7FE00010
_CHARSET = 0x00080005
_SYNTAX = 0x00020010
_LONG_VRS = {
    b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV",
}
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_FIRST_READ = 1 << 12  # most headers end before 4 KiB
_MAX_HEADER = 64 << 20  # a deflated header (elements before the pixels) longer than this is refused


@dataclass
class DicomFile:
    """What the series logic needs from one file (``tags``: keyword -> text)."""

    path: str
    tags: dict[str, str] = field(default_factory=dict)
    transfer_syntax: str = ""
    #: Byte offset of native little-endian voxels in the file, or None (compressed,
    #: deflated, big-endian: GDCM decodes those).
    pixel_offset: int | None = None
    #: Where Pixel Data's value starts and its length (0xFFFFFFFF: encapsulated), any
    #: transfer syntax but deflate; None where the parser did not reach it.
    data_offset: int | None = None
    data_length: int | None = None
    #: Raw bytes of sequences kept whole (the Modality LUT Sequence), by keyword.
    sequences: dict[str, bytes] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.tags.get(name, default)

    def number(self, name: str, default: float) -> float:
        try:
            return float(self.tags[name].split("\\")[0])
        except (KeyError, ValueError, IndexError):
            return default

    def numbers(self, name: str) -> list[float] | None:
        try:
            return [float(v) for v in self.tags[name].split("\\")]
        except (KeyError, ValueError):
            return None


class _Truncated(Exception):
    """The buffer ended before the pixel data: read more of the file."""


def parse(path: str) -> DicomFile | None:
    """Parse ``path``'s header, or None if it is not a Part-10 file this parser reads."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(_FIRST_READ)
            while True:
                try:
                    return _parse(path, data)
                except _Truncated:
                    more = stream.read(max(len(data), 1 << 16) if len(data) < (1 << 20) else -1)
                    if not more:
                        return None
                    data += more
    except (OSError, ValueError, struct.error, zlib.error, _Truncated):
        return None


def _parse(path: str, data: bytes) -> DicomFile | None:
    if len(data) < 144 or data[128:132] != b"DICM":
        return None
    result = DicomFile(path)
    meta: dict[int, bytes] = {}
    end = _walk(data, 132, len(data), "<", True, meta, {_SYNTAX}, group_limit=0x0002)
    syntax = meta.get(_SYNTAX, b"").rstrip(b"\0 ").decode("ascii", "replace")
    result.transfer_syntax = syntax
    found: dict[int, bytes] = {}
    if syntax == DEFLATED_LE:
        # Bounded: a small deflated stream may inflate to gigabytes before the pixels.
        body = zlib.decompressobj(-zlib.MAX_WBITS).decompress(data[end:], _MAX_HEADER)
        _walk(body, 0, len(body), "<", True, found, TAGS)
    elif syntax in (IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE) \
            or syntax.startswith(("1.2.840.10008.1.2.4", "1.2.840.10008.1.2.5")):
        endian = ">" if syntax == EXPLICIT_BE else "<"
        _walk(data, end, len(data), endian, syntax != IMPLICIT_LE, found, TAGS)
    else:
        return None
    charset = codecs_of(found.get(_CHARSET, b"").decode("latin-1"))
    for tag, raw in found.items():
        if tag == _PIXEL_DATA:
            continue
        name, vr = TAGS[tag]
        if vr == "SQ":
            result.sequences[name] = raw
            continue
        if vr == "US":
            endian = ">" if syntax == EXPLICIT_BE else "<"
            count = len(raw) // 2
            text = "\\".join(str(v) for v in struct.unpack(f"{endian}{count}H", raw[: 2 * count]))
        else:
            text = decode(raw, charset).strip("\0 ")
        result.tags[name] = text
    if _PIXEL_DATA in found and syntax != DEFLATED_LE:
        result.data_offset = int.from_bytes(found[_PIXEL_DATA][:8], "little")
        result.data_length = int.from_bytes(found[_PIXEL_DATA][8:], "little")
        if syntax in _NATIVE:
            result.pixel_offset = result.data_offset
    return result


def item_elements(raw: bytes, syntax: str, wanted) -> dict[int, bytes]:
    """Raw values of the ``wanted`` tags in the first item of a sequence's value ``raw``."""
    endian = ">" if syntax == EXPLICIT_BE else "<"
    explicit = syntax != IMPLICIT_LE
    if len(raw) < 8 or (struct.unpack_from(endian + "H", raw, 0)[0] << 16
                        | struct.unpack_from(endian + "H", raw, 2)[0]) != _ITEM:
        return {}
    length = struct.unpack_from(endian + "I", raw, 4)[0]
    end = len(raw) if length == _UNDEFINED else min(8 + length, len(raw))
    found: dict[int, bytes] = {}
    try:
        _walk(raw, 8, end, endian, explicit, found, set(wanted), stop_at=_ITEM_END)
    except (_Truncated, ValueError, struct.error):
        return {}
    return found


def _walk(data, pos, end, endian, explicit, found, wanted, group_limit=None, stop_at=None) -> int:
    """Read elements from ``pos`` until ``end`` (or ``stop_at`` tag); keep ``wanted`` ones.

    Returns the position after the last element read. ``found`` gets the raw value
    of every wanted tag and, for Pixel Data, its value offset as bytes.
    """
    size = len(data)
    while pos < end:
        if pos + 8 > size:
            raise _Truncated
        group, element = struct.unpack_from(endian + "HH", data, pos)
        tag = (group << 16) | element
        if group_limit is not None and group > group_limit:
            return pos
        if tag == stop_at:
            return pos + 8
        if group == 0xFFFE:  # item or delimiter: always implicit
            length = struct.unpack_from(endian + "I", data, pos + 4)[0]
            header = 8
            vr = b""
        elif explicit:
            vr = data[pos + 4 : pos + 6]
            if vr in _LONG_VRS:
                if pos + 12 > size:
                    raise _Truncated
                length = struct.unpack_from(endian + "I", data, pos + 8)[0]
                header = 12
            else:
                length = struct.unpack_from(endian + "H", data, pos + 6)[0]
                header = 8
        else:
            vr = b""
            length = struct.unpack_from(endian + "I", data, pos + 4)[0]
            header = 8
        value = pos + header
        if tag == _PIXEL_DATA:
            found[tag] = value.to_bytes(8, "little") + length.to_bytes(8, "little")
            return value
        if length == _UNDEFINED:
            # A sequence, or an item, of unknown length: walk it to its delimiter.
            closing = _ITEM_END if tag == _ITEM else _SEQ_END
            if vr == b"SQ" or tag == _ITEM or not explicit:
                pos = _walk_undefined(data, value, endian, explicit, closing)
                if tag in wanted:
                    found[tag] = bytes(data[value:pos])
                continue
            # (UN of undefined length holds implicit-VR content: left to GDCM.)
            raise ValueError("undefined length outside a sequence")
        if value + length > size:
            raise _Truncated
        if tag in wanted:
            found[tag] = bytes(data[value : value + length])
        pos = value + length
    return pos


def _walk_undefined(data, pos, endian, explicit, closing) -> int:
    """Skip the content of an undefined-length element up to its ``closing`` delimiter."""
    if closing == _SEQ_END:
        while True:
            if pos + 8 > len(data):
                raise _Truncated
            tag = (struct.unpack_from(endian + "H", data, pos)[0] << 16) | struct.unpack_from(
                endian + "H", data, pos + 2)[0]
            length = struct.unpack_from(endian + "I", data, pos + 4)[0]
            if tag == _SEQ_END:
                return pos + 8
            if tag != _ITEM:
                raise ValueError("expected an item in a sequence")
            if length == _UNDEFINED:
                pos = _walk_undefined(data, pos + 8, endian, explicit, _ITEM_END)
            else:
                pos += 8 + length
    # Inside an item: nested elements are skipped, not kept.
    return _walk(data, pos, len(data), endian, explicit, {}, (), stop_at=_ITEM_END)
