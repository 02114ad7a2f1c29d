"""Bad DICOM refused before any pixel is decoded (dicom/checks.py, dicom/encapsulated.py):
one test per class of input that GDCM pads, misreads, hangs or crashes on (the files:
dicombad.py, where pydicom states what each really holds). Every file is read in a child
process (conftest's ``child``), so a crash fails the test instead of ending the run, and the
refusal must name the file.
"""

from __future__ import annotations

import os

import numpy as np
import pydicom
import pytest
from pydicom.pixels import convert_color_space

import dicombad
import dicomgen
import sitkvtk
from dicomcase import check_grid, make_series
from sitkvtk.dicom.series import DicomWarning
from synthetic import index_values


@pytest.mark.parametrize("name", list(dicombad.CLASSES))
def test_bad_file_is_refused_naming_it_before_gdcm_sees_it(tmp_path, child, name):
    path, words = dicombad.CLASSES[name](str(tmp_path))
    outcome = child.read(path)
    assert outcome.status == "error", f"{outcome.status}: {outcome.detail}"
    assert path in outcome.detail
    for word in words:
        assert word in outcome.detail, outcome.detail


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


def test_slice_that_cannot_be_read_is_named_and_leaves_a_blank(tmp_path):
    volume, positions, paths = make_series(tmp_path / "series")
    bad, _ = dicombad.implicit_labelled_big_endian(str(tmp_path / "bad"))
    os.replace(bad, paths[3])  # a slice whose elements cannot be read under its transfer syntax
    with pytest.warns(DicomWarning) as seen:
        image = sitkvtk.read(tmp_path / "series")
    messages = [str(w.message) for w in seen]
    assert any("left out a file that cannot be read" in m and paths[3] in m for m in messages), messages
    assert any("1 missing slices" in m for m in messages), messages
    # ... and in the field data, where a ParaView user sees it
    recorded = image.GetFieldData().GetAbstractArray("DICOM_Warnings").GetValue(0)
    assert "left out a file that cannot be read" in recorded and paths[3] in recorded
    assert "1 missing slices" in recorded
    expected = volume.copy()
    expected[3] = 0
    check_grid(image, positions, expected)


def test_folder_whose_every_file_is_refused_says_why(tmp_path):
    bad, _ = dicombad.implicit_labelled_big_endian(str(tmp_path))
    with pytest.raises(sitkvtk.ReadError, match="no readable DICOM image.*cannot be read as transfer syntax"):
        sitkvtk.read(tmp_path)
    assert os.path.exists(bad)


def test_native_ybr_full_422_holds_two_samples_a_pixel_and_is_read(tmp_path):
    """The size check counts subsampled chroma (PS3.3 C.7.6.3.1.2), not three samples a pixel."""
    path = str(tmp_path / "ybr422.dcm")
    rgb = index_values((16, 16), 3, np.uint8)
    dicomgen.colour_file(path, rgb, "RGB")
    ybr = convert_color_space(rgb, "RGB", "YBR_FULL")
    pairs = [bytes([row[x, 0], row[x + 1, 0], row[x, 1], row[x, 2]]) for row in ybr for x in range(0, 16, 2)]
    dicomgen.edit(path, PhotometricInterpretation="YBR_FULL_422", PixelData=b"".join(pairs))
    assert len(pydicom.dcmread(path).PixelData) == 16 * 16 * 2
    image = sitkvtk.read(path)
    assert image.GetDimensions() == (16, 16, 1)
    assert image.GetPointData().GetScalars().GetNumberOfComponents() == 3
