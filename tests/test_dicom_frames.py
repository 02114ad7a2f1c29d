"""Multi-frame DICOM files (dicom/frames.py): RT dose scaled to Gy and placed by
GridFrameOffsetVector, frame counts taken from the pixel data (or refused with both counts),
and an enhanced CT whose frames run against the slice normal (negative spacing in
SimpleITK's header read).

Values against pydicom; world positions from ImagePositionPatient + offset * normal
(RT dose) or the per-frame PlanePositionSequence written (enhanced), computed here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pydicom
import pytest
from vtkmodules.util.numpy_support import vtk_to_numpy

import dicomgen
import dicomkinds
import sitkvtk
from dicomcase import DX, DY, DZ, ORIGIN, R, check_grid, field, read_strict
from sitkvtk.dicom.series import DicomWarning
from synthetic import index_values, vtk_values, vtk_world

SHAPE = (5, 20, 24)


def _dose(path, offsets, frames=None, stored=None, **options):
    stored = index_values(SHAPE, 1, np.uint16) if stored is None else stored
    dicomkinds.write(path, stored, bits=16, sop=dicomkinds.RT_DOSE, modality="RTDOSE", offsets=offsets,
                     frames=frames, DoseGridScaling="0.000125", DoseUnits="GY", DoseType="PHYSICAL", **options)
    return stored


def _positions(offsets):
    return ORIGIN + np.outer(offsets, R[:, 2])


def test_rt_dose_in_gray_at_its_offsets(tmp_path):
    offsets = np.array([0.0, 2.5, 5.0, 7.5, 10.0]) + 4.0  # relative, not starting at 0
    _dose(tmp_path / "dose.dcm", offsets)
    image = read_strict(tmp_path / "dose.dcm")
    expected = dicomkinds.pydicom_values(tmp_path / "dose.dcm")
    assert vtk_to_numpy(image.GetPointData().GetScalars()).dtype == np.float64
    check_grid(image, _positions(offsets), expected)
    assert field(image, "DICOM_DoseUnits") == "GY"


def test_rt_dose_that_only_gdcm_decodes_is_refused_not_read_unscaled(tmp_path):
    """A deflated dose grid: sitkvtk does not decode deflate, and SimpleITK reads the stored
    integers without DoseGridScaling. Refused, naming the scaling, instead of a silent
    dose 8000 times too large."""
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    path = tmp_path / "dose.dcm"
    _dose(path, [0.0, 2.5, 5.0, 7.5, 10.0], syntax=DeflatedExplicitVRLittleEndian)
    with pytest.raises(sitkvtk.ReadError, match=r"dose\.dcm: an RT dose grid .* DoseGridScaling 0\.000125"):
        sitkvtk.read(path)


def test_rt_dose_with_descending_offsets_and_a_gap(tmp_path):
    offsets = np.array([0.0, -2.5, -5.0, -10.0, -12.5])  # frame 4 of the grid missing
    stored = _dose(tmp_path / "dose.dcm", offsets)
    with pytest.warns(DicomWarning, match="1 missing slices"):
        image = sitkvtk.read(tmp_path / "dose.dcm")
    assert image.GetDimensions() == (24, 20, 6)
    values = vtk_values(image)
    scaled = stored * 0.000125
    for k, frame in enumerate([4, 3, None, 2, 1, 0]):  # ascending along the normal
        expected = np.zeros(SHAPE[1:]) if frame is None else scaled[frame]
        np.testing.assert_array_equal(values[k], expected)
        position = ORIGIN + (-12.5 + 2.5 * k) * R[:, 2]
        np.testing.assert_allclose(vtk_world(image, (0, 0, k)), position, atol=1e-6)
        np.testing.assert_allclose(vtk_world(image, (23, 19, k)), position + 23 * DX * R[:, 0] + 19 * DY * R[:, 1],
                                   atol=1e-6)


def test_rt_dose_without_number_of_frames(tmp_path):
    offsets = np.arange(5) * DZ
    _dose(tmp_path / "dose.dcm", offsets, frames=False)
    assert "NumberOfFrames" not in pydicom.dcmread(tmp_path / "dose.dcm")
    # pydicom reads one frame of such a file: the reference is what was written.
    check_grid(read_strict(tmp_path / "dose.dcm"), _positions(offsets), index_values(SHAPE, 1, np.uint16) * 0.000125)


@pytest.mark.parametrize("declared", [3, 8])
def test_number_of_frames_that_disagrees_reads_what_the_data_holds(tmp_path, declared):
    stored = index_values(SHAPE, 1, np.uint16)
    path = tmp_path / "mf.dcm"
    dicomkinds.write(path, stored, bits=16, frames=declared, SpacingBetweenSlices=str(DZ),
                     sop="1.2.840.10008.5.1.4.1.1.7.3")
    with pytest.warns(DicomWarning, match=f"NumberOfFrames says {declared}, the pixel data holds 5 frames"):
        image = sitkvtk.read(path)
    assert image.GetDimensions() == (24, 20, 5)
    np.testing.assert_array_equal(vtk_values(image), stored)


def test_pixel_data_that_is_no_whole_number_of_frames_is_refused(tmp_path):
    path = tmp_path / "mf.dcm"
    dicomkinds.write(path, index_values(SHAPE, 1, np.uint16), bits=16, frames=5)
    ds = pydicom.dcmread(path)
    ds.PixelData = ds.PixelData[: len(ds.PixelData) - 100]
    ds.save_as(path)
    with pytest.raises(sitkvtk.ReadError, match=r"mf\.dcm: the pixel data \(4700 bytes\) is not a whole "
                                                r"number of 24x20 frames.*NumberOfFrames 5"):
        sitkvtk.read(path)


def test_dose_offsets_that_disagree_with_the_data_are_refused(tmp_path):
    _dose(tmp_path / "dose.dcm", np.arange(7) * DZ, frames=False)
    with pytest.raises(sitkvtk.ReadError, match="GridFrameOffsetVector lists 7 offsets for the 5 frames"):
        sitkvtk.read(tmp_path / "dose.dcm")


@pytest.mark.parametrize("step", [DZ, -DZ], ids=["along", "against"])
def test_enhanced_ct_frames_against_the_normal(tmp_path, step):
    volume = index_values(SHAPE, 1, np.uint16)
    path = tmp_path / "ct.dcm"
    dicomgen.multiframe(path, volume, sop_class="1.2.840.10008.5.1.4.1.1.2.1", origin=ORIGIN, direction=R,
                        spacing=(DX, DY, step), enhanced=True, modality="CT")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DicomWarning)
        image = sitkvtk.read(path)
    assert min(image.GetSpacing()) > 0
    positions = dicomgen.slice_positions(ORIGIN, R, step, SHAPE[0])  # the PlanePositionSequence written
    for k in range(SHAPE[0]):
        np.testing.assert_allclose(vtk_world(image, (0, 0, k)), positions[k], atol=1e-5)
        np.testing.assert_array_equal(vtk_values(image)[k], volume[k])


def test_gdcm_failure_is_named_not_unknown_format(tmp_path):
    """A deflated dose without NumberOfFrames: sitkvtk cannot count its frames, GDCM throws
    'invalid logic behavior'; the error says that, not "unknown format"."""
    _dose(tmp_path / "dose.dcm", np.arange(5) * DZ, frames=False)
    ds = pydicom.dcmread(tmp_path / "dose.dcm")
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    ds.save_as(tmp_path / "dose.dcm", enforce_file_format=True)
    with pytest.raises(sitkvtk.ReadError, match="no NumberOfFrames, though GridFrameOffsetVector lists 5 frames"):
        sitkvtk.read(tmp_path / "dose.dcm")
