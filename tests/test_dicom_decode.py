"""Stored values decoded in numpy (dicom/decode.py): 1-bit frames packed across byte
boundaries, multi-frame RLE colour, and broken RLE refused before anything is allocated.
Values against pydicom's pixel_array."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.uid import RLELossless

import dicomkinds
import sitkvtk
from synthetic import index_values, vtk_values


def test_one_bit_frames_packed_across_bytes(tmp_path):
    stored = (index_values((3, 3, 5), 1, np.int64) % 4 == 1).astype(np.uint8)  # 15 bits a frame
    path = tmp_path / "seg.dcm"
    dicomkinds.write(path, stored, bits=1)
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)), pydicom.dcmread(path).pixel_array)


def test_multiframe_rle_colour(tmp_path):
    stored = (index_values((3, 18, 20, 3), 1, np.float64) * 977 % 65536).astype(np.uint16)
    path = tmp_path / "rgb.dcm"
    dicomkinds.write(path, stored, bits=16, syntax=RLELossless, photometric="RGB")
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)), pydicom.dcmread(path).pixel_array)


def _rle_file(tmp_path, frame: bytes, rows=18, columns=20):
    path = tmp_path / "rle.dcm"
    stored = np.zeros((18, 20, 3), np.uint16)
    dicomkinds.write(path, stored, bits=16, syntax=RLELossless, photometric="RGB")
    ds = pydicom.dcmread(path)
    ds.PixelData = pydicom.encaps.encapsulate([frame])
    ds.Rows, ds.Columns = rows, columns
    ds.save_as(path)
    return path


def test_rle_segment_cut_short_is_refused(tmp_path):
    header = np.zeros(16, "<u4")
    header[0] = 6
    header[1:7] = 64 + 4 * np.arange(6)
    frame = header.tobytes() + bytes([0x81, 7, 0x81, 7]) * 6  # 6 segments of 2 x 128 bytes
    path = _rle_file(tmp_path, frame)
    with pytest.raises(sitkvtk.ReadError, match=r"rle\.dcm: RLE segment 1 does not decode to 360 bytes"):
        sitkvtk.read(path)


def test_rle_header_promising_a_huge_image_is_refused(tmp_path):
    header = np.zeros(16, "<u4")
    header[0] = 6
    header[1:7] = 64 + 2 * np.arange(6)
    path = _rle_file(tmp_path, header.tobytes() + b"\xff\0" * 8, rows=60000, columns=60000)
    # Refused by the RLE check, or first by the memory check where less memory is free
    # than the header promises: either way before anything of that size is touched.
    with pytest.raises(
        sitkvtk.ReadError,
        match=r"rle\.dcm: (RLE frame of 80 bytes cannot hold 60000x60000|the header promises .* more than)",
    ):
        sitkvtk.read(path)


@pytest.mark.parametrize("bits", [8, 16])
def test_small_rle_image_gdcm_refuses(tmp_path, bits):
    """SimpleITK 2.5.7's GDCM fails on RLE images this small ("Failed to change to Implicit
    Transfer Syntax"); sitkvtk decodes them itself when GDCM fails."""
    stored = (index_values((4, 5), 1, np.float64) * 37 % 250).astype(f"u{bits // 8}")
    path = tmp_path / "tiny.dcm"
    dicomkinds.write(path, stored, bits=bits, syntax=RLELossless)
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path))[0], pydicom.dcmread(path).pixel_array)
