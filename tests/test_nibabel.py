"""sitkvtk against an independent reader: nibabel, for NIfTI, Analyze and MINC.

nibabel maps array index (a, b, c) to RAS with its affine; turned to LPS that must be
where sitkvtk puts the voxel holding the same value, for every voxel.
"""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util.numpy_support import vtk_to_numpy

import sitkvtk
from synthetic import oblique_image

RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0])


def _vtk_inverse(vtk_image):
    """World point -> continuous VTK index, from the image's own geometry."""
    matrix = vtk_image.GetDirectionMatrix()
    direction = np.array([[matrix.GetElement(r, c) for c in range(3)] for r in range(3)])
    origin = np.array(vtk_image.GetOrigin())
    spacing = np.array(vtk_image.GetSpacing())
    return lambda world: (world - origin) @ direction / spacing


def _compare_with_nibabel(path, vtk_image, tolerance_mm):
    nifti = nib.load(path)
    data = np.asarray(nifti.dataobj)
    affine = nifti.affine
    index = np.indices(data.shape[:3]).reshape(3, -1).T  # nibabel's own (a, b, c)
    world_lps = (RAS_TO_LPS @ (affine[:3, :3] @ index.T + affine[:3, 3:4])).T

    ijk = _vtk_inverse(vtk_image)(world_lps)
    rounded = np.round(ijk)
    spacing = np.array(vtk_image.GetSpacing())
    # Every nibabel voxel lands on a sitkvtk voxel centre, within tolerance in mm.
    assert np.abs((ijk - rounded) * spacing).max() < tolerance_mm
    rounded = rounded.astype(int)
    dims = vtk_image.GetDimensions()
    assert (rounded >= 0).all() and (rounded < dims).all()

    values = vtk_to_numpy(vtk_image.GetPointData().GetScalars())
    linear = rounded[:, 0] + dims[0] * (rounded[:, 1] + dims[1] * rounded[:, 2])
    np.testing.assert_array_equal(values[linear], data[tuple(index.T)])


@pytest.mark.parametrize("ext", [".nii", ".nii.gz", ".hdr"])
@pytest.mark.parametrize("dtype", [np.int16, np.float32, np.uint8, np.float64])
def test_nifti_and_analyze_agree_with_nibabel(tmp_path, ext, dtype):
    path = str(tmp_path / f"image{ext}")
    sitk.WriteImage(oblique_image(dtype, 3, size=(7, 6, 5)), path)
    _compare_with_nibabel(path, sitkvtk.read(path), tolerance_mm=1e-4)


@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_minc_agrees_with_nibabel(tmp_path, dtype):
    # A MINC file written by SimpleITK: whatever SimpleITK meant, the file's world
    # coordinates are what nibabel reads, and sitkvtk must put voxels there too.
    path = str(tmp_path / "image.mnc")
    sitk.WriteImage(oblique_image(dtype, 3, size=(7, 6, 5)), path)
    _compare_with_nibabel(path, sitkvtk.read(path), tolerance_mm=1e-4)
