"""Bad DICOM refused before any pixel is decoded (dicom/checks.py, dicom/encapsulated.py):
one test per class of input that GDCM pads, misreads, hangs or crashes on. pydicom states
what each file really holds; every file is read in a child process (conftest's ``child``),
so a crash fails the test instead of ending the run, and the refusal must name the file.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEG2000Lossless

import dicomgen
import sitkvtk
from dicomcase import check_grid, make_series
from sitkvtk.dicom.series import DicomWarning
from synthetic import index_values

SLICE = (1, 32, 40)  # z, y, x of a one-file series


def _single(folder, compressor=None, recode=None) -> str:
    """One slice whose values encode their index, alone in ``folder``."""
    _, _, paths = make_series(folder, index_values(SLICE, 1, np.int16), compressor=compressor)
    if recode:
        dicomgen.recode(paths[0], recode)
    return paths[0]


def _refused(child, path, *words):
    outcome = child.read(str(path))
    assert outcome.status == "error", f"{outcome.status}: {outcome.detail}"
    assert str(path) in outcome.detail
    for word in words:
        assert word in outcome.detail, outcome.detail
    return outcome.detail


def test_rows_promising_more_pixels_than_the_file_holds(tmp_path, child):
    path = _single(tmp_path)
    dicomgen.edit(path, Rows=65535)
    ds = pydicom.dcmread(path)
    assert len(ds.PixelData) == 32 * 40 * 2 < ds.Rows * ds.Columns * 2  # GDCM pads the rest
    _refused(child, path, "2560 bytes", str(65535 * 40 * 2))


@pytest.mark.parametrize("frames", ["-1", "abc", "1.5", "0"])
def test_number_of_frames_must_be_a_positive_integer(tmp_path, child, frames):
    path = _single(tmp_path)
    dicomgen.edit(path, NumberOfFrames="7777")
    with open(path, "rb") as stream:  # pydicom will not write these: put them in as bytes
        data = stream.read().replace(b"7777", frames.ljust(4).encode())
    with open(path, "wb") as stream:
        stream.write(data)
    assert pydicom.dcmread(path).get_item(0x00280008).value.strip() == frames.encode()
    _refused(child, path, "NumberOfFrames (0028,0008)", repr(frames))


@pytest.mark.parametrize(("keyword", "value"), [("BitsAllocated", 12), ("BitsAllocated", 24),
                                                ("BitsAllocated", 65535), ("SamplesPerPixel", 2)])
def test_values_outside_the_allowed_ones(tmp_path, child, keyword, value):
    path = _single(tmp_path)
    dicomgen.edit(path, **{keyword: value})
    assert getattr(pydicom.dcmread(path), keyword) == value
    _refused(child, path, keyword, str(value))


def test_native_file_cut_short(tmp_path, child):
    path = _single(tmp_path)
    size = os.path.getsize(path)
    os.truncate(path, size - 1000)
    _refused(child, path, "1560 bytes of pixel data", "2560 bytes")


def test_jpeg_codestream_disagreeing_with_rows(tmp_path, child):
    path = _single(tmp_path, compressor="JPEG")
    dicomgen.edit(path, Rows=64)
    _refused(child, path, "codestream is 40x32", "40x64")


def test_encapsulated_data_of_another_kind(tmp_path, child):
    path = _single(tmp_path, recode="RLE")
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless  # RLE segments labelled JPEG 2000
    ds.save_as(path)
    _refused(child, path, "not a JPEG 2000 codestream")


def test_encapsulated_item_past_the_end_of_the_file(tmp_path, child):
    path = _single(tmp_path, compressor="JPEG2000")
    os.truncate(path, os.path.getsize(path) - 20)
    _refused(child, path, "runs past the end of the file")


def test_rle_segments_disagreeing_with_bits_allocated(tmp_path, child):
    path = _single(tmp_path, recode="RLE")
    dicomgen.edit(path, BitsAllocated=8, BitsStored=8, HighBit=7)
    _refused(child, path, "has 2 segments", "needs 1")


def test_rle_relabelled_ybr_full_422_never_reaches_gdcm(tmp_path, child):
    path = str(tmp_path / "colour.dcm")
    rgb = index_values((16, 16), 3, np.uint8)
    dicomgen.colour_file(path, rgb, "RGB")
    dicomgen.recode(path, "RLE")
    dicomgen.edit(path, PhotometricInterpretation="YBR_FULL_422")  # GDCM corrupts its heap on this
    _refused(child, path, "YBR_FULL_422")


def _deflated(tmp_path) -> tuple[str, int]:
    """A deflated one-slice file and where its deflated data set starts."""
    path = _single(tmp_path)
    dicomgen.recode(path, "deflate")
    with open(path, "rb") as stream:
        return path, _body_start(stream.read())


def _body_start(data: bytes) -> int:
    """After the File Meta group: 132 + 12 + its group length (0002,0000)."""
    return 144 + struct.unpack_from("<I", data, 140)[0]


def test_deflated_stream_cut_short(tmp_path, child):
    path, _ = _deflated(tmp_path)
    os.truncate(path, os.path.getsize(path) * 2 // 3)
    _refused(child, path, "cut short")


def test_deflated_pixel_data_with_a_huge_length(tmp_path, child):
    path, start = _deflated(tmp_path)
    with open(path, "rb") as stream:
        data = stream.read()
    body = zlib.decompress(data[start:], -zlib.MAX_WBITS)
    pixel = body.rindex(b"\xe0\x7f\x10\x00")
    body = body[: pixel + 8] + struct.pack("<I", 0x7FFFFFF0) + body[pixel + 12 :]
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    with open(path, "wb") as stream:
        stream.write(data[:start] + packer.compress(body) + packer.flush())
    _refused(child, path, str(0x7FFFFFF0))


def test_deflated_data_set_that_inflates_far_beyond_its_header(tmp_path, child):
    bomb = pydicom.DataElement(0x00091010, "OB", bytes(40 << 20))  # a private 40 MiB of zeros
    path = _single(tmp_path)
    ds = pydicom.dcmread(path)
    ds.add_new(0x00090010, "LO", "bomb")
    ds.add(bomb)
    ds.save_as(path)
    dicomgen.recode(path, "deflate")
    assert os.path.getsize(path) < 200_000
    _refused(child, path, "inflates to more than")


def test_slice_that_cannot_be_placed_is_named_and_leaves_a_blank(tmp_path):
    volume, positions, paths = make_series(tmp_path)
    dicomgen.edit(paths[3], ImagePositionPatient=["nan", "0", "0"])
    with pytest.warns(DicomWarning, match=rf"series .*cannot be placed.*{os.path.basename(paths[3])}"):
        image = sitkvtk.read(tmp_path)
    expected = volume.copy()
    expected[3] = 0
    check_grid(image, positions, expected)


def test_series_with_no_slice_that_can_be_placed_is_refused(tmp_path):
    _, _, paths = make_series(tmp_path)
    for path in paths:
        dicomgen.edit(path, ImagePositionPatient=["nan", "0", "0"])
    with pytest.raises(sitkvtk.ReadError, match="no slice can be placed"):
        sitkvtk.read(tmp_path)
