"""Valid encapsulated files pass dicom/encapsulated.py's checks (no false refusal): JPEG
lossless and JPEG 2000 (SimpleITK), JPEG baseline (wrapped by pydicom), RLE (pydicom's
encoder) in greyscale, colour and multi-frame, and values come back as pydicom decodes
them where pydicom decodes without plug-ins (RLE). The bad ones: test_dicom_checks.py."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

import dicomgen
import sitkvtk
from dicombad import single
from sitkvtk.dicom.checks import check_path
from synthetic import index_values, vtk_values


@pytest.mark.parametrize(("compressor", "recode"), [("JPEG", None), ("JPEG2000", None), (None, "RLE")])
def test_single_frames_pass(tmp_path, compressor, recode):
    path = single(str(tmp_path), compressor=compressor, recode=recode)
    assert pydicom.dcmread(path)["PixelData"].is_undefined_length
    check_path(path)
    image = sitkvtk.read(path)
    assert image.GetDimensions() == (40, 32, 1)
    if recode == "RLE":
        np.testing.assert_array_equal(vtk_values(image)[0], pydicom.dcmread(path).pixel_array)


def test_jpeg_baseline_passes(tmp_path):
    volume = (index_values((1, 32, 40), 1, np.float64) % 251).astype(np.uint8)
    paths = dicomgen.jpeg_baseline_series(tmp_path, volume, spacing_xy=(1.0, 1.0),
                                          positions=np.zeros((1, 3)), direction=np.eye(3))
    check_path(paths[0])


def test_rle_colour_and_multiframe_pass(tmp_path):
    colour = str(tmp_path / "rgb.dcm")
    dicomgen.colour_file(colour, index_values((16, 16), 3, np.uint8), "RGB")
    dicomgen.recode(colour, "RLE")
    frames = str(tmp_path / "frames.dcm")
    volume = index_values((4, 12, 10), 1, np.uint16)
    dicomgen.multiframe(frames, volume, sop_class="1.2.840.10008.5.1.4.1.1.4.1", origin=(1, 2, 3),
                        direction=np.eye(3), spacing=(1, 1, 2), enhanced=True, modality="MR")
    dicomgen.recode(frames, "RLE")
    for path in (colour, frames):
        check_path(path)
    np.testing.assert_array_equal(pydicom.dcmread(frames).pixel_array, volume)
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(frames)), volume)


@pytest.mark.parametrize("offset_table", [True, False])
def test_frames_over_several_fragments_pass(tmp_path, offset_table):
    path = str(tmp_path / "frames.dcm")
    volume = index_values((3, 12, 10), 1, np.uint16)
    dicomgen.multiframe(path, volume, sop_class="1.2.840.10008.5.1.4.1.1.4.1", origin=(0, 0, 0),
                        direction=np.eye(3), spacing=(1, 1, 1), enhanced=True, modality="MR")
    dicomgen.recode(path, "RLE")
    ds = pydicom.dcmread(path)
    frames = list(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=3))
    ds.PixelData = pydicom.encaps.encapsulate(frames, fragments_per_frame=2, has_bot=offset_table)
    ds.save_as(path)
    assert sum(1 for _ in pydicom.encaps.generate_fragments(ds.PixelData)) == 1 + 6
    check_path(path)
