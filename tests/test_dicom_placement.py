"""dicom/placement.py: GDCM's header of one file checked against the file's own tags.

The header GDCM gave in SimpleITK 2.3 (origin 0, identity direction, spacing 1 for a Secondary
Capture image; one frame for a dose without NumberOfFrames) is made here by hand, so that the
corrections are tested whatever SimpleITK runs; the expected placement is computed from the
tags pydicom reads back.
"""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.uid import DeflatedExplicitVRLittleEndian

import dicomkinds
import sitkvtk
from dicomcase import ORIGIN, R
from sitkvtk.dicom.parse import parse
from sitkvtk.dicom.placement import checked_against_tags, placed_by_tags
from sitkvtk.header import ImageHeader
from synthetic import index_values

ROWS, COLUMNS = 20, 24


def _gdcm_2_3_header(path, frames=1) -> ImageHeader:
    """What SimpleITK 2.3's GDCM gave for these files: the tags' placement ignored."""
    return ImageHeader(path=str(path), io_name="GDCMImageIO", size=(COLUMNS, ROWS, frames), spacing=(1.0, 1.0, 1.0),
                       origin=(0.0, 0.0, 0.0), direction=tuple(np.eye(3).ravel()), pixel_id=sitk.sitkUInt16,
                       components=1)


def test_a_secondary_capture_image_is_placed_by_its_tags(tmp_path):
    path = tmp_path / "sc.dcm"
    dicomkinds.write(path, index_values((ROWS, COLUMNS), 1, np.uint16), bits=16)
    ds = pydicom.dcmread(path)
    row, column = np.array(ds.ImageOrientationPatient[:3]), np.array(ds.ImageOrientationPatient[3:])
    gdcm = _gdcm_2_3_header(path)

    header = placed_by_tags(parse(str(path)), gdcm)

    np.testing.assert_allclose(header.origin, [float(v) for v in ds.ImagePositionPatient], atol=1e-9)
    np.testing.assert_allclose(header.origin, ORIGIN, atol=1e-9)
    direction = np.reshape(header.direction, (3, 3))
    np.testing.assert_allclose(direction, np.column_stack([row, column, np.cross(row, column)]), atol=1e-9)
    np.testing.assert_allclose(direction[:, :2], R[:, :2], atol=1e-9)
    assert header.spacing == (float(ds.PixelSpacing[1]), float(ds.PixelSpacing[0]), 1.0)  # (row, column)
    # A header that already agrees with the tags comes back as it is (a GDCM that reads them).
    assert placed_by_tags(parse(str(path)), header) is header


def test_a_dose_without_number_of_frames_read_as_one_frame_is_refused(tmp_path):
    path = tmp_path / "dose.dcm"
    dicomkinds.write(path, index_values((5, ROWS, COLUMNS), 1, np.uint16), bits=16, sop=dicomkinds.RT_DOSE,
                     modality="RTDOSE", offsets=np.arange(5) * 2.5, frames=False, DoseGridScaling="0.000125")
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian  # not a kind sitkvtk decodes itself
    ds.save_as(path, enforce_file_format=True)
    info = parse(str(path))
    with pytest.raises(sitkvtk.ReadError, match="dose.dcm: no NumberOfFrames, though GridFrameOffsetVector "
                       "lists 5 frames: GDCM reads 1"):
        checked_against_tags(info, _gdcm_2_3_header(path))
    five = _gdcm_2_3_header(path, frames=5)
    assert checked_against_tags(info, five) is five  # GDCM's count agrees: left to GDCM's read
