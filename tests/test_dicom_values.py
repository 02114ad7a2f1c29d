"""DICOM values (dicom/values.py, dicom/decode.py): the kinds SimpleITK's GDCM decodes wrongly
come out as the file means them, checked against pydicom (pixel_array through its modality
LUT) voxel by voxel, with the type and world position of every corner.

MONOCHROME1 is stored * slope + intercept (a display flag, not a value change); 1-bit images
hold 0/1; RLE 16/32-bit colour and big-endian 32-bit values are whole; a Modality LUT
Sequence maps stored values.
"""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.uid import ExplicitVRBigEndian, RLELossless

import dicomgen
import dicomkinds
import sitkvtk
from dicomcase import ORIGIN, SHAPE, check_grid, field, make_series, read_strict
from synthetic import index_values

ROWS, COLUMNS = 20, 24


def _ramp(dtype, top, samples=1, frames=None):
    shape = ((frames,) if frames else ()) + (ROWS, COLUMNS) + ((samples,) if samples > 1 else ())
    values = index_values(shape, 1, np.float64) * 7919 % (top + 1)
    return values.astype(dtype)


def _read(path, whole_series):
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(str(path))
    reader.SetWholeSeries(whole_series)
    reader.SetReportErrors(False)
    reader.Update()
    assert reader.last_error is None, reader.last_error
    return reader.GetOutputDataObject(0)


def _check(path, whole_series=True, dtype=None):
    """Values against pydicom, corners against ImagePositionPatient/Orientation/PixelSpacing."""
    expected = dicomkinds.pydicom_values(path)
    image = _read(path, whole_series)
    check_grid(image, [ORIGIN], expected)
    values = image.GetPointData().GetScalars()
    if dtype is not None:
        from vtkmodules.util.numpy_support import vtk_to_numpy
        assert vtk_to_numpy(values).dtype == np.dtype(dtype)
    return image


@pytest.mark.parametrize("whole_series", [True, False], ids=["series", "file"])
@pytest.mark.parametrize("rescale", [None, ("2", "-10")], ids=["stored", "rescaled"])
def test_monochrome1_is_not_inverted(tmp_path, whole_series, rescale):
    stored = _ramp(np.uint16, 4095)
    tags = dict(RescaleSlope=rescale[0], RescaleIntercept=rescale[1]) if rescale else {}
    path = tmp_path / "m1.dcm"
    dicomkinds.write(path, stored, bits=16, bits_stored=12, photometric="MONOCHROME1", **tags)
    image = _check(path, whole_series, np.int16 if rescale else np.uint16)
    assert field(image, "DICOM_PhotometricInterpretation") == "MONOCHROME1"


@pytest.mark.parametrize("whole_series", [True, False], ids=["series", "file"])
def test_one_bit_image_holds_zero_and_one(tmp_path, whole_series):
    stored = (index_values((ROWS, COLUMNS), 1, np.int64) % 3 == 0).astype(np.uint8)
    path = tmp_path / "seg.dcm"
    dicomkinds.write(path, stored, bits=1)
    _check(path, whole_series, np.uint8)


@pytest.mark.parametrize("samples", [1, 3], ids=["grey", "rgb"])
@pytest.mark.parametrize("bits", [8, 16, 32])
def test_rle(tmp_path, bits, samples):
    dtype = np.dtype(f"u{bits // 8}")
    stored = _ramp(dtype, np.iinfo(dtype).max, samples)
    path = tmp_path / "rle.dcm"
    dicomkinds.write(path, stored, bits=bits, syntax=RLELossless,
                     photometric="RGB" if samples == 3 else "MONOCHROME2")
    image = _check(path, dtype=dtype)
    assert image.GetPointData().GetScalars().GetNumberOfComponents() == samples


@pytest.mark.parametrize("dtype", ["uint32", "int32", "uint16", "int16"])
def test_big_endian(tmp_path, dtype):
    dtype = np.dtype(dtype)
    info = np.iinfo(dtype)
    stored = (_ramp(np.float64, info.max - info.min) + info.min).astype(dtype)
    path = tmp_path / "be.dcm"
    dicomkinds.write(path, stored, bits=dtype.itemsize * 8, syntax=ExplicitVRBigEndian,
                     signed=dtype.kind == "i")
    _check(path, dtype=dtype)


def test_modality_lut_sequence(tmp_path):
    stored = _ramp(np.uint16, 255)
    path = tmp_path / "lut.dcm"
    ds = dicomkinds.write(path, stored, bits=16, bits_stored=8)
    dicomkinds.modality_lut(ds, 0, (np.arange(256) * 37 + 1000) % 65536)
    ds.save_as(path, enforce_file_format=True)
    image = _check(path, dtype=np.uint16)
    assert image.GetPointData().GetScalars().GetRange()[1] > 255  # the LUT, not stored values


@pytest.mark.parametrize("whole_series", [True, False], ids=["series", "file"])
def test_monochrome1_decoded_by_gdcm_is_corrected(tmp_path, whole_series):
    """JPEG lossless: GDCM decodes it (sitkvtk does not), and its inverted values are turned
    back. The reference is the volume written (pydicom here has no JPEG lossless decoder)."""
    volume = (index_values(SHAPE, 1, np.float64) * 13 % 65536).astype(np.uint16)
    _, positions, paths = make_series(tmp_path, volume, compressor="JPEG")
    for path in paths:
        dicomgen.edit(path, PhotometricInterpretation="MONOCHROME1")
    assert pydicom.dcmread(paths[0]).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.70"
    if whole_series:
        check_grid(read_strict(tmp_path), positions, volume)
    else:
        check_grid(_read(paths[2], False), positions[2:3], volume[2:3])
