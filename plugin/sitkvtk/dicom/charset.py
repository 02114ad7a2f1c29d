"""DICOM text as Python text: Specific Character Set (0008,0005) to Python codecs.

DICOM stores text in the character set its Specific Character Set names (PS3.3
C.12.1.1.2): most European scanners write ISO_IR 100 (Latin-1), Asian ones use
ISO 2022 escape sequences, GB18030 or UTF-8. Text handed on undecoded is not valid
UTF-8, and VTK aborts the process on it. Every value is decoded here with the file's
character set; bytes that do not decode become U+FFFD, never a raw byte.

The rules are the standard's as pydicom applies them (PS3.5 6.1.2.4-6.1.2.5): no
character set means ISO_IR 6 (read as Latin-1, as pydicom does); a single-valued
term applies to the whole value; with "ISO 2022 ..." terms each escape sequence
switches the set until the next one, and a delimiter (value separator, line end,
person-name separator) switches back to the first.
"""

from __future__ import annotations

import codecs
import re

_DEFAULT = "latin_1"  # what pydicom reads ISO_IR 6 and unknown sets as

#: Defined Terms -> Python codec. Single-byte sets have an "ISO 2022" twin.
_SINGLE_BYTE = {
    "IR 6": "latin_1", "IR 100": "latin_1", "IR 101": "iso8859_2", "IR 109": "iso8859_3",
    "IR 110": "iso8859_4", "IR 126": "iso8859_7", "IR 127": "iso8859_6", "IR 138": "iso8859_8",
    "IR 144": "iso8859_5", "IR 148": "iso8859_9", "IR 166": "tis_620", "IR 203": "iso8859_15",
    "IR 13": "shift_jis",
}
CODECS: dict[str, str] = {"": _DEFAULT}
CODECS.update({f"ISO_{term}": codec for term, codec in _SINGLE_BYTE.items()})
CODECS.update({f"ISO 2022 {term}": codec for term, codec in _SINGLE_BYTE.items()})
CODECS.update({
    "ISO 2022 IR 87": "iso2022_jp", "ISO 2022 IR 159": "iso2022_jp_2", "ISO 2022 IR 149": "euc_kr",
    "ISO 2022 IR 58": "gb2312", "ISO_IR 192": "utf_8", "GB18030": "gb18030", "GBK": "gbk",
})
#: Sets that cannot be combined with others (a second term is ignored).
_STANDALONE = {"ISO_IR 192", "GB18030", "GBK"}

#: ISO 2022 escape sequence -> codec; sequences of codecs that parse them themselves stay in.
_ESCAPES = {
    b"\x1b(B": "latin_1", b"\x1b(J": "shift_jis", b"\x1b)I": "shift_jis", b"\x1b-A": "latin_1",
    b"\x1b-B": "iso8859_2", b"\x1b-C": "iso8859_3", b"\x1b-D": "iso8859_4", b"\x1b-F": "iso8859_7",
    b"\x1b-G": "iso8859_6", b"\x1b-H": "iso8859_8", b"\x1b-L": "iso8859_5", b"\x1b-M": "iso8859_9",
    b"\x1b-T": "tis_620", b"\x1b$B": "iso2022_jp", b"\x1b$)C": "euc_kr", b"\x1b$(D": "iso2022_jp_2",
    b"\x1b$)A": "gb2312",
}
_KEEP_ESCAPE = {"iso2022_jp", "iso2022_jp_2"}
#: Bytes that end an escape's reach: value separator, CR, LF, TAB, FF, and PN's ^ and =.
_DELIMITERS = re.compile(rb"[\\\r\n\t\f^=]")
_FRAGMENTS = re.compile(rb"^[^\x1b]+|\x1b[^\x1b]*")
_TAG_KEY = re.compile(r"[0-9a-fA-F]{4}\|[0-9a-fA-F]{4}")


def codecs_of(charset: str) -> list[str]:
    """Python codecs for a Specific Character Set value ('\\'-separated Defined Terms)."""
    terms = [_normalised(term) for term in (charset or "").split("\\")]
    if terms[0] in _STANDALONE:
        terms = terms[:1]
    return [_codec(term) for term in terms] or [_DEFAULT]


def _normalised(term: str) -> str:
    """The Defined Term a misspelt one means ("ISO-IR 100", "iso_ir100", "UTF-8")."""
    term = " ".join(term.strip("\0 ").upper().split())
    if term in ("UTF-8", "UTF8"):
        return "ISO_IR 192"
    match = re.fullmatch(r"ISO[ _-]?IR[ _-]?(\d+)", term)
    if match:
        return f"ISO_IR {match.group(1)}"
    match = re.fullmatch(r"ISO[ _-]?2022[ _-]?IR[ _-]?(\d+)", term)
    return f"ISO 2022 IR {match.group(1)}" if match else term


def _codec(term: str) -> str:
    codec = CODECS.get(term, _DEFAULT)
    try:
        codecs.lookup(codec)
    except LookupError:  # a Python built without the codec: still text, never bytes
        return _DEFAULT
    return codec


def decode(raw: bytes, charset: str | list[str]) -> str:
    """``raw`` (one element's value) as text in ``charset`` (the Specific Character Set value,
    or :func:`codecs_of` of it). Undecodable bytes become U+FFFD."""
    names = codecs_of(charset) if isinstance(charset, str) else charset
    if b"\x1b" not in raw:
        return raw.decode(names[0], "replace")
    return "".join(_decode_fragment(part, names) for part in _FRAGMENTS.findall(raw))


def _decode_fragment(part: bytes, names: list[str]) -> str:
    if not part.startswith(b"\x1b"):
        return part.decode(names[0], "replace")
    length = 4 if part.startswith((b"\x1b$(", b"\x1b$)")) else 3
    codec = _ESCAPES.get(part[:length])
    if codec is None or (codec not in names and codec != _DEFAULT):
        return part.decode(names[0], "replace")  # an escape the character set did not declare
    if codec in _KEEP_ESCAPE:
        return part.decode(codec, "replace")
    body = part[length:]
    stop = _DELIMITERS.search(body)
    if stop is None:
        return body.decode(codec, "replace")
    return body[: stop.start()].decode(codec, "replace") + body[stop.start():].decode(names[0], "replace")


def text_from_sitk(value: str, charset: str | list[str]) -> str:
    """A metadata value as SimpleITK hands it over (the file's bytes, undecodable ones as
    lone surrogates) decoded in ``charset``."""
    return decode(value.encode("utf-8", "surrogateescape"), charset)


def decoded_metadata(metadata: dict[str, str], charset_key: str = "0008|0005") -> dict[str, str]:
    """GDCM's "gggg|eeee" metadata with every value decoded in the file's character set."""
    raw_charset = metadata.get(charset_key, "")
    names = codecs_of(raw_charset.encode("utf-8", "surrogateescape").decode("latin_1"))
    return {key: text_from_sitk(value, names) if _TAG_KEY.fullmatch(key) and isinstance(value, str) else value
            for key, value in metadata.items()}
