"""DICOM mutants, built the way a broken PACS or an attacker would: byte surgery on the
elements of valid files, not through a DICOM library that would refuse to write them.

A file is cut into its File Meta group and its data set's top-level elements (pydicom's
element generator gives each element's bytes); a mutant re-assembles them after one to
four operations: an element set to a hostile value, dropped, or given a length that lies,
header bytes flipped, the transfer syntax relabelled, text in another character set or
in bytes no character set holds, encapsulated fragments cut or damaged, the file cut short.
Deflated files are mutated inflated and deflated again (or their stream is damaged).

:func:`plausible` is the check of a good read against what the mutant's header promises,
with pydicom reading the header: a reader that returns an image larger than the pixel
data, or of another size than the header, has read something silently wrong.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zlib
from dataclasses import dataclass, field

import pydicom
from pydicom.filereader import _read_file_meta_info, data_element_generator, read_preamble

IMPLICIT = "1.2.840.10008.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"
DEFLATED = "1.2.840.10008.1.2.1.99"
BIG = "1.2.840.10008.1.2.2"
RLE = "1.2.840.10008.1.2.5"
SYNTAXES = [IMPLICIT, EXPLICIT, DEFLATED, BIG, RLE, "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.70",
            "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.100", "1.2.3.4", ""]
_LONG_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}
PIXEL_DATA = 0x7FE00010

_US = "US"
#: tag -> (VR, hostile values: ints for US, str or bytes for text).
VALUES: dict[int, tuple[str, list]] = {
    0x00280010: (_US, [0, 1, 2, 3, 31, 33, 64, 255, 256, 4096, 65535]),  # Rows
    0x00280011: (_US, [0, 1, 2, 3, 39, 41, 80, 255, 256, 4096, 65535]),  # Columns
    0x00280100: (_US, [0, 1, 7, 8, 12, 16, 24, 32, 64, 65535]),  # BitsAllocated
    0x00280101: (_US, [0, 1, 8, 12, 15, 16, 17, 32, 65535]),  # BitsStored
    0x00280102: (_US, [0, 7, 11, 15, 16, 31, 65535]),  # HighBit
    0x00280103: (_US, [0, 1, 2, 65535]),  # PixelRepresentation
    0x00280002: (_US, [0, 1, 2, 3, 4, 65535]),  # SamplesPerPixel
    0x00280006: (_US, [0, 1, 2]),  # PlanarConfiguration
    0x00280008: ("IS", ["-1", "abc", "1.5", "0", "1", "2", "3", "4", "8", "100000", "2147483648", " ", "1\\2"]),
    0x00280004: ("CS", ["MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422", "PALETTE COLOR",
                        "", "XYZ"]),
    0x00200032: ("DS", ["nan\\0\\0", "inf\\1\\2", "", "1\\2", "1e308\\0\\0", "-5\\3\\abc", "0\\0\\0"]),
    0x00200037: ("DS", ["nan\\0\\0\\0\\1\\0", "0\\0\\0\\0\\0\\0", "1\\0\\0\\1\\0\\0", "1\\0", "",
                        "0\\1\\0\\1\\0\\0"]),
    0x00280030: ("DS", ["0\\0", "-1\\1", "nan\\1", "inf\\inf", "1", "1e-30\\1e-30", "abc"]),
    0x00281053: ("DS", ["0", "nan", "1e30", "-1", "abc", "0.5"]),  # RescaleSlope
    0x00281052: ("DS", ["nan", "-1e30", "abc", "-1024"]),  # RescaleIntercept
    0x00180050: ("DS", ["nan", "0", "-5", "abc"]),  # SliceThickness
    0x00180088: ("DS", ["nan", "0", "-5", "1e308"]),  # SpacingBetweenSlices
    0x00080005: ("CS", ["ISO_IR 100", "ISO_IR 192", "GB18030", "\\ISO 2022 IR 87", "ISO_IR 13",
                        "ISO 2022 IR 149", "KOI8", "\\ISO 2022 IR 58\\ISO 2022 IR 100"]),
    0x00200013: ("IS", ["-1", "abc", "99999999999", ""]),  # InstanceNumber
    0x0020000E: ("UI", ["", "1.2.3", "\0\0\0", "x" * 64]),  # SeriesInstanceUID
}
#: Text elements that get bytes no character set holds.
TEXT_TAGS = [0x0008103E, 0x00081030, 0x00100010, 0x00080070]
TEXT_GARBAGE = [b"Sch\xe4del", b"\xff\xfe\xfd", b"\x1b$B\x00\x1b(B", b"\xc3(", b"\x1b-A\xe4\\\xe4", b"a\0b",
                b"\xed\xa0\x80", "头颅".encode("gb18030"), "頭蓋".encode("shift_jis"), b"\x1b$)C\xb0\xa1"]


@dataclass
class Element:
    tag: int
    raw: bytes  # the whole element, as in the file


@dataclass
class Parsed:
    preamble: bytes  # 128 bytes + "DICM"
    meta: list[Element]
    syntax: str
    body: list[Element]
    deflated_tail: bytes = b""  # nothing, kept for symmetry with parse errors
    notes: dict = field(default_factory=dict)

    @property
    def implicit(self) -> bool:
        return self.syntax == IMPLICIT

    @property
    def little(self) -> bool:
        return self.syntax != BIG


def _elements(data: bytes, start: int, implicit: bool, little: bool) -> list[Element]:
    stream = io.BytesIO(data)
    stream.seek(start)
    result, pos = [], start
    for element in data_element_generator(stream, implicit, little):
        end = stream.tell()
        result.append(Element(element.tag, data[pos:end]))
        pos = end
    return result


def load(path: str) -> Parsed:
    with open(path, "rb") as stream:
        data = stream.read()
    fp = io.BytesIO(data)
    read_preamble(fp, False)
    meta_start = fp.tell()
    meta = _read_file_meta_info(fp)
    body_start = fp.tell()
    syntax = str(meta.TransferSyntaxUID)
    meta_elements = _elements(data[:body_start], meta_start, False, True)
    if syntax == DEFLATED:
        body = zlib.decompress(data[body_start:], -zlib.MAX_WBITS)
        elements = _elements(body, 0, False, True)
    else:
        elements = _elements(data, body_start, syntax == IMPLICIT, syntax != BIG)
    return Parsed(data[:meta_start], meta_elements, syntax, elements)


def encode(tag: int, vr: str, value: bytes, implicit: bool, little: bool) -> bytes:
    end = "<" if little else ">"
    group, element = tag >> 16, tag & 0xFFFF
    if implicit:
        return struct.pack(end + "HHI", group, element, len(value)) + value
    if vr in _LONG_VRS or len(value) > 0xFFFF:
        vr = vr if vr in _LONG_VRS else "UN"
        return struct.pack(end + "HH", group, element) + vr.encode() + b"\0\0" + struct.pack(end + "I", len(value)) \
            + value
    return struct.pack(end + "HH", group, element) + vr.encode() + struct.pack(end + "H", len(value)) + value


def _value_bytes(vr: str, value, little: bool) -> bytes:
    if vr == _US:
        return struct.pack(("<" if little else ">") + "H", int(value) & 0xFFFF)
    raw = value if isinstance(value, bytes) else value.encode("latin-1")
    return raw + (b" " if len(raw) % 2 and vr != "UI" else b"\0" if len(raw) % 2 else b"")


def _put(elements: list[Element], tag: int, raw: bytes) -> None:
    for i, element in enumerate(elements):
        if element.tag == tag:
            elements[i] = Element(tag, raw)
            return
        if element.tag > tag:
            elements.insert(i, Element(tag, raw))
            return
    elements.append(Element(tag, raw))


def assemble(parsed: Parsed, body: list[Element], syntax: str | None = None, meta=None) -> bytes:
    meta = list(parsed.meta if meta is None else meta)
    if syntax is not None:
        _put(meta, 0x00020010, encode(0x00020010, "UI", _value_bytes("UI", syntax, True), False, True))
    group = b"".join(e.raw for e in meta if e.tag != 0x00020000)
    meta_bytes = encode(0x00020000, "UL", struct.pack("<I", len(group)), False, True) + group
    data = b"".join(e.raw for e in body)
    if parsed.syntax == DEFLATED:
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        data = packer.compress(data) + packer.flush()
    return parsed.preamble + meta_bytes + data


def mutate(parsed: Parsed, rng: random.Random) -> bytes:
    """One mutant of ``parsed``: 1-4 operations, then maybe cut short or its deflate stream damaged."""
    body = list(parsed.body)
    syntax = None
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["value", "value", "value", "value", "text", "drop", "length", "flip", "relabel",
                           "pixels", "pixels"])
        if kind == "value":
            tag = rng.choice(list(VALUES))
            vr, values = VALUES[tag]
            _put(body, tag, encode(tag, vr, _value_bytes(vr, rng.choice(values), parsed.little),
                                   parsed.implicit, parsed.little))
        elif kind == "text":
            tag = rng.choice(TEXT_TAGS)
            _put(body, tag, encode(tag, "LO", _value_bytes("LO", rng.choice(TEXT_GARBAGE), True),
                                   parsed.implicit, parsed.little))
            if rng.random() < 0.5:
                vr, values = VALUES[0x00080005]
                _put(body, 0x00080005, encode(0x00080005, vr, _value_bytes(vr, rng.choice(values), True),
                                              parsed.implicit, parsed.little))
        elif kind == "drop":
            index = rng.randrange(len(body))
            body.pop(index)
            if not body:
                break
        elif kind == "length":
            index = rng.randrange(len(body))
            body[index] = Element(body[index].tag, _lie_about_length(body[index].raw, parsed, rng))
        elif kind == "flip":
            index = rng.randrange(len(body))
            raw = bytearray(body[index].raw)
            for _ in range(rng.randint(1, 3)):
                raw[rng.randrange(min(len(raw), 64))] = rng.randrange(256)
            body[index] = Element(body[index].tag, bytes(raw))
        elif kind == "relabel":
            syntax = rng.choice(SYNTAXES)
        else:
            _damage_pixels(body, parsed, rng)
    data = assemble(parsed, body, syntax)
    if parsed.syntax == DEFLATED and rng.random() < 0.3:
        data = bytearray(data)
        data[rng.randrange(len(data) // 2, len(data))] ^= 1 << rng.randrange(8)
        data = bytes(data)
    if rng.random() < 0.12:
        data = data[: rng.randrange(132, len(data))]
    return data


def _lie_about_length(raw: bytes, parsed: Parsed, rng: random.Random) -> bytes:
    end = "<" if parsed.little else ">"
    lie = rng.choice([0, 1, 3, 0xFFFF, 0xFFFFFFF0, 0xFFFFFFFF, 0x7FFFFFFF, max(len(raw) - 10, 0), len(raw) + 2])
    if parsed.implicit or raw[4:6].decode("latin-1") in _LONG_VRS:
        at = 4 if parsed.implicit else 8
        return raw[:at] + struct.pack(end + "I", lie & 0xFFFFFFFF) + raw[at + 4 :]
    return raw[:6] + struct.pack(end + "H", lie & 0xFFFF) + raw[8:]


def _damage_pixels(body: list[Element], parsed: Parsed, rng: random.Random) -> None:
    index = next((i for i, e in enumerate(body) if e.tag == PIXEL_DATA), None)
    if index is None:
        return
    raw = bytearray(body[index].raw)
    header = 8 if parsed.implicit else 12
    how = rng.choice(["cut", "flip", "shorten", "no-delimiter"])
    if how == "cut":
        raw = raw[: rng.randrange(header, len(raw))]
    elif how == "flip":  # in the codestream's header, or the fragment items
        for _ in range(rng.randint(1, 4)):
            raw[rng.randrange(header, min(len(raw), header + 96))] = rng.randrange(256)
    elif how == "shorten" and raw[header - 4 : header] != b"\xff\xff\xff\xff":
        cut = rng.randrange(1, max(2, (len(raw) - header) // 2))
        raw = raw[: len(raw) - cut]
        end = "<" if parsed.little else ">"
        raw[header - 4 : header] = struct.pack(end + "I", len(raw) - header)
    elif raw.endswith(b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"):
        raw = raw[:-8]
    body[index] = Element(PIXEL_DATA, bytes(raw))


def mutate_series(folder: str, paths: list[str], parsed: list[Parsed], rng: random.Random) -> None:
    """Write the series' files into ``folder``, one to three of them mutated."""
    os.makedirs(folder, exist_ok=True)
    chosen = set(rng.sample(range(len(paths)), rng.randint(1, min(3, len(paths)))))
    for i, path in enumerate(paths):
        if i in chosen:
            data = mutate(parsed[i], rng)
        else:
            with open(path, "rb") as stream:
                data = stream.read()
        with open(os.path.join(folder, os.path.basename(path)), "wb") as stream:
            stream.write(data)


# -- plausibility of a good read ------------------------------------------------------
#: What :func:`plausible` says when pydicom reads no header: nothing to hold the read to.
UNVERIFIED = "no file whose header pydicom can read"


def _header(path: str):
    try:
        return pydicom.dcmread(path, force=True)
    except Exception:  # noqa: BLE001 - pydicom cannot read the header: nothing to hold the read to
        return None


def _number(ds, keyword: str, default):
    try:
        value = ds.get(keyword, default)
        return default if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


def promised(path: str) -> tuple[int, int, int, int, int | None] | None:
    """(columns, rows, frames, samples, pixel bytes or None if encapsulated) from pydicom."""
    ds = _header(path)
    if ds is None:
        return None
    try:
        columns, rows = _number(ds, "Columns", None), _number(ds, "Rows", None)
        frames, samples = _number(ds, "NumberOfFrames", 1), _number(ds, "SamplesPerPixel", 1)
        bits = _number(ds, "BitsAllocated", None)
        element = ds[PIXEL_DATA] if PIXEL_DATA in ds else None
        raw = element.value if element is not None else None
        # A compressed transfer syntax is decoded from its codestream, whatever the element's length says.
        encapsulated = element is not None and (element.is_undefined_length or str(
            ds.file_meta.get("TransferSyntaxUID", "")) not in (IMPLICIT, EXPLICIT, DEFLATED, BIG))
        if None in (columns, rows, frames, samples, bits) or raw is None:
            return None
        stored = None if encapsulated else min(len(raw), os.path.getsize(path)) * 8 // max(bits, 1)
        return columns, rows, frames, samples, stored
    except Exception:  # noqa: BLE001 - a header pydicom cannot make sense of
        return None


def plausible(paths: list[str], dims: tuple[int, int, int], components: int) -> str | None:
    """None if a read of ``dims`` (x, y, z) and ``components`` can come from these files, else why not.

    The read must match some file's Columns x Rows x SamplesPerPixel, and that file's
    native pixel data must hold at least a slice of it; a single file's frames must be
    what NumberOfFrames says or what its pixel data holds (read with a warning).
    """
    nx, ny, nz = dims
    reasons = []
    for path in paths:
        header = promised(path)
        if header is None:
            continue
        columns, rows, frames, samples, stored = header
        if (columns, rows, samples) != (nx, ny, components):
            reasons.append(f"{os.path.basename(path)}: header {columns}x{rows}x{samples}")
            continue
        per_frame = columns * rows * samples
        if stored is not None and stored < per_frame:
            reasons.append(f"{os.path.basename(path)}: pixel data holds {stored} samples, a frame needs {per_frame}")
            continue
        if len(paths) == 1:
            held = stored // per_frame if stored is not None else _fragments(path, frames)
            if nz not in (frames, held) or (stored is not None and nz * per_frame > stored):
                reasons.append(f"read {nz} frames; header {frames}, data for {held}")
                continue
        return None
    return "; ".join(reasons) if reasons else UNVERIFIED


def _fragments(path: str, default: int) -> int:
    """Fragments of encapsulated pixel data (a reader may take each as a frame)."""
    try:
        ds = pydicom.dcmread(path, force=True)
        return sum(1 for _ in pydicom.encaps.generate_fragments(ds.PixelData)) - 1 or default  # less the offset table
    except Exception:  # noqa: BLE001 - items pydicom cannot walk
        return default


#: Transfer syntaxes whose values one decoder must give exactly as another (lossless, and not
#: JPEG 2000, whose codestream may disagree with PixelRepresentation, read differently by design).
EXACT = (IMPLICIT, EXPLICIT, DEFLATED, BIG, RLE, "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70",
         "1.2.840.10008.1.2.4.80")


def values_disagree(path: str, points: int, total: float) -> str | None:
    """Why the sum of a good read of one greyscale file (``points`` values summing to ``total``)
    is not what pydicom decodes (modality LUT or rescale applied, RT dose scaled), or None: equal,
    or not comparable (pydicom cannot decode it, or decodes another count; colour, whose
    conversions differ by design; lossy or JPEG 2000 data)."""
    try:
        ds = pydicom.dcmread(path, force=True)
        if int(ds.get("SamplesPerPixel", 1)) != 1 or str(ds.file_meta.TransferSyntaxUID) not in EXACT:
            return None
        stored = ds.pixel_array
        if stored.size != points:
            return None
        values = pydicom.pixels.apply_modality_lut(stored, ds).astype("float64")
        # DoseGridScaling belongs to RT dose; with another Modality, a reader may leave it.
        scales = [float(ds.DoseGridScaling)] if "DoseGridScaling" in ds else [1.0]
        scales += [1.0] if ds.get("Modality") != "RTDOSE" else []
        expected = [float(values.sum()) * scale for scale in scales]
        if ("RescaleSlope" in ds) != ("RescaleIntercept" in ds):
            # Half a rescale (the standard wants both): pydicom ignores it, GDCM takes the other as 1 or 0.
            slope, intercept = float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0))
            expected += [float((stored.astype("float64") * slope + intercept).sum()) * scale for scale in scales]
    except Exception:  # noqa: BLE001 - pydicom cannot decode it: nothing to hold the values to
        return None
    if any(abs(e - total) <= 1e-6 * max(abs(e), 1.0) + 1e-3 for e in expected):
        return None
    return f"values sum to {total!r}; pydicom decodes {expected[0]!r}"
