"""DICOM text decoded with the file's Specific Character Set (dicom/charset.py), checked
against pydicom on the character-set files pydicom ships (German, French, Russian, Greek,
Arabic, Hebrew, Japanese and Korean ISO 2022, Chinese GB18030 and UTF-8)."""

from __future__ import annotations

import warnings

import pydicom
import pydicom.data
import pytest

import dicomgen
from dicomcase import check_grid, field, make_series
from sitkvtk.dicom.charset import codecs_of, decode, decoded_metadata
from sitkvtk.reader import SimpleITKReader

TEXT_VRS = ("PN", "LO", "SH", "ST", "LT", "UT", "UC")
FILES = [path for path in pydicom.data.get_charset_files() if path.endswith(".dcm")]


def _text(value) -> str:
    if isinstance(value, pydicom.multival.MultiValue):
        return "\\".join(str(v) for v in value)
    return "" if value is None else str(value)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.rsplit("/", 1)[-1])
def test_every_text_element_decodes_as_pydicom_decodes_it(path):
    raw = pydicom.dcmread(path)  # RawDataElements until a value is asked for: the file's bytes
    reference = pydicom.dcmread(path)
    charset = _text(reference.get("SpecificCharacterSet", ""))
    compared = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns on the files' deliberate oddities
        for tag in list(raw.keys()):
            element = raw.get_item(tag)
            if element.VR not in TEXT_VRS:
                continue
            mine = decode(element.value or b"", charset).rstrip("\0 ")
            expected = _text(reference[tag].value)
            if element.VR == "PN":  # pydicom's PersonName drops empty trailing groups
                mine = mine.rstrip("=")
            assert mine == expected, f"{tag}: {mine!r} != {expected!r}"
            compared += 1
    assert compared > 0


@pytest.mark.parametrize(("term", "text"), [
    ("ISO_IR 100", "Schädel"), ("ISO_IR 101", "Łódź"), ("ISO_IR 109", "Ħal Għargħur"),
    ("ISO_IR 110", "Ŗīga"), ("ISO_IR 144", "Череп"), ("ISO_IR 148", "Kafatası"),
    ("ISO_IR 192", "頭蓋 Schädel"), ("GB18030", "头颅"),
])
def test_each_single_character_set_round_trips_through_pydicom(term, text):
    encoded = pydicom.charset.encode_string(text, pydicom.charset.convert_encodings(term))
    assert decode(encoded, term) == text


def test_iso_2022_escapes_switch_and_delimiters_switch_back():
    charset = "\\ISO 2022 IR 87"
    encoded = pydicom.charset.encode_string("Yamada^Tarou=山田^太郎", pydicom.charset.convert_encodings(
        ["", "ISO 2022 IR 87"]))
    assert b"\x1b$B" in encoded
    assert decode(encoded, charset) == "Yamada^Tarou=山田^太郎"
    # Latin-1 after an escape, then a value separator: the second value is the first set again.
    assert decode(b"\x1b-A" + "Gr\xfc\xdfe".encode("latin-1") + b"\\\xe4", "\\ISO 2022 IR 100") == "Grüße\\ä"


def test_undecodable_bytes_become_replacement_characters_never_surrogates():
    for term in ("ISO_IR 192", "GB18030", "ISO 2022 IR 87", "no such set"):
        text = decode(b"ok \xff\xfe\x80 \x1b$B\xff", term)
        text.encode("utf-8")  # raises on a lone surrogate
        assert text.startswith("ok ")


def test_misspelt_and_missing_terms():
    assert codecs_of("ISO-IR 100") == codecs_of("ISO_IR 100") == ["latin_1"]
    assert codecs_of("") == ["latin_1"]  # ISO_IR 6, read as pydicom reads it
    assert codecs_of("ISO_IR 192\\ISO 2022 IR 87") == ["utf_8"]  # a set that stands alone


def test_simpleitk_metadata_decoded_from_its_surrogate_escaped_bytes():
    # SimpleITK hands a Latin-1 byte over as a lone surrogate; the bytes are recovered.
    meta = {"0008|0005": "ISO_IR 100", "0008|103e": "Sch\udce4del", "ITK_note": "Sch\udce4del"}
    decoded = decoded_metadata(meta)
    assert decoded["0008|103e"] == "Schädel"
    assert decoded["ITK_note"] == meta["ITK_note"]  # not a DICOM tag: left to the last guard


@pytest.mark.parametrize(("term", "text"), [("ISO_IR 100", "Schädel"), ("ISO_IR 144", "Череп"),
                                            ("GB18030", "头颅")])
def test_series_description_reaches_vtk_as_the_file_holds_it(tmp_path, term, text):
    """The file read alone (the process used to abort on Latin-1) and as a series."""
    volume, positions, paths = make_series(tmp_path)
    for path in paths:
        dicomgen.edit(path, SpecificCharacterSet=term, SeriesDescription=text)
    with open(paths[0], "rb") as stream:
        assert text.encode(pydicom.charset.convert_encodings(term)[0]) in stream.read()  # not UTF-8
    expected = pydicom.dcmread(paths[0]).SeriesDescription
    assert expected == text
    for whole in (False, True):
        reader = SimpleITKReader()
        reader.SetFileName(paths[0])
        reader.SetWholeSeries(whole)
        reader.Update()
        image = reader.GetOutputDataObject(0)
        assert field(image, "DICOM_SeriesDescription") == expected
        if whole:
            check_grid(image, positions, volume)
        else:
            keys = image.GetFieldData().GetAbstractArray("HeaderKeys")
            lines = [keys.GetValue(i) for i in range(keys.GetNumberOfValues())]
            assert f"0008|103e = {expected}" in [line.rstrip() for line in lines]
