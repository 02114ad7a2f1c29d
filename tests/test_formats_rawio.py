"""The raw-voxel machinery the formats share (formats/rawio.py): whole volumes and boxes read
straight from the file, and a file too short for its header reported."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from sitkvtk.formats import nifti, rawio
from sitkvtk.sources.file import read_header
from synthetic import index_values, oblique_image, vtk_values


def _affine():
    affine = np.eye(4)
    affine[:3, :3] = np.diag([0.8, 1.1, 2.5]) @ np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1.0]])
    affine[:3, 3] = [12.0, -40.0, 7.5]
    return affine


def test_direct_read_reports_a_short_file(tmp_path):
    path = str(tmp_path / "short.nii")
    sitk.WriteImage(oblique_image(np.int16, 3, size=(20, 20, 20)), path)
    header = read_header(path)
    layout = nifti.direct_layout(header)
    with open(path, "r+b") as stream:
        stream.truncate(layout.offset + 100)
    with pytest.raises(sitkvtk.ReadError, match="truncated"):
        rawio.read_volume(header, layout, 0)


@pytest.mark.parametrize("dtype", ["<i2", ">f4"])
def test_direct_box_read_equals_the_box_of_a_whole_read(tmp_path, dtype):
    native = np.dtype(dtype).newbyteorder("=")
    data = index_values((3, 7, 8, 9), 1, native)  # (t, z, y, x)
    endian = ">" if dtype.startswith(">") else "<"
    image = nib.Nifti1Image(np.ascontiguousarray(data.transpose(3, 2, 1, 0)), _affine(),
                            header=nib.Nifti1Header(endianness=endian))
    image.header.set_data_dtype(native)
    path = str(tmp_path / "series.nii")
    nib.save(image, path)
    for step in (0, 2):
        box = sitkvtk.read(path, extent=(2, 5, 1, 6, 3, 3), time_step=step)
        got = vtk_values(box)
        assert got.dtype == native
        np.testing.assert_array_equal(got, data[step, 3:4, 1:7, 2:6])
        whole = sitk.GetArrayFromImage(sitk.ReadImage(path))[step]
        np.testing.assert_array_equal(got, whole[3:4, 1:7, 2:6])
