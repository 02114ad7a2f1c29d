"""GDCM fault probes (dicom/faults.py): each probe's verdict matches what SimpleITK does to a
pydicom-written file of that kind, and with a probe saying "fixed", sitkvtk hands GDCM's
values through unchanged: the workaround switches itself off with a SimpleITK that is fixed.
"""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from pydicom.uid import ExplicitVRBigEndian, RLELossless

import dicomkinds
import sitkvtk
from sitkvtk.dicom import faults
from synthetic import vtk_values

ROWS, COLUMNS = 20, 24
_RAMP = (np.arange(ROWS * COLUMNS * 3, dtype=np.float64) * 7919).reshape(ROWS, COLUMNS, 3)

# probe name, its arguments, and a file of that kind: (dtype, write arguments)
KINDS = {
    "MONOCHROME1": ("monochrome1_inverted", (), np.uint16, 4095,
                    dict(bits=16, bits_stored=12, photometric="MONOCHROME1")),
    "MONOCHROME1 signed": ("monochrome1_signed_inverted", (), np.int16, None,
                           dict(bits=16, photometric="MONOCHROME1", signed=True)),
    "1-bit": ("one_bit_scaled", (), np.uint8, 1, dict(bits=1)),
    "big-endian 32": ("big_endian_32_swapped", (), np.uint32, 2**32 - 1, dict(bits=32, syntax=ExplicitVRBigEndian)),
    "RLE 16 RGB": ("rle_wrong", (16, 3), np.uint16, 2**16 - 1, dict(bits=16, syntax=RLELossless, photometric="RGB")),
    "RLE 32 RGB": ("rle_wrong", (32, 3), np.uint32, 2**32 - 1, dict(bits=32, syntax=RLELossless, photometric="RGB")),
    "RLE 16 grey": ("rle_wrong", (16, 1), np.uint16, 2**16 - 1, dict(bits=16, syntax=RLELossless)),
}


def _kind_file(tmp_path, kind):
    _, _, dtype, top, arguments = KINDS[kind]
    samples = 3 if arguments.get("photometric") == "RGB" else 1
    if top is None:  # signed: the whole range of the type, negative values included
        stored = (_RAMP[..., :samples] % 65536 - 32768).astype(dtype)
    else:
        stored = (_RAMP[..., :samples] % (top + 1)).astype(dtype)
    stored = stored if samples == 3 else stored[..., 0]
    path = tmp_path / "k.dcm"
    dicomkinds.write(path, stored, **arguments)
    return path


def _simpleitk_values(path):
    return sitk.GetArrayFromImage(sitk.ReadImage(str(path), imageIO="GDCMImageIO"))


@pytest.mark.parametrize("kind", list(KINDS))
def test_probe_matches_what_simpleitk_does(tmp_path, kind):
    name, arguments = KINDS[kind][:2]
    path = _kind_file(tmp_path, kind)
    expected = dicomkinds.pydicom_values(path)
    try:
        right = np.array_equal(_simpleitk_values(path).reshape(expected.shape), expected)
    except RuntimeError:
        right = False
    assert getattr(faults, name)(*arguments) == (not right)


@pytest.mark.parametrize("kind", ["MONOCHROME1", "MONOCHROME1 signed", "1-bit", "big-endian 32", "RLE 16 RGB"])
def test_workaround_switches_off_when_the_probe_passes(tmp_path, kind, monkeypatch):
    name, arguments = KINDS[kind][:2]
    path = _kind_file(tmp_path, kind)
    if getattr(faults, name)(*arguments):  # this SimpleITK has the fault: sitkvtk corrects it
        assert not np.array_equal(vtk_values(sitkvtk.read(path)), _simpleitk_values(path))
    monkeypatch.setattr(faults, name, lambda *args: False)
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)), _simpleitk_values(path))


@pytest.mark.parametrize("signed", [False, True])
def test_monochrome1_that_gdcm_decodes_is_corrected(tmp_path, signed):
    """A deflated file is decoded by GDCM (not by sitkvtk's numpy decoder): its inverted
    MONOCHROME1 values are turned back, signed ones too (-1 - s in SimpleITK 2.5.7)."""
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    stored = (_RAMP[..., 0] % 4096 - (2048 if signed else 0)).astype(np.int16 if signed else np.uint16)
    path = tmp_path / "m1.dcm"
    dicomkinds.write(path, stored, bits=16, photometric="MONOCHROME1", signed=signed,
                     syntax=DeflatedExplicitVRLittleEndian, RescaleSlope=2, RescaleIntercept=-100)
    expected = dicomkinds.pydicom_values(path)  # stored * 2 - 100
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)).reshape(expected.shape), expected)
