"""Structured grid <-> image (world/grid.py): a grid of world points gives the image back,
a warped grid is refused, and the conversions keep the reader's field data."""

from __future__ import annotations

import os

import numpy as np
import pytest
from vtkmodules.util.numpy_support import vtk_to_numpy

import sitkvtk
from sitkvtk.geometry import world_grid
from sitkvtk.world.grid import image_from_structured_grid, structured_grid_from_image
from sitkvtk.world.resample import resample_to_world
from synthetic import corners, oblique_image, rotation_3d, vtk_world


@pytest.mark.parametrize("extent", [(0, 6, 0, 5, 0, 4), (2, 6, 1, 5, 3, 4), (1, 5, 0, 4, 2, 2)],
                         ids=["whole", "sub-extent", "one-slice"])
def test_grid_of_world_points_gives_back_the_image(extent):
    image = sitkvtk.vtk_image_from_image(oblique_image(np.float32, size=(7, 6, 5)))
    part = type(image)()
    part.DeepCopy(image)
    part.Crop(extent)
    back = image_from_structured_grid(structured_grid_from_image(part))
    assert back.GetExtent() == tuple(extent)
    for index in corners((2, 2, 2)):
        ijk = [extent[2 * a + index[a]] for a in range(3)]
        np.testing.assert_allclose(vtk_world(back, ijk), vtk_world(part, ijk), atol=2e-5)
    matrix = back.GetDirectionMatrix()
    direction = np.array([[matrix.GetElement(r, c) for c in range(3)] for r in range(3)])
    np.testing.assert_allclose(direction.T @ direction, np.eye(3), atol=1e-12)  # kept orthonormal
    assert np.linalg.det(direction) > 0
    # The voxels are shared, not copied.
    assert back.GetPointData().GetScalars() is part.GetPointData().GetScalars()
    if extent[4] != extent[5]:  # a one-slice grid has no z step: spacing 1, normal completed
        np.testing.assert_allclose(back.GetSpacing(), part.GetSpacing(), rtol=1e-5)
        np.testing.assert_allclose(direction, rotation_3d(), atol=1e-5)
    else:
        np.testing.assert_allclose(direction[:, :2], rotation_3d()[:, :2], atol=1e-5)


def test_warped_grid_is_refused_and_nothing_written(tmp_path):
    image = sitkvtk.vtk_image_from_image(oblique_image(np.float32, size=(7, 6, 5)))
    grid = structured_grid_from_image(image)
    points = vtk_to_numpy(grid.GetPoints().GetData())
    points[17] += np.float32(0.002)  # one point moved by 3.5 micrometres
    path = tmp_path / "warped.nii.gz"
    with pytest.raises(sitkvtk.WriteError, match="not a regular lattice") as error:
        sitkvtk.write(grid, path)
    assert str(path) in str(error.value)
    assert os.listdir(tmp_path) == []


def test_conversions_keep_the_readers_field_data():
    from vtkmodules.vtkCommonCore import vtkStringArray

    image = sitkvtk.vtk_image_from_image(oblique_image(np.float32, size=(4, 3, 2)))
    tag = vtkStringArray()
    tag.SetName("DICOM_Modality")
    tag.InsertNextValue("CT")
    image.GetFieldData().AddArray(tag)
    spacing, origin, extent = world_grid(image.GetSpacing(), image.GetOrigin(), rotation_3d(), image.GetExtent())
    for converted in (structured_grid_from_image(image), resample_to_world(image, spacing, origin, extent)):
        assert converted.GetFieldData().GetAbstractArray("DICOM_Modality").GetValue(0) == "CT"
