"""Deflated data sets checked in bounded steps before GDCM inflates them (dicom/deflate.py):
a valid one passes and its values come back as pydicom reads them; cut, lying and bomb
files (dicombad.py) are refused naming the file, within the inflate bound."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

import dicombad
import sitkvtk
from sitkvtk.dicom.checks import check_path
from synthetic import vtk_values

DEFLATE_CLASSES = [name for name in dicombad.CLASSES if name.startswith("deflate")]


def test_valid_deflated_file_passes(tmp_path):
    path, _ = dicombad.deflated(str(tmp_path))
    check_path(path)
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path))[0], pydicom.dcmread(path).pixel_array)


@pytest.mark.parametrize("name", DEFLATE_CLASSES)
def test_bad_deflated_file_is_refused(tmp_path, name):
    path, words = dicombad.CLASSES[name](str(tmp_path))
    with pytest.raises(sitkvtk.ReadError) as error:
        check_path(path)
    assert error.value.filename == path
    assert all(word in str(error.value) for word in words), str(error.value)
