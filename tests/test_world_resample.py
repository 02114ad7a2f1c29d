"""Resampling to world axes (world/resample.py), through the reader's "Resampled" and "Auto"
modes: trilinear samples of the image, exact for permuted axes."""

from __future__ import annotations

import numpy as np

import sitkvtk
from synthetic import oblique_image
from worldcheck import (
    PERMUTATION,
    continuous_index,
    index_value,
    output_points,
    output_scalars,
    world_reader,
    write_image,
)


def test_resampled_grid_interpolates_the_image_in_world_space(tmp_path):
    size = (9, 8, 7)
    image = oblique_image(np.float32, size=size)
    path = write_image(tmp_path, image, "oblique.nrrd")
    reader = world_reader(path, "Resampled")
    reader.Update()
    grid = reader.GetOutputDataObject(0)
    assert grid.GetClassName() == "vtkImageData"
    direction = grid.GetDirectionMatrix()
    assert all(direction.GetElement(r, c) == float(r == c) for r in range(3) for c in range(3))
    # The grid covers the rotated image.
    image_bounds = np.array(sitkvtk.read(path).GetBounds())
    bounds = np.array(grid.GetBounds())
    assert np.all(bounds[0::2] <= image_bounds[0::2] + 1e-9)
    assert np.all(bounds[1::2] >= image_bounds[1::2] - 1e-9)
    # Voxel values are linear in the index, so trilinear samples are exact inside.
    points, values = output_points(grid), output_scalars(grid)
    index = continuous_index(image, points)
    inside = np.all((index >= 1e-6) & (index <= np.array(size) - 1 - 1e-6), axis=1)
    outside = np.any((index < -1.0) | (index > np.array(size)), axis=1)
    assert inside.sum() > 100 and outside.sum() > 100
    np.testing.assert_allclose(values[inside], index_value(index[inside], size), rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(values[outside], 0)


def test_permuted_axes_are_resampled_exactly(tmp_path):
    size = (6, 5, 4)
    image = oblique_image(np.float32, size=size)
    image.SetDirection(PERMUTATION.ravel().tolist())
    path = write_image(tmp_path, image, "permuted.mha")
    reader = world_reader(path, "Auto")
    reader.Update()
    grid = reader.GetOutputDataObject(0)
    assert grid.GetClassName() == "vtkImageData"
    assert grid.GetNumberOfPoints() == np.prod(size)  # the same voxels, reordered
    index = continuous_index(image, output_points(grid))
    np.testing.assert_allclose(index, np.round(index), atol=1e-6)
    np.testing.assert_array_equal(output_scalars(grid), index_value(np.round(index), size))
